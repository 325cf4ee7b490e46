// The graph panel: one webview panel beside the editor showing the latest run of one document.
//   - The page is runner/html.ts's buildWebviewHtml (CSP with a nonce, scripts and styles only from
//     dist/), retainContextWhenHidden off: the page keeps its own view state with setState, and when
//     it is shown again it loads anew and says `ready`; the host answers with the snapshot.
//   - registerWebviewPanelSerializer (extension.ts) brings it back after a window reload: the host
//     remembers which document it showed (workspaceState) and runs it again (trusted windows only).
//   - Messages: reveal → open the range in the editor; selected → move the cursor there (no focus
//     change); positionChanged → highlight the line of the node being run; save → save dialog.
//   - Editor → graph: the cursor moving onto a line selects what that line made; typing marks the
//     graph stale until the next run.
import * as path from "node:path";
import * as vscode from "vscode";
import { buildWebviewHtml, escapeHtml, makeNonce, WEBVIEW_SCRIPT, WEBVIEW_STYLE } from "../runner/html";
import { emptySnapshot, resolveLimits } from "../runner/sandbox";
import type { ExportFormat, GraphSnapshot, HostToWebview, SourceRange, StepPosition, WebviewToHost } from "../shared/protocol";
import { encodeSnapshot } from "../shared/snapshot-codec";
import type { StepHighlighter } from "./highlight";
import { layoutDirection, SECTION, SETTINGS } from "./settings";
import { autoRunAllowed, isUsable, type RunManager, type RunResult } from "./runs";
import { exportFileName, idAtPosition, parseWebviewMessage, runLanguage, STEP_LABEL_PREFIX, stepInfo } from "./sync";

export const VIEW_TYPE = "autogradLens.graph";
/** workspaceState key: URI of the document the panel showed (for the serializer). */
const STATE_KEY = "autogradLens.panelDocument";

export interface ViewRequest {
  select?: string;
  position?: StepPosition;
}

/** What the panel shows: a run, or a placeholder snapshot that explains why there is none. */
interface Shown {
  uri: vscode.Uri;
  /** Document version of the run; -1 for a placeholder. */
  version: number;
  snapshot: GraphSnapshot;
  placeholder: boolean;
}

const EXPORT_FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  png: { "PNG image": ["png"] },
  svg: { "SVG image": ["svg"] },
  dot: { "Graphviz DOT": ["dot", "gv"] },
  json: { "GraphSnapshot JSON": ["json"] },
};

function baseName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path) || uri.toString();
}

function findDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
}

function editorsOf(uri: vscode.Uri): vscode.TextEditor[] {
  const key = uri.toString();
  return vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key);
}

/** A protocol range (1-based) as an editor range: with its end, else the word at its start. */
export function toEditorRange(doc: vscode.TextDocument, r: SourceRange): vscode.Range {
  const line = Math.min(Math.max(r.line - 1, 0), Math.max(doc.lineCount - 1, 0));
  const start = doc.validatePosition(new vscode.Position(line, Math.max(r.column - 1, 0)));
  if (r.endLine !== undefined && r.endColumn !== undefined) {
    return doc.validateRange(new vscode.Range(start, new vscode.Position(r.endLine - 1, Math.max(r.endColumn - 1, 0))));
  }
  return doc.getWordRangeAtPosition(start) ?? new vscode.Range(start, start);
}

