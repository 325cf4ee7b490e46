// Small DOM helpers for the webview. Every piece of text that comes from a snapshot (names, labels,
// console output, error messages, file names) goes into the page through these as a text node —
// never through innerHTML — and there are no inline handlers or style attributes: the page runs
// under a nonce-only CSP.

export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  /** Class names (space separated). */
  class?: string;
  /** Event listeners, added with addEventListener. */
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
  /** Properties set directly (value, checked, disabled, ...). */
  props?: Record<string, unknown>;
  /** dataset entries. */
  data?: Record<string, string>;
  /** Any other attribute; null/undefined/false leave it out, true sets it empty. */
  [attr: string]: unknown;
}

function appendChildren(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

function applyAttrs(node: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [type, fn] of Object.entries(value as Record<string, EventListener>)) node.addEventListener(type, fn);
    } else if (key === "props") {
      Object.assign(node, value);
    } else if (key === "data") {
      for (const [k, v] of Object.entries(value as Record<string, string>)) (node as HTMLElement).dataset[k] = v;
    } else if (key === "class") {
      node.setAttribute("class", String(value));
    } else {
      if (key === "style" || /^on/i.test(key)) throw new Error(`el(): attribute ${key} is not allowed (CSP)`);
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

/** `el("button", { class: "x", on: { click } }, "text", child)`: an element with text children as text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  applyAttrs(node, attrs ?? undefined);
  appendChildren(node, children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The same for SVG elements. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttrs(node, attrs ?? undefined);
  appendChildren(node, children);
  return node;
}

/** Replace all children of `node`. */
export function setChildren(node: Node, ...children: Child[]): void {
  while (node.firstChild) node.removeChild(node.firstChild);
  appendChildren(node, children);
}

/** Set the text of an element (and nothing else). */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** A focus-visible button that looks like a link. */
export function linkButton(text: Child, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return el("button", { type: "button", ...attrs, class: `link${attrs.class ? ` ${attrs.class}` : ""}`, on: { click: onClick } }, text);
}

/** True when the key event happened while typing (text input, textarea, select, contenteditable). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "submit", "reset"].includes(target.type);
  }
  return false;
}

/** "autograd-basics.ts" from a path with / or \ separators. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}
