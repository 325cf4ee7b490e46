// The messages between the parent (sandbox.ts) and the sandbox child (child.ts), and the texts the
// user reads when a run is stopped (timeout, memory). Pure: no Node, no vscode.
import type { GraphSnapshot, RunLimits, SourceRange } from "../shared/protocol";

export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/** Parent → child: run this (selection already applied, limits complete). */
export interface RunMessage {
  type: "run";
  source: string;
  language: "typescript" | "javascript";
  fileName: string;
  limits: RunLimits;
}

/** Where the snippet is, for the parent's message if it has to kill the child. */
export interface ProgressInfo {
  /** "op": the last op the recorder saw (sent with each checkpoint). */
  what: "loop" | "interval" | "timeout" | "code" | "op";
  range?: SourceRange;
  /** Reported a while ago: the snippet may have moved on since (parent side only). */
  stale?: boolean;
}

export type ChildMessage =
  | { type: "ready"; bootMs: number }
  | ({ type: "progress" } & ProgressInfo)
  /** The snippet is over; the child is building the snapshot (the parent extends its deadline once). */
  | { type: "finishing" }
  | { type: "result"; snapshot: GraphSnapshot }
  /** Everything recorded so far, while the run goes on (runner/checkpoints.ts); the parent keeps the last. */
  | { type: "partial"; snapshot: GraphSnapshot };

// ---- user-facing texts -------------------------------------------------------------------------------

export const TIMEOUT_SETTING = "autogradLens.runTimeout";
export const MEMORY_SETTING = "autogradLens.memoryLimit";

/** 5000 → "5 s", 1500 → "1.5 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 1000 ? 3 : 2))} s`;
}

export function formatMb(mb: number): string {
  return Math.ceil(mb).toLocaleString("en-US");
}

function describeWhere(p: ProgressInfo | undefined): string {
  const at = p?.range ? ` at line ${p.range.line}` : "";
  if (p?.what === "op" && p.range) return `running (the last op it recorded was at line ${p.range.line}).`;
  if (p?.stale && p.range) {
    const what = p.what === "loop" ? "the loop" : p.what === "interval" ? "the setInterval timer started" : p.what === "timeout" ? "the setTimeout" : "the code";
    return `running (last seen in ${what}${at}).`;
  }
  switch (p?.what) {
    case "loop":
      return `running the loop${at}. Infinite loop?`;
    case "interval":
      return `running the setInterval timer started${at}. A timer that never stops? Call clearInterval when done.`;
    case "timeout":
      return `waiting for the setTimeout${at}.`;
    case "code":
      return at ? `running the code${at}.` : "running.";
    default:
      return "running.";
  }
}

export function timeoutMessage(timeoutMs: number, where: ProgressInfo | undefined, killed = false): string {
  const tail = killed ? " It did not respond and was stopped." : "";
  return `Timed out after ${formatSeconds(timeoutMs)}: the snippet was still ${describeWhere(where)}${tail} (The limit is the ${TIMEOUT_SETTING} setting.)`;
}

export function heapMessage(usedMb: number, limitMb: number, where: ProgressInfo | undefined): string {
  const at = where?.range ? ` while running the ${where.what === "loop" ? "loop" : "code"} at line ${where.range.line}` : "";
  return `Out of memory: the snippet used ${formatMb(usedMb)} MB, more than the memory limit of ${formatMb(limitMb)} MB${at ? `,${at}` : ""}. (The limit is the ${MEMORY_SETTING} setting.)`;
}

export function crashMessage(limitMb: number, where: ProgressInfo | undefined): string {
  if (where?.what === "op" && where.range) {
    return `Out of memory: the snippet ran out of memory (the last op it recorded was at line ${where.range.line}; the memory limit is ${formatMb(limitMb)} MB) and its process was stopped. (The limit is the ${MEMORY_SETTING} setting.)`;
  }
  const place = where?.what === "loop" ? "the loop" : "the code";
  const at = where?.range ? ` ${where.stale ? "(last seen in" : "while running"} ${place} at line ${where.range.line}${where.stale ? ")" : ""}` : "";
  return `Out of memory: the snippet ran out of memory${at} (the memory limit is ${formatMb(limitMb)} MB) and its process was stopped. (The limit is the ${MEMORY_SETTING} setting.)`;
}

/** The process died another way (a V8 fatal error, a signal from outside): what happened and where. */
export function diedMessage(how: string, where: ProgressInfo | undefined): string {
  const at = !where?.range
    ? ""
    : where.what === "op"
      ? ` The last op it recorded was at line ${where.range.line}.`
      : ` It was last seen ${where.what === "loop" ? "in the loop" : "running the code"} at line ${where.range.line}.`;
  return `The snippet's process stopped unexpectedly (${how}).${at}`;
}

/** Appended to a failure's message when the graph shown is the last checkpoint the child sent. */
export function checkpointNote(durationMs: number): string {
  return ` The graph shows what the snippet had recorded ${formatSeconds(durationMs)} into the run.`;
}
