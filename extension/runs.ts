// Running documents: one SnippetRunner for the window (created on the first run, so no sandbox
// process starts before the user asks for one), the latest snapshot of each document with the
// document version it was made from, debounced re-runs, and the Workspace Trust gate. Python files
// run through the Python tracer (runner/python-runner.ts) with the interpreter python-interpreter.ts
// picks, one process per run; TypeScript/JavaScript through the SnippetRunner.
import * as vscode from "vscode";
import { interpreterProblem, runPython } from "../runner/python-runner";
import { SnippetRunner } from "../runner/sandbox";
import type { GraphSnapshot } from "../shared/protocol";
import { interpreterFor, reportInterpreterProblem } from "./python-interpreter";
import { DEFAULTS, limitsFromSettings, SECTION } from "./settings";
import { runLanguage } from "./sync";
import { importsAutogradLens } from "./text-scan";
import { importsTorch } from "./text-scan-python";

/** What ran: a whole file, or the 1-based inclusive line range of a selection. */
export type RunSelection = { startLine: number; endLine: number } | undefined;

/** "command": asked for by the user (the caller shows the result); "auto": on save, on typing, on hover. */
export type RunReason = "command" | "auto";

export interface RunResult {
  uri: vscode.Uri;
  /** The document version the text was taken from. */
  version: number;
  snapshot: GraphSnapshot;
  selection: RunSelection;
  reason: RunReason;
  /** Increases with every run started; a result with a lower seq never replaces a newer one. */
  seq: number;
}

/** Debounce for re-runs after typing or hovering a changed document. */
export const RERUN_DELAY_MS = 400;

/** Schemes whose documents can be run (not diff views of git history and the like). */
export const RUNNABLE_SCHEMES = ["file", "untitled", "vscode-remote"];

/** The document is TypeScript/JavaScript/Python, in a runnable scheme. */
export function isRunnable(doc: vscode.TextDocument): boolean {
  return RUNNABLE_SCHEMES.includes(doc.uri.scheme) && runLanguage(doc.languageId) !== undefined;
}

/** A run that traced something, or failed for a reason other than unparsable text. */
export function isUsable(r: RunResult | undefined): r is RunResult {
  return !!r && (r.snapshot.error?.kind !== "syntax" || r.snapshot.tensors.length > 0);
}

const importCache = new WeakMap<vscode.TextDocument, { version: number; value: boolean }>();

/**
 * The document imports "autograd-lens" (TypeScript/JavaScript) or torch (Python): the extension's
 * features are on for it. Cached per document version: providers ask often.
 */
export function usesAutogradLens(doc: vscode.TextDocument): boolean {
  const cached = importCache.get(doc);
  if (cached?.version === doc.version) return cached.value;
  const value = isRunnable(doc) && (doc.languageId === "python" ? importsTorch(doc.getText()) : importsAutogradLens(doc.getText()));
  importCache.set(doc, { version: doc.version, value });
  return value;
}

/** Automatic runs (on save, typing, hover, restoring the panel) only happen in a trusted window. */
export function autoRunAllowed(): boolean {
  return vscode.workspace.isTrusted;
}

const TRUST_ACTION = "Manage Workspace Trust";

/**
 * For commands: true in a trusted window; otherwise explain why nothing runs and offer to trust
 * the folder.
 */
export async function ensureTrusted(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(
    "Autograd Lens runs the snippet's code, so it only runs in a trusted folder. This window is in Restricted Mode: trust the folder first, then run the command again.",
    TRUST_ACTION,
  );
  if (choice === TRUST_ACTION) await vscode.commands.executeCommand("workbench.trust.manage");
  return false;
}

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  promise: Promise<RunResult | undefined>;
  resolve: (r: RunResult | undefined) => void;
}

export class RunManager implements vscode.Disposable {
  private runner: SnippetRunner | undefined;
  private readonly latest = new Map<string, RunResult>();
  private readonly usable = new Map<string, RunResult>();
  private readonly selections = new Map<string, RunSelection>();
  private readonly inflight = new Map<string, { key: string; promise: Promise<RunResult> }>();
  private readonly pending = new Map<string, Pending>();
  private readonly emitter = new vscode.EventEmitter<RunResult>();
  /** Every finished run that became a document's latest. */
  readonly onDidRun = this.emitter.event;
  private readonly runningEmitter = new vscode.EventEmitter<RunningChange>();
  /** A document's run started (with its time limit) or its last run in flight ended. */
  readonly onDidChangeRunning = this.runningEmitter.event;
  private seq = 0;
  private disposed = false;

  constructor(
    private readonly distDir: vscode.Uri,
    private readonly log?: vscode.LogOutputChannel,
  ) {}

  /** The latest run of a document (of any version). */
  latestFor(uri: vscode.Uri): RunResult | undefined {
    return this.latest.get(uri.toString());
  }

  /**
   * The latest run that traced something: while the user types, a run of half-written text stops at
   * a syntax error with an empty graph; hovers and the panel keep showing the run before it (as
   * values from an earlier version) rather than nothing.
   */
  latestUsable(uri: vscode.Uri): RunResult | undefined {
    const key = uri.toString();
    return isUsable(this.latest.get(key)) ? this.latest.get(key) : this.usable.get(key);
  }

  /** The latest run was made from the document's current text. */
  isCurrent(doc: vscode.TextDocument): boolean {
    return this.latest.get(doc.uri.toString())?.version === doc.version;
  }

  /** What the last run of the document ran (a re-run runs the same). */
  lastSelection(uri: vscode.Uri): RunSelection {
    return this.selections.get(uri.toString());
  }

