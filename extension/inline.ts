// Inline values at line ends ("x3 = 4 · grad 0.2"), setting autogradLens.inlineValues (on by
// default). Shown for documents whose latest run matches their text; cleared while typing. Kept
// readable: a label is at most INLINE_MAX_CHARS long, and a line already longer than
// INLINE_MAX_LINE gets none.
import * as vscode from "vscode";
import type { RunManager } from "./runs";
import { inlineValuesEnabled, SECTION, SETTINGS } from "./settings";
import { INLINE_MAX_LINE, inlineValueLabels } from "./sync";

export class InlineValuesController implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor("editorCodeLens.foreground"), margin: "0 0 0 3em", fontStyle: "italic" },
  });
  private readonly subscriptions: vscode.Disposable[];
  private enabled: boolean;

  constructor(private readonly runs: RunManager) {
    this.enabled = this.readSetting();
    this.subscriptions = [
      runs.onDidRun(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(`${SECTION}.${SETTINGS.inlineValues}`)) return;
        this.enabled = this.readSetting();
        this.refresh();
      }),
    ];
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  private readSetting(): boolean {
    return inlineValuesEnabled((k) => vscode.workspace.getConfiguration(SECTION).get(k));
  }

  /** The document changed: its values no longer match its lines. */
  clear(doc: vscode.TextDocument): void {
    for (const e of vscode.window.visibleTextEditors) if (e.document === doc) e.setDecorations(this.type, []);
  }

  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const doc = editor.document;
      const run = this.enabled && this.runs.isCurrent(doc) ? this.runs.latestFor(doc.uri) : undefined;
      if (!run) {
        editor.setDecorations(this.type, []);
        continue;
      }
      const options: vscode.DecorationOptions[] = [];
      for (const [line, text] of inlineValueLabels(run.snapshot)) {
        if (line >= doc.lineCount) continue;
        const textLine = doc.lineAt(line);
        if (textLine.text.length > INLINE_MAX_LINE) continue;
        const end = textLine.range.end;
        options.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
      }
      editor.setDecorations(this.type, options);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.type.dispose();
  }
}
