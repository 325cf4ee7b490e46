// The editor side of stepping through backward: the line of the node being run gets a whole-line
// background (theme color autogradLens.backwardStepBackground) and, at its end, a label such as
// "◀ backward step 3/8 · MulBackward1 (x5)"; the status bar repeats the label with the line number
// ("Autograd Lens: ◀ backward step 3/8 · MulBackward1 (x5) · line 10"), which is plain text in the
// window's DOM for end-to-end tests (the label at the line end is a CSS ::after of the line's
// decoration span).
import * as vscode from "vscode";

export interface StepHighlight {
  uri: vscode.Uri;
  /** 0-based line. */
  line: number;
  label: string;
}

export class StepHighlighter implements vscode.Disposable {
  private readonly lineType = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("autogradLens.backwardStepBackground"),
    overviewRulerColor: new vscode.ThemeColor("autogradLens.backwardStepBackground"),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  private readonly labelType = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor("autogradLens.backwardStepForeground"),
      margin: "0 0 0 2em",
      fontStyle: "italic",
    },
  });
  private readonly status = vscode.window.createStatusBarItem("autogradLens.backwardStep", vscode.StatusBarAlignment.Left, 100);
  private current: StepHighlight | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.status.name = "Autograd Lens: backward step";
    this.subscriptions.push(vscode.window.onDidChangeVisibleTextEditors(() => this.apply()));
  }

  get highlighted(): StepHighlight | undefined {
    return this.current;
  }

  /** Highlight one line (and only that one) in every visible editor of the document. */
  show(h: StepHighlight): void {
    this.current = h;
    this.apply();
    this.status.text = `$(debug-step-back) Autograd Lens: ${h.label} · line ${h.line + 1}`;
    this.status.tooltip = "The node the backward pass is running, in the graph panel's step-through";
    this.status.show();
  }

  clear(uri?: vscode.Uri): void {
    if (uri && this.current && this.current.uri.toString() !== uri.toString()) return;
    this.current = undefined;
    this.apply();
    this.status.hide();
  }

  private apply(): void {
    const h = this.current;
    for (const editor of vscode.window.visibleTextEditors) {
      if (!h || editor.document.uri.toString() !== h.uri.toString() || h.line >= editor.document.lineCount) {
        editor.setDecorations(this.lineType, []);
        editor.setDecorations(this.labelType, []);
        continue;
      }
      const line = editor.document.lineAt(h.line);
      editor.setDecorations(this.lineType, [line.range]);
      editor.setDecorations(this.labelType, [
        { range: new vscode.Range(line.range.end, line.range.end), renderOptions: { after: { contentText: h.label } } },
      ]);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.lineType.dispose();
    this.labelType.dispose();
    this.status.dispose();
  }
}
