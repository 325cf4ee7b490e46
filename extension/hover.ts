// Hover-to-inspect: a name bound to a tensor shows its shape, value, grad and grad_fn; a call such
// as `.square()` shows the grad_fn it created (hover-format.ts finds and formats them). The hover
// uses the document's latest run; when the text changed since, it starts a debounced re-run and
// waits a little for it, else shows the earlier values and says so. In a restricted window it
// never runs anything.
import * as vscode from "vscode";
import { hoverMarkdown, findHoverTarget, SHOW_NODE_COMMAND } from "./hover-format";
import { autoRunAllowed, isUsable, usesAutogradLens, type RunManager, type RunResult } from "./runs";

/** How long a hover over changed text waits for the fresh run before showing the earlier values. */
const STALE_WAIT_MS = 1500;
/** With no run at all yet, the hover waits for the first one this long at most. */
const FIRST_RUN_WAIT_MS = 10_000;

const IDENTIFIER = /[A-Za-z_$][\w$]*/;

function wait<T>(promise: Promise<T>, ms: number, token: vscode.CancellationToken): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), ms);
    const sub = token.onCancellationRequested(() => done(undefined));
    function done(v: T | undefined) {
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    }
    void promise.then(done, () => done(undefined));
  });
}

export class TensorHoverProvider implements vscode.HoverProvider {
  constructor(private readonly runs: RunManager) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (!usesAutogradLens(doc)) return undefined;
    const wordRange = doc.getWordRangeAtPosition(position, IDENTIFIER);
    if (!wordRange) return undefined;
    const word = doc.getText(wordRange);

    let result: RunResult | undefined = this.runs.latestUsable(doc.uri);
    let stale = !result || result.version !== doc.version;
    let rerunning = false;
    let unparsable = false;
    if (stale && autoRunAllowed()) {
      const fresh = await wait(this.runs.schedule(doc), result ? STALE_WAIT_MS : FIRST_RUN_WAIT_MS, token);
      if (token.isCancellationRequested) return undefined;
      if (fresh) result = this.runs.latestUsable(doc.uri) ?? result;
      stale = !result || result.version !== doc.version;
      rerunning = stale && !fresh;
      unparsable = stale && !!fresh && !isUsable(fresh);
    }
    if (!result) return undefined;

    const linePrefix = doc.lineAt(wordRange.start.line).text.slice(0, wordRange.start.character);
    const objectName = /([A-Za-z_$][\w$]*)\s*[?!]?\.\s*$/.exec(linePrefix)?.[1];
    const target = findHoverTarget(result.snapshot, {
      line: wordRange.start.line + 1,
      column: wordRange.start.character + 1,
      word,
      ...(objectName ? { objectName } : {}),
    });
    if (!target) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(result.snapshot, target, { documentUri: doc.uri.toString(), stale, rerunning, unparsable }));
    md.isTrusted = { enabledCommands: [SHOW_NODE_COMMAND] };
    md.supportHtml = false;
    return new vscode.Hover(md, wordRange);
  }
}