export class GraphPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The page said `ready` since it was last (re)loaded. */
  private ready = false;
  private shown: Shown | undefined;
  /** Sent with the next snapshot (when the page is not ready yet). */
  private pendingView: ViewRequest = {};
  private lastSelectPosted: string | undefined;
  private staleSent = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly highlighter: StepHighlighter,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      runs.onDidRun((r) => this.onRun(r)),
      runs.onDidChangeRunning((e) => {
        // The page shows "Running… (limit)" and dims the graph it has while its document runs again.
        if (!this.ready || !this.shown || e.uri.toString() !== this.shown.uri.toString()) return;
        this.post(e.running ? { type: "running", running: true, timeoutMs: e.timeoutMs } : { type: "running", running: false });
      }),
    );
  }

  /** The document the panel shows (while it is open). */
  get documentUri(): vscode.Uri | undefined {
    return this.panel ? this.shown?.uri : undefined;
  }

  get isVisible(): boolean {
    return !!this.panel?.visible;
  }

  /** Show a run (opening the panel beside the editor if needed) with an optional selection or step position. */
  show(result: RunResult, view: ViewRequest = {}): void {
    if (!this.panel) this.adopt(this.createPanel());
    else if (!this.panel.visible) this.panel.reveal(undefined, true);
    this.setShown({ uri: result.uri, version: result.version, snapshot: result.snapshot, placeholder: false }, view);
  }

  /** Select a tensor or node of a run: a `select` message when the panel shows that very run, else the run with it selected. */
  select(result: RunResult, id: string): void {
    if (this.panel && this.ready && this.shown?.snapshot === result.snapshot) {
      if (!this.panel.visible) this.panel.reveal(undefined, true);
      this.lastSelectPosted = id;
      this.post({ type: "select", id });
      return;
    }
    this.show(result, { select: id });
  }

  /** The serializer's entry point after a window reload: take over the restored panel and fill it. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = this.context.workspaceState.get<string>(STATE_KEY);
    const previous = this.panel;
    this.adopt(panel); // drops the previous panel's listeners, so disposing it changes nothing here
    previous?.dispose();
    const file = typeof (state as { file?: unknown } | undefined)?.file === "string" ? (state as { file: string }).file : undefined;
    const uri = saved ? vscode.Uri.parse(saved) : file ? vscode.Uri.file(file) : undefined;
    this.log?.info(`restoring the graph panel of ${uri?.toString() ?? "an unknown document"}`);
    if (!uri) {
      this.showPlaceholder(undefined, "The graph's document is not known any more: run Autograd Lens: Show Graph in an editor.");
      return;
    }
    let doc = findDocument(uri);
    if (!doc && uri.scheme !== "untitled") {
      try {
        doc = await vscode.workspace.openTextDocument(uri);
      } catch {
        doc = undefined;
      }
    }
    if (!doc) {
      this.showPlaceholder(uri, `${baseName(uri)} is not open any more: open it and run Autograd Lens: Show Graph.`);
      return;
    }
    if (!autoRunAllowed()) {
      this.showPlaceholder(uri, "This window is in Restricted Mode: Autograd Lens does not run code until you trust the folder. Then run Autograd Lens: Show Graph.");
      return;
    }
    const result = await this.runs.run(doc, { selection: undefined, reason: "command" });
    if (this.panel === panel) this.show(result);
  }

  /** After the window was trusted: replace a "Restricted Mode" placeholder by a run. */
  async onTrustGranted(): Promise<void> {
    if (!this.panel || !this.shown?.placeholder) return;
    const doc = findDocument(this.shown.uri);
    if (!doc) return;
    this.show(await this.runs.run(doc, { selection: undefined, reason: "command" }));
  }

  /** The text of the shown document changed: the graph says it is stale until the next snapshot. */
  markStale(doc: vscode.TextDocument): void {
    if (!this.shown || this.shown.placeholder || this.shown.uri.toString() !== doc.uri.toString()) return;
    if (this.staleSent || this.shown.version === doc.version) return;
    this.staleSent = this.post({ type: "stale", stale: true });
  }

  /** The editor's cursor moved (by the user): select what its line made. */
  selectFromEditor(editor: vscode.TextEditor): void {
    if (!this.panel?.visible || !this.ready || !this.shown || this.shown.placeholder) return;
    if (editor.document.uri.toString() !== this.shown.uri.toString() || editor.document.version !== this.shown.version) return;
    const pos = editor.selection.active;
    const id = idAtPosition(this.shown.snapshot, pos.line + 1, pos.character + 1);
    if (!id || id === this.lastSelectPosted) return;
    this.lastSelectPosted = id;
    this.post({ type: "select", id });
  }

  private onRun(r: RunResult): void {
    // Runs the user asked for are shown by the command; automatic re-runs of the shown document update it.
    if (r.reason !== "auto" || !this.panel || !this.shown) return;
    if (r.uri.toString() !== this.shown.uri.toString()) return;
    // Half-typed text that does not parse: keep the graph there is (it stays marked stale); the
    // squiggle says what is wrong.
    if (!isUsable(r) && !this.shown.placeholder && this.shown.snapshot.tensors.length > 0) return;
    this.setShown({ uri: r.uri, version: r.version, snapshot: r.snapshot, placeholder: false }, {});
  }

  private showPlaceholder(uri: vscode.Uri | undefined, message: string): void {
    const doc = uri && findDocument(uri);
    const language = (doc && runLanguage(doc.languageId)) ?? "typescript";
    const fileName = uri ? (uri.scheme === "file" ? uri.fsPath : baseName(uri)) : "";
    const snapshot = emptySnapshot({ fileName, language }, resolveLimits(undefined), 0, { kind: "internal", message });
    this.setShown({ uri: uri ?? vscode.Uri.parse("untitled:Autograd%20Lens"), version: -1, snapshot, placeholder: true }, {});
  }

  private setShown(shown: Shown, view: ViewRequest): void {
    this.shown = shown;
    this.staleSent = false;
    this.lastSelectPosted = view.select;
    if (this.panel) this.panel.title = `Graph: ${baseName(shown.uri)}`;
    if (!shown.placeholder) void this.context.workspaceState.update(STATE_KEY, shown.uri.toString());
    if (view.position) this.highlightStep(view.position, undefined);
    else this.highlighter.clear();
    if (this.ready) this.postSnapshot(view);
    else this.pendingView = view;
  }

  private postSnapshot(view: ViewRequest): void {
    const shown = this.shown;
    if (!shown) return;
    this.post({
      type: "snapshot",
      snapshot: encodeSnapshot(shown.snapshot),
      ...(view.select ? { select: view.select } : {}),
      ...(view.position ? { position: view.position } : {}),
    });
    const doc = findDocument(shown.uri);
    if (!shown.placeholder && doc && doc.version !== shown.version) this.staleSent = this.post({ type: "stale", stale: true });
  }

  /** The settings the page applies itself (the layout direction). */
  private postOptions(): void {
    const config = vscode.workspace.getConfiguration(SECTION);
    this.post({ type: "options", layoutDirection: layoutDirection((key) => config.get(key)) });
  }

  private post(message: HostToWebview): boolean {
    if (!this.panel) return false;
    void this.panel.webview.postMessage(message);
    return true;
  }

  private createPanel(): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(VIEW_TYPE, "Autograd Lens", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions());
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, "dist")],
      retainContextWhenHidden: false,
    };
  }

  private adopt(panel: vscode.WebviewPanel): void {
    for (const d of this.panelSubscriptions) d.dispose();
    this.panelSubscriptions = [];
    this.panel = panel;
    this.ready = false;
    const { retainContextWhenHidden: _, ...webviewOptions } = this.webviewOptions();
    panel.webview.options = webviewOptions;
    panel.webview.html = this.html(panel.webview);
    this.panelSubscriptions.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (this.ready && e.affectsConfiguration(`${SECTION}.${SETTINGS.layoutDirection}`)) this.postOptions();
      }),
      panel.onDidChangeViewState(() => {
        // Hidden, the page is unloaded (no retained context); shown again, it says `ready` anew.
        if (!panel.visible) {
          this.ready = false;
          return;
        }
        // Shown again after the text changed meanwhile: run it again (the page shows "stale" until then).
        const doc = this.shown && !this.shown.placeholder ? findDocument(this.shown.uri) : undefined;
        if (doc && doc.version !== this.shown!.version && autoRunAllowed()) void this.runs.schedule(doc);
      }),
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        for (const d of this.panelSubscriptions) d.dispose();
        this.panelSubscriptions = [];
        this.panel = undefined;
        this.ready = false;
        this.shown = undefined;
        this.highlighter.clear();
        void this.context.workspaceState.update(STATE_KEY, undefined);
      }),
    );
  }

  private html(webview: vscode.Webview): string {
    const dist = vscode.Uri.joinPath(this.context.extensionUri, "dist");
    try {
      return buildWebviewHtml({
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, WEBVIEW_SCRIPT)).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, WEBVIEW_STYLE)).toString(),
        cspSource: webview.cspSource,
        nonce: makeNonce(),
        title: "Autograd Lens",
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>Autograd Lens could not load the graph view: ${escapeHtml(message)}</p></body></html>`;
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    this.log?.trace(`graph view → host: ${msg ? msg.type : `(not understood) ${JSON.stringify(raw).slice(0, 200)}`}`);
    if (!msg) return;
    switch (msg.type) {
      case "ready":
        this.log?.debug("graph view ready");
        this.ready = true;
        this.postOptions();
        if (this.shown) this.postSnapshot(this.pendingView);
        this.pendingView = {};
        return;
      case "reveal":
        return this.reveal(msg.range);
      case "selected":
        return this.moveCursor(msg);
      case "positionChanged":
        this.highlightStep(msg.position, msg.range);
        return;
      case "save":
        return this.save(msg);
    }
  }

  private async reveal(range: SourceRange): Promise<void> {
    if (!this.shown || this.shown.placeholder) return;
    const uri = this.shown.uri;
    const doc = findDocument(uri) ?? (uri.scheme === "untitled" ? undefined : await vscode.workspace.openTextDocument(uri).then((d) => d, () => undefined));
    if (!doc) return;
    const existing = editorsOf(uri)[0];
    const viewColumn = existing?.viewColumn ?? (this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    const selection = toEditorRange(doc, range);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn, selection, preserveFocus: false });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private moveCursor(msg: Extract<WebviewToHost, { type: "selected" }>): void {
    this.lastSelectPosted = msg.id ?? undefined;
    if (!msg.range || !this.shown || this.shown.placeholder) return;
    for (const editor of editorsOf(this.shown.uri)) {
      const start = toEditorRange(editor.document, msg.range).start;
      // A programmatic selection change: the selection listener ignores it (no feedback loop).
      editor.selection = new vscode.Selection(start, start);
      editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  private highlightStep(position: StepPosition, range: SourceRange | undefined): void {
    if (!this.shown || this.shown.placeholder) return;
    // Step 0 (before backward, where the view opens) runs no node: nothing to highlight.
    const info = position.step > 0 ? stepInfo(this.shown.snapshot, position) : undefined;
    const where = position.step > 0 ? range ?? info?.range : undefined;
    if (!where) {
      this.highlighter.clear();
      return;
    }
    const line = where.line - 1;
    this.highlighter.show({ uri: this.shown.uri, line, label: info?.label ?? `${STEP_LABEL_PREFIX} ${position.step}` });
    for (const editor of editorsOf(this.shown.uri)) {
      if (line < editor.document.lineCount) {
        editor.revealRange(editor.document.lineAt(line).range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
  }

  private async save(msg: Extract<WebviewToHost, { type: "save" }>): Promise<void> {
    const answer = (ok: boolean, message?: string) =>
      this.post({ type: "saved", requestId: msg.requestId, ok, ...(message ? { message } : {}) });
    try {
      const name = exportFileName(msg.fileName, msg.format);
      const uri = this.shown?.uri;
      const folder =
        uri?.scheme === "file"
          ? vscode.Uri.joinPath(uri, "..")
          : (uri && vscode.workspace.getWorkspaceFolder(uri)?.uri) ?? vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
        filters: EXPORT_FILTERS[msg.format],
        saveLabel: "Export",
        title: `Export the graph as ${msg.format.toUpperCase()}`,
      });
      if (!target) {
        answer(false, "Cancelled");
        return;
      }
      const bytes = msg.encoding === "base64" ? Buffer.from(msg.data, "base64") : Buffer.from(msg.data, "utf8");
      await vscode.workspace.fs.writeFile(target, bytes);
      answer(true, `Saved ${path.posix.basename(target.path)}`);
    } catch (e) {
      answer(false, `Could not save: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    for (const d of this.panelSubscriptions) d.dispose();
    this.panel?.dispose();
    this.panel = undefined;
  }
}
