// The webview's one link to whoever shows it. In VS Code that is the extension host
// (acquireVsCodeApi: postMessage, getState/setState; messages arrive as window "message" events).
// On the standalone page (`autograd-lens trace --html`) there is no host: the snapshot is embedded
// in the page as JSON and answered to `ready`, `reveal` shows a short note, `save` downloads the
// file, and state lives in sessionStorage.
import type { HostToWebview, SnapshotWire, SourceRange, WebviewToHost } from "../shared/protocol";
import { baseName, el } from "./dom";

export interface Host {
  post(msg: WebviewToHost): void;
  onMessage(cb: (m: HostToWebview) => void): void;
  getState<T>(): T | undefined;
  setState<T>(s: T): void;
  /** True on the standalone page (no editor behind it). */
  standalone: boolean;
}

/** What VS Code gives a webview (declared here: the webview bundle does not depend on vscode). */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Id of the `<script type="application/json">` element of the standalone page (runner/html.ts). */
export const SNAPSHOT_ELEMENT_ID = "autograd-lens-snapshot";

const MESSAGE_TYPES = new Set<HostToWebview["type"]>(["snapshot", "select", "position", "stale", "running", "saved", "options"]);

function isHostMessage(data: unknown): data is HostToWebview {
  return typeof data === "object" && data !== null && MESSAGE_TYPES.has((data as { type?: unknown }).type as HostToWebview["type"]);
}

export function createHost(): Host {
  const embedded = document.getElementById(SNAPSHOT_ELEMENT_ID);
  if (!embedded && typeof acquireVsCodeApi === "function") return new VsCodeHost(acquireVsCodeApi());
  return new StandaloneHost(embedded);
}

class VsCodeHost implements Host {
  readonly standalone = false;
  constructor(private readonly api: VsCodeApi) {}
  post(msg: WebviewToHost): void {
    this.api.postMessage(msg);
  }
  onMessage(cb: (m: HostToWebview) => void): void {
    window.addEventListener("message", (e: MessageEvent) => {
      if (isHostMessage(e.data)) cb(e.data);
    });
  }
  getState<T>(): T | undefined {
    return (this.api.getState() as T | null | undefined) ?? undefined;
  }
  setState<T>(s: T): void {
    this.api.setState(s);
  }
}

const STATE_KEY = "autograd-lens-state";

class StandaloneHost implements Host {
  readonly standalone = true;
  private readonly listeners: Array<(m: HostToWebview) => void> = [];
  private snapshot: SnapshotWire | undefined;
  private loadError: string | undefined;
  private noteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(embedded: HTMLElement | null) {
    if (embedded) {
      try {
        this.snapshot = JSON.parse(embedded.textContent ?? "") as SnapshotWire; // checked by the app like any snapshot
      } catch (e) {
        this.loadError = `The embedded snapshot could not be read: ${(e as Error).message}`;
      }
    } else {
      this.loadError = "This page has no snapshot: open it with `autograd-lens trace FILE --html OUT`.";
    }
    // Messages posted to the page itself (handy for scripting the standalone page).
    window.addEventListener("message", (e: MessageEvent) => {
      if (e.source === window && isHostMessage(e.data)) this.emit(e.data);
    });
  }

  private emit(m: HostToWebview): void {
    for (const cb of this.listeners) cb(m);
  }

  onMessage(cb: (m: HostToWebview) => void): void {
    this.listeners.push(cb);
  }

  post(msg: WebviewToHost): void {
    switch (msg.type) {
      case "ready":
        if (this.snapshot) {
          const snapshot = this.snapshot;
          queueMicrotask(() => this.emit({ type: "snapshot", snapshot }));
        } else if (this.loadError) {
          this.note(this.loadError, 0);
        }
        break;
      case "reveal":
        this.note(describeRange(msg.range, this.snapshot?.file));
        break;
      case "save": {
        const ok = download(msg.fileName, msg.data, msg.encoding, mimeType(msg.format));
        const requestId = msg.requestId;
        queueMicrotask(() =>
          this.emit({ type: "saved", requestId, ok, message: ok ? `Downloaded ${msg.fileName}` : `Could not download ${msg.fileName}` }),
        );
        break;
      }
      default:
        // selected / positionChanged: no editor to follow them.
        break;
    }
  }

  getState<T>(): T | undefined {
    try {
      const text = sessionStorage.getItem(STATE_KEY);
      return text ? (JSON.parse(text) as T) : undefined;
    } catch {
      return undefined;
    }
  }

  setState<T>(s: T): void {
    try {
      sessionStorage.setItem(STATE_KEY, JSON.stringify(s));
    } catch {
      // Storage can be unavailable (file:// in some browsers, private mode): state is then per load.
    }
  }

  /** A small non-blocking note in the corner; `ms` 0 keeps it until dismissed. */
  private note(text: string, ms = 4000): void {
    let box = document.getElementById("lens-note");
    if (!box) {
      box = el("div", { id: "lens-note", class: "note-toast", role: "status", "aria-live": "polite" });
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    if (this.noteTimer) clearTimeout(this.noteTimer);
    const shown = box;
    if (ms > 0) this.noteTimer = setTimeout(() => (shown.hidden = true), ms);
  }
}

/** "line 8 of autograd-basics.ts" (what the standalone page says instead of revealing). */
export function describeRange(range: SourceRange, file?: string): string {
  const where = range.column ? `line ${range.line}, column ${range.column}` : `line ${range.line}`;
  return file ? `${where} of ${baseName(file)}` : where;
}

function mimeType(format: string): string {
  switch (format) {
    case "png":
      return "image/png";
    case "svg":
      return "image/svg+xml";
    case "json":
      return "application/json";
    case "dot":
      return "text/vnd.graphviz";
    default:
      return "application/octet-stream";
  }
}

function download(fileName: string, data: string, encoding: "utf8" | "base64", type: string): boolean {
  try {
    let blob: Blob;
    if (encoding === "base64") {
      const bin = atob(data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      blob = new Blob([bytes], { type });
    } else {
      blob = new Blob([data], { type: `${type};charset=utf-8` });
    }
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: fileName, class: "hidden-download" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    return true;
  } catch {
    return false;
  }
}