  /** Run the document's current text (unsaved edits included) now. Never rejects. */
  run(doc: vscode.TextDocument, options: { selection?: RunSelection; reason: RunReason }): Promise<RunResult> {
    const uri = doc.uri.toString();
    const selection = options.selection;
    this.cancelScheduled(uri);
    const key = `${doc.version}|${selection ? `${selection.startLine}-${selection.endLine}` : "all"}`;
    const running = this.inflight.get(uri);
    if (running?.key === key) return running.promise;
    this.selections.set(uri, selection);
    const seq = ++this.seq;
    const version = doc.version;
    const language = runLanguage(doc.languageId) ?? "typescript";
    const limits = limitsFromSettings((k) => vscode.workspace.getConfiguration(SECTION, doc.uri).get(k));
    const fileName = doc.uri.scheme === "file" ? doc.uri.fsPath : doc.fileName;
    const t0 = Date.now();
    const what = `${vscode.workspace.asRelativePath(doc.uri)} v${version}${selection ? ` lines ${selection.startLine}-${selection.endLine}` : ""} (${options.reason})`;
    this.log?.info(`run ${what}`);
    const request = { source: doc.getText(), fileName, limits, ...(selection ? { selection } : {}) };
    const traced: Promise<GraphSnapshot> =
      language === "python" ? this.runPythonFile(doc, request, options.reason) : this.getRunner().run({ ...request, language });
    const promise = traced
      .then((snapshot): RunResult => {
        const result: RunResult = { uri: doc.uri, version, snapshot, selection, reason: options.reason, seq };
        const summary = `${snapshot.tensors.length} tensors, ${snapshot.nodes.length} nodes, ${snapshot.backward.length} backward calls`;
        const error = snapshot.error ? `; ${snapshot.error.kind} error${snapshot.error.range ? ` at line ${snapshot.error.range.line}` : ""}: ${snapshot.error.message.split("\n")[0]}` : "";
        this.log?.info(`ran ${what} in ${Date.now() - t0} ms (traced in ${Math.round(snapshot.durationMs)} ms): ${summary}${error}`);
        const prev = this.latest.get(uri);
        if (!this.disposed && (!prev || prev.seq < seq)) {
          this.latest.set(uri, result);
          if (isUsable(result)) this.usable.set(uri, result);
          this.emitter.fire(result);
        }
        return result;
      })
      .finally(() => {
        if (this.inflight.get(uri)?.key === key) this.inflight.delete(uri);
        if (!this.inflight.has(uri) && !this.disposed) this.runningEmitter.fire({ uri: doc.uri, running: false, timeoutMs: limits.timeoutMs ?? DEFAULTS.runTimeout });
      });
    this.inflight.set(uri, { key, promise });
    this.runningEmitter.fire({ uri: doc.uri, running: true, timeoutMs: limits.timeoutMs ?? DEFAULTS.runTimeout });
    return promise;
  }

  /**
   * Run the document again after RERUN_DELAY_MS of quiet (each call restarts the wait), with the
   * selection of its last run. Resolves with the run, or undefined when it was cancelled. Does not
   * check trust: callers do.
   */
  schedule(doc: vscode.TextDocument, delayMs = RERUN_DELAY_MS): Promise<RunResult | undefined> {
    const uri = doc.uri.toString();
    const existing = this.pending.get(uri);
    if (existing) clearTimeout(existing.timer);
    let resolve!: (r: RunResult | undefined) => void;
    const promise = existing?.promise ?? new Promise<RunResult | undefined>((r) => (resolve = r));
    const settle = existing?.resolve ?? resolve;
    const timer = setTimeout(() => {
      this.pending.delete(uri);
      if (doc.isClosed || this.disposed) return settle(undefined);
      // Nothing changed since the latest run (another trigger ran it meanwhile): that run is the answer.
      const latest = this.latest.get(uri);
      if (latest && latest.version === doc.version && !this.inflight.has(uri)) return settle(latest);
      void this.run(doc, { selection: this.lastSelection(doc.uri), reason: "auto" }).then(settle);
    }, delayMs);
    this.pending.set(uri, { timer, promise, resolve: settle });
    return promise;
  }

  private cancelScheduled(uri: string): void {
    const p = this.pending.get(uri);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(uri);
    p.resolve(undefined);
  }

  /** Forget a closed document. */
  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cancelScheduled(key);
    this.latest.delete(key);
    this.usable.delete(key);
    this.selections.delete(key);
  }

  /** Pids of the sandbox processes (for tests and diagnostics); none before the first run. */
  get childPids(): number[] {
    return this.runner?.childPids ?? [];
  }

  /** A Python file: its interpreter now (the user may have switched), then the tracer. */
  private async runPythonFile(doc: vscode.TextDocument, request: Omit<Parameters<typeof runPython>[0], "python">, reason: RunReason): Promise<GraphSnapshot> {
    const interpreter = await interpreterFor(doc.uri);
    this.log?.info(`python: ${interpreter.command} (${interpreter.source})`);
    const snapshot = await runPython({ ...request, python: interpreter.command }, { tracerDir: vscode.Uri.joinPath(this.distDir, "python").fsPath });
    const problem = interpreterProblem(snapshot);
    if (problem && snapshot.error && !this.disposed) void reportInterpreterProblem(problem, snapshot.error.message, interpreter, reason === "command");
    return snapshot;
  }

  private getRunner(): SnippetRunner {
    this.runner ??= new SnippetRunner({ distDir: this.distDir.fsPath });
    return this.runner;
  }

  dispose(): void {
    this.disposed = true;
    for (const key of [...this.pending.keys()]) this.cancelScheduled(key);
    this.runner?.dispose();
    this.runner = undefined;
    this.emitter.dispose();
    this.runningEmitter.dispose();
  }
}

export interface RunningChange {
  uri: vscode.Uri;
  running: boolean;
  timeoutMs: number;
}
