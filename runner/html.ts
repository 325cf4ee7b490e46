// The graph view's page, in its two forms, from the one template webview/index.html:
//   buildStandaloneHtml  one self-contained file (`autograd-lens trace --html`): dist/webview.js and
//                        dist/webview.css inlined, the snapshot embedded as JSON; opens from file://
//                        with no network.
//   buildWebviewHtml     the VS Code webview: bundle and stylesheet by URI, no snapshot (the host posts
//                        it after the page's `ready`).
// Both pages get a strict CSP: nothing runs or styles without the page's nonce, no eval (only
// WebAssembly compilation), nothing is fetched. The bundle looks for #autograd-lens-snapshot to
// tell the two apart.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { GraphSnapshot, SnapshotWire } from "../shared/protocol";
import { encodeSnapshot } from "../shared/snapshot-codec";

/** Id of the `<script type="application/json">` element holding the standalone page's snapshot. */
export const SNAPSHOT_ELEMENT_ID = "autograd-lens-snapshot";
/** The webview bundle and its stylesheet, in the dist folder. */
export const WEBVIEW_SCRIPT = "webview.js";
export const WEBVIEW_STYLE = "webview.css";

const APP_NAME = "Autograd Lens";

/** Thrown by buildStandaloneHtml when dist/webview.js has not been built. */
export class MissingWebviewBundleError extends Error {
  constructor(readonly file: string) {
    super(`the graph view is not built: ${file} does not exist (run "npm run build" first).`);
    this.name = "MissingWebviewBundleError";
  }
}

/**
 * Where the template is read from. This file (runner/html.ts, under vitest) and the bundles built
 * from it (dist/cli.js, dist/extension.js) both sit one folder below the project root.
 */
export function templatePath(): string {
  return path.resolve(__dirname, "..", "webview", "index.html");
}

let cachedTemplate: { file: string; text: string } | undefined;

function loadTemplate(): string {
  const file = templatePath();
  if (cachedTemplate?.file !== file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`cannot read the page template ${file}: ${(e as Error).message}`, { cause: e });
    }
    // The template's comments are for its readers, not for every page made from it.
    cachedTemplate = { file, text: text.replace(/[ \t]*<!--[\s\S]*?-->[ \t]*\n?/g, "") };
  }
  return cachedTemplate.text;
}

/** A fresh CSP nonce: 144 random bits, base64 (no padding). */
export function makeNonce(): string {
  return crypto.randomBytes(18).toString("base64");
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

// Pages are pure ASCII. Chromium decodes a page with any non-ASCII byte through its slow path: on the
// benchmark machine the 780 KB standalone page started its script 40 ms later for the 8 characters
// (an em dash in the title, ∂ and · in the snapshot) that made it so.

/**
 * Text for HTML content or a double-quoted attribute value (the template quotes every attribute
 * with "); non-ASCII characters become character references.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]|[^\0-\x7f]/gu, (c) => HTML_ESCAPES[c] ?? `&#x${c.codePointAt(0)!.toString(16)};`);
}

/**
 * JSON that is safe as the content of a `<script type="application/json">` element: `<`, `>` and
 * `&` become \u escapes (no `</script>` or `<!--` can appear), and so does every non-ASCII
 * character (U+2028/U+2029 among them). Those characters occur in JSON only inside strings, where
 * the escapes mean the same; JSON.parse of the element's text gives back the value.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A bundle's code, safe to inline in a `<script>` element. `</script` would close the element and
 * `<!--` can make the parser skip the closing tag; both only occur inside strings, regular
 * expressions, template literals or comments, where `\x3C` means `<`.
 */
export function inlineScriptText(code: string): string {
  return stripSourceMap(code).replace(/<(\/script|!--)/gi, "\\x3C$1");
}

/** A stylesheet, safe to inline in a `<style>` element (`\3C` is `<` in CSS strings). */
export function inlineStyleText(css: string): string {
  return stripSourceMap(css).replace(/<\/style/gi, "\\3C/style");
}

/** Without a trailing source map comment (the map is not next to the page), ending in a newline. */
function stripSourceMap(text: string): string {
  const body = text.replace(/(?:\/\/[#@] sourceMappingURL=[^\n]*|\/\*[#@] sourceMappingURL=[^*]*\*\/)\s*$/, "");
  return body.endsWith("\n") ? body : body + "\n";
}

/** The CSP of both pages; `extraSource` (the webview's cspSource) may also serve styles, images and fonts. */
export function contentSecurityPolicy(nonce: string, extraSource?: string): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(nonce)) throw new Error(`invalid CSP nonce ${JSON.stringify(nonce)}`);
  // Host sources or 'self' (code-server's cspSource is "'self' https://*.vscode-cdn.net"), but no
  // other keyword ('unsafe-eval') and nothing that could end the directive or start another.
  const token = `(?:'self'|[^\\s;,'"<>]+)`;
  if (extraSource !== undefined && !new RegExp(`^${token}(?: ${token})*$`).test(extraSource)) {
    throw new Error(`invalid CSP source ${JSON.stringify(extraSource)}`);
  }
  const from = (...sources: string[]) => (extraSource ? [extraSource, ...sources] : sources).join(" ");
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    `style-src ${from(`'nonce-${nonce}'`)}`,
    `img-src ${from("data:", "blob:")}`,
    `font-src ${from("data:")}`,
    "worker-src blob:",
    "connect-src 'none'",
  ].join("; ");
}

/** Fill the template's placeholders in one pass (values are not scanned again). */
function fill(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const html = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`the page template has an unknown placeholder {{${key}}}`);
    used.add(key);
    return value;
  });
  const missing = Object.keys(values).filter((k) => !used.has(k));
  if (missing.length) throw new Error(`the page template lacks ${missing.map((k) => `{{${k}}}`).join(", ")}`);
  return html;
}

