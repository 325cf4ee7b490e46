// Autograd Lens in VS Code: activation and wiring. Everything registered here is a disposable of the
// extension context. Activation is cheap — no sandbox process starts before the first run, and for
// TypeScript/JavaScript files that do not import "autograd-lens" the providers return at once.
//
//   commands   autogradLens.showGraph / stepBackward / newSnippet, and autogradLens.showNode (the
//              hover's "Open in graph" link)
//   providers  CodeLens (codelens.ts), hover (hover.ts)
//   runs       runs.ts: runner, latest snapshot per document version, debounced re-runs, trust gate
//   panel      panel.ts (+ serializer), step highlight (highlight.ts), diagnostics, inline values
import * as vscode from "vscode";
import { LensProvider, SHOW_GRAPH_COMMAND, STEP_BACKWARD_COMMAND } from "./codelens";
import { DiagnosticsController } from "./diagnostics";
import { SHOW_NODE_COMMAND } from "./hover-format";
import { TensorHoverProvider } from "./hover";
import { StepHighlighter } from "./highlight";
import { InlineValuesController } from "./inline";
import { GraphPanel, VIEW_TYPE } from "./panel";
import { languageOf, parseGallery, untitledName, type GalleryEntry } from "./gallery";
import { autoRunAllowed, ensureTrusted, isRunnable, RUNNABLE_SCHEMES, RunManager, usesAutogradLens, type RunResult, type RunSelection } from "./runs";
import { interpreterFor } from "./python-interpreter";
import { runOnSave, SECTION } from "./settings";
import { firstStepPosition, selectionLines } from "./sync";

const NEW_SNIPPET_COMMAND = "autogradLens.newSnippet";
/** Context key for menus: the active editor is a runnable file that imports "autograd-lens". */
const CONTEXT_KEY = "autogradLens.canShowGraph";

const SELECTOR: vscode.DocumentSelector = ["typescript", "javascript", "python"].flatMap((language) =>
  RUNNABLE_SCHEMES.map((scheme) => ({ language, scheme })),
);

function sameSelection(a: RunSelection, b: RunSelection): boolean {
  return a === b || (!!a && !!b && a.startLine === b.startLine && a.endLine === b.endLine);
}

