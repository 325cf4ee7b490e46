// Errors and torch warnings of each run as squiggles (problems.ts maps them), replaced by every new
// run of the document, so a good run clears them; removed when the document closes.
import * as vscode from "vscode";
import { snapshotProblems, type ProblemRange } from "./problems";
import type { RunManager, RunResult } from "./runs";

const SOURCE = "Autograd Lens";

const toRange = (r: ProblemRange) => new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("autogradLens");
  private readonly subscriptions: vscode.Disposable[];

  constructor(runs: RunManager) {
    this.subscriptions = [
      runs.onDidRun((r) => this.update(r)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    ];
  }

  private update(r: RunResult): void {
    const key = r.uri.toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!doc) {
      this.collection.delete(r.uri);
      return;
    }
    const lineText = (line: number) => (line >= 0 && line < doc.lineCount ? doc.lineAt(line).text : undefined);
    const diagnostics = snapshotProblems(r.snapshot, lineText).map((p) => {
      const d = new vscode.Diagnostic(toRange(p.range), p.message, p.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = SOURCE;
      d.code = p.code;
      if (p.related.length) d.relatedInformation = p.related.map((x) => new vscode.DiagnosticRelatedInformation(new vscode.Location(r.uri, toRange(x.range)), x.message));
      return d;
    });
    this.collection.set(r.uri, diagnostics);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