/** "autograd-basics.ts — Autograd Lens" for a snapshot of /any/path/autograd-basics.ts. */
function titleFor(file: string): string {
  const base = file.split(/[\\/]/).pop();
  return base ? `${base} — ${APP_NAME}` : APP_NAME;
}

/** An already encoded snapshot (it has the value table) is embedded as it is. */
function isWire(s: GraphSnapshot | SnapshotWire): s is SnapshotWire {
  return Array.isArray((s as Partial<SnapshotWire>).values);
}

/**
 * The standalone page for `snapshot`: reads `webview.js` (required) and `webview.css` (if present)
 * from `distDir` and inlines them. Throws MissingWebviewBundleError when webview.js is missing.
 */
export function buildStandaloneHtml(snapshot: GraphSnapshot | SnapshotWire, options: { distDir: string; title?: string }): string {
  const scriptFile = path.join(options.distDir, WEBVIEW_SCRIPT);
  const styleFile = path.join(options.distDir, WEBVIEW_STYLE);
  let code: string;
  try {
    code = fs.readFileSync(scriptFile, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new MissingWebviewBundleError(scriptFile);
    throw e;
  }
  const css = fs.existsSync(styleFile) ? fs.readFileSync(styleFile, "utf8") : "";
  const nonce = makeNonce();
  return fill(loadTemplate(), {
    csp: escapeHtml(contentSecurityPolicy(nonce)),
    nonce,
    title: escapeHtml(options.title ?? titleFor(snapshot.file)),
    style: `<style nonce="${nonce}">\n${inlineStyleText(css)}</style>`,
    snapshot: `<script type="application/json" id="${SNAPSHOT_ELEMENT_ID}">${jsonForScriptElement(isWire(snapshot) ? snapshot : encodeSnapshot(snapshot))}</script>`,
    script: `<script nonce="${nonce}">\n${inlineScriptText(code)}</script>`,
  });
}

/**
 * The VS Code webview's page: `scriptUri`/`styleUri` are webview URIs of dist/webview.js and
 * dist/webview.css (webview.asWebviewUri), `cspSource` is webview.cspSource, `nonce` from makeNonce().
 */
export function buildWebviewHtml(options: { scriptUri: string; styleUri: string; cspSource: string; nonce: string; title?: string }): string {
  const { nonce } = options;
  return fill(loadTemplate(), {
    csp: escapeHtml(contentSecurityPolicy(nonce, options.cspSource)),
    nonce,
    title: escapeHtml(options.title ?? APP_NAME),
    style: `<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(options.styleUri)}">`,
    snapshot: "",
    script: `<script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>`,
  });
}