/** The log line activate() ends with (the end-to-end tests read it from the log file). */
export const ACTIVATED_PREFIX = "activated in";
/** The log line after Show Graph / Step Through Backward handed a run to the panel. */
export const SHOWN_PREFIX = "graph panel shows";

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const log = vscode.window.createOutputChannel("Autograd Lens", { log: true });
  const runs = new RunManager(vscode.Uri.joinPath(context.extensionUri, "dist"), log);
  const highlighter = new StepHighlighter();
  const panel = new GraphPanel(context, runs, highlighter, log);
  const inline = new InlineValuesController(runs);
  context.subscriptions.push(log, runs, highlighter, panel, inline, new DiagnosticsController(runs));

  /** The document a command is about: its argument (a URI, from a CodeLens or a menu), else the active editor, else the panel's. */
  async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
    const uri = arg instanceof vscode.Uri ? arg : typeof arg === "string" ? vscode.Uri.parse(arg) : undefined;
    if (uri) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return open ?? (await vscode.workspace.openTextDocument(uri).then((d) => d, () => undefined));
    }
    const active = vscode.window.activeTextEditor?.document;
    if (active && isRunnable(active)) return active;
    const shown = panel.documentUri;
    if (shown) return vscode.workspace.textDocuments.find((d) => d.uri.toString() === shown.toString());
    return vscode.window.visibleTextEditors.map((e) => e.document).find(isRunnable);
  }

  async function showGraph(mode: "graph" | "step", arg: unknown, lineArg: unknown): Promise<void> {
    const doc = await targetDocument(arg);
    if (!doc) {
      void vscode.window.showInformationMessage(
        'Autograd Lens: open a TypeScript or JavaScript file that imports { torch } from "autograd-lens", or a Python file that imports torch (Autograd Lens: New Snippet opens an example).',
      );
      return;
    }
    if (!isRunnable(doc)) {
      void vscode.window.showInformationMessage("Autograd Lens runs TypeScript, JavaScript and Python files.");
      return;
    }
    if (!(await ensureTrusted())) return;
    const line = typeof lineArg === "number" && Number.isInteger(lineArg) ? lineArg : undefined;
    // The palette, menus and keybindings run the selection when there is one; a CodeLens runs the file.
    const editor = vscode.window.activeTextEditor;
    const selection =
      line === undefined && editor?.document === doc
        ? selectionLines({
            startLine: editor.selection.start.line,
            startCharacter: editor.selection.start.character,
            endLine: editor.selection.end.line,
            endCharacter: editor.selection.end.character,
          })
        : undefined;
    // The latest run of this very text (and selection) is reused; anything else runs now.
    const latest = runs.latestFor(doc.uri);
    // A Python file's run is reused only if the interpreter is still the one that traced it.
    const sameInterpreter = async (r: RunResult) => r.snapshot.language !== "python" || runs.interpreterOf(r) === (await interpreterFor(doc.uri)).command;
    const reusable =
      latest && latest.version === doc.version && !latest.snapshot.error && sameSelection(latest.selection, selection) && (await sameInterpreter(latest))
        ? latest
        : undefined;
    const result =
      reusable ??
      (await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "Autograd Lens: running the snippet" }, () =>
        runs.run(doc, { selection, reason: "command" }),
      ));
    if (mode === "step") {
      const position = firstStepPosition(result.snapshot, line === undefined ? undefined : line + 1);
      if (!position && !result.snapshot.error) {
        void vscode.window.showInformationMessage("Autograd Lens: the snippet did not call backward(), so there is no backward pass to step through yet.");
      }
      panel.show(result, position ? { position } : {});
    } else {
      panel.show(result);
    }
    // The moment the snapshot went to the panel (end-to-end tests split command → paint here).
    log.info(`${SHOWN_PREFIX} ${vscode.workspace.asRelativePath(doc.uri)} v${result.version} (${reusable ? "its latest run" : "run now"})`);
  }

  async function showNode(uriArg: unknown, id: unknown): Promise<void> {
    if (typeof id !== "string") return;
    const doc = await targetDocument(uriArg);
    // Hover links carry this command with a URI: it runs only a TypeScript/JavaScript file, as the
    // other commands do (a crafted link must not run a document of another language).
    if (!doc || !isRunnable(doc)) return;
    let result = runs.latestFor(doc.uri);
    if (!result || result.version !== doc.version) {
      if (autoRunAllowed()) result = await runs.run(doc, { selection: runs.lastSelection(doc.uri), reason: "command" });
      else if (!result && !(await ensureTrusted())) return;
    }
    if (result) panel.select(result, id);
  }

  /** Reads a shipped example (dist/examples/, or examples/ in a development checkout). */
  async function readExample(file: string): Promise<string | undefined> {
    for (const base of [["dist", "examples"], ["examples"]]) {
      try {
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, ...base, file)));
      } catch {
        // try the next place (a development checkout has examples/ but maybe no dist/examples/)
      }
    }
    return undefined;
  }

  /** New Snippet: pick an example of the gallery; it opens in an untitled editor named after it. */
  async function newSnippet(): Promise<void> {
    let gallery: GalleryEntry[];
    try {
      gallery = parseGallery((await readExample("gallery.json")) ?? "");
    } catch (e) {
      void vscode.window.showErrorMessage(`Autograd Lens: the example gallery is missing or damaged (${(e as Error).message}).`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      gallery.map((e) => ({ label: e.title, description: e.file, detail: e.detail, entry: e })),
      { title: "Autograd Lens: New Snippet", placeHolder: "Open an example to run, change and explore", matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return;
    const content = await readExample(picked.entry.file);
    if (content === undefined) {
      void vscode.window.showErrorMessage(`Autograd Lens: the example ${picked.entry.file} is missing from the extension.`);
      return;
    }
    const taken = new Set(vscode.workspace.textDocuments.filter((d) => d.isUntitled).map((d) => d.uri.path));
    const uri = vscode.Uri.from({ scheme: "untitled", path: untitledName(picked.entry.file, taken) });
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), content));
    if (doc.languageId !== languageOf(picked.entry.file)) await vscode.languages.setTextDocumentLanguage(doc, languageOf(picked.entry.file));
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  }

  let contextValue: boolean | undefined;
  const updateContextKey = (editor: vscode.TextEditor | undefined) => {
    const value = !!editor && usesAutogradLens(editor.document);
    if (value === contextValue) return;
    contextValue = value;
    void vscode.commands.executeCommand("setContext", CONTEXT_KEY, value);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_GRAPH_COMMAND, (arg?: unknown, line?: unknown) => showGraph("graph", arg, line)),
    vscode.commands.registerCommand(STEP_BACKWARD_COMMAND, (arg?: unknown, line?: unknown) => showGraph("step", arg, line)),
    vscode.commands.registerCommand(NEW_SNIPPET_COMMAND, newSnippet),
    vscode.commands.registerCommand(SHOW_NODE_COMMAND, showNode),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: (webviewPanel, state: unknown) => panel.restore(webviewPanel, state),
    }),
    vscode.languages.registerCodeLensProvider(SELECTOR, new LensProvider()),
    vscode.languages.registerHoverProvider(SELECTOR, new TensorHoverProvider(runs)),

    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!autoRunAllowed() || !usesAutogradLens(doc)) return;
      if (!runOnSave((k) => vscode.workspace.getConfiguration(SECTION, doc.uri).get(k))) return;
      if (runs.isCurrent(doc)) return; // this very text ran already (while typing, or auto save)
      void runs.run(doc, { selection: runs.lastSelection(doc.uri), reason: "auto" });
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0 || !isRunnable(e.document)) return;
      const doc = e.document;
      panel.markStale(doc);
      inline.clear(doc);
      if (vscode.window.activeTextEditor?.document === doc) updateContextKey(vscode.window.activeTextEditor);
      if (!autoRunAllowed() || !runs.latestFor(doc.uri)) return;
      const shownInPanel = panel.isVisible && panel.documentUri?.toString() === doc.uri.toString();
      const showsInline = inline.isEnabled && vscode.window.visibleTextEditors.some((ed) => ed.document === doc);
      if (shownInPanel || showsInline) void runs.schedule(doc);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => runs.forget(doc.uri)),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      // Only the user's moves (mouse, keyboard); the panel's own cursor moves have no kind.
      if (e.kind !== vscode.TextEditorSelectionChangeKind.Mouse && e.kind !== vscode.TextEditorSelectionChangeKind.Keyboard) return;
      panel.selectFromEditor(e.textEditor);
    }),
    vscode.window.onDidChangeActiveTextEditor(updateContextKey),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void panel.onTrustGranted()),
  );
  updateContextKey(vscode.window.activeTextEditor);
  // Wall time, and the CPU time it took (on a busy machine the wall time is mostly waiting for a core).
  const cpu = process.cpuUsage(cpuBefore);
  log.info(`${ACTIVATED_PREFIX} ${(performance.now() - started).toFixed(1)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appHost})`);
}

export function deactivate(): void {
  // Everything is a disposable of the extension context.
}
