// CodeLens "Show graph" and "Step through backward" at the top of a file that imports
// "autograd-lens" (or a Python file that imports torch) and above each `.backward(` call (positions:
// text-scan.ts's findLensAnchors, text-scan-python.ts's findPythonLensAnchors).
import * as vscode from "vscode";
import { usesAutogradLens } from "./runs";
import { findLensAnchors } from "./text-scan";
import { findPythonLensAnchors } from "./text-scan-python";

export const SHOW_GRAPH_COMMAND = "autogradLens.showGraph";
export const STEP_BACKWARD_COMMAND = "autogradLens.stepBackward";

export class LensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!usesAutogradLens(doc)) return [];
    const anchors = doc.languageId === "python" ? findPythonLensAnchors(doc.getText()) : findLensAnchors(doc.getText());
    return anchors.flatMap((a) => {
      const range = new vscode.Range(a.line, a.character, a.line, a.character);
      // A lens on a backward call passes its line: stepping starts at that call.
      const args: unknown[] = a.kind === "file" ? [doc.uri] : [doc.uri, a.line];
      return [
        new vscode.CodeLens(range, {
          title: "Show graph",
          tooltip: "Run this file in Autograd Lens and show its computational graph",
          command: SHOW_GRAPH_COMMAND,
          arguments: args,
        }),
        new vscode.CodeLens(range, {
          title: "Step through backward",
          tooltip: a.kind === "file" ? "Run this file and step through its first backward pass" : "Run this file and step through this backward pass",
          command: STEP_BACKWARD_COMMAND,
          arguments: args,
        }),
      ];
    });
  }
}
