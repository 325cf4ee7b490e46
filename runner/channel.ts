// The channel between the sandbox child and the parent (pure Node, no vscode). The child writes one
// JSON message per line to its fd 3; the parent reads that pipe itself (no Node IPC: the child has no
// `process.send`, and Node's IPC would buffer a message of any size before we could look at it).
// The parent counts bytes as they arrive, and what they will cost in memory once parsed
// (runner/message-cost.ts: many small entries cost several times their JSON): a line longer than the
// cap or costlier than the budget, or more bytes in all than the total, ends the run before that line
// is parsed. A line is parsed as it arrives (runner/json-stream.ts:
// natively when small, member by member when large), so the parent never holds a large message's
// bytes, its text and its objects at once. Every parsed message is validated; a message that is not
// one the child sends is an error of the run, never an exception in the parent.
//
// Checkpoints ("partial" messages, runner/checkpoints.ts: the graph so far, in case the child dies)
// are told apart by their first bytes and kept as bytes, the last one only, never parsed unless the
// child dies without a result; each is at most PARTIAL_MAX_BYTES, and a result line, as soon as it
// begins, drops the one kept. So while receiving a result the parent holds the objects parsed so far
// and a bounded window of bytes (bench/parent-memory.mjs measures it).
import { validateSnapshot, ValidationError } from "../shared/validate";
import { precheckEntry } from "../shared/validate-items";
import type { GraphSnapshot } from "../shared/protocol";
import { JsonStream, JsonStreamError } from "./json-stream";
import { CostCounter, mb } from "./message-cost";
import type { ChildMessage } from "./messages";

/** The largest message (one line, in bytes) the parent accepts: the snapshot's budget. */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 20;
/** All messages of one child together (progress reports besides the snapshot), checkpoints aside. */
export const MAX_TOTAL_BYTES = MAX_MESSAGE_BYTES + 16 * 2 ** 20;
/** The largest checkpoint (one line, in bytes). */
export const PARTIAL_MAX_BYTES = MAX_MESSAGE_BYTES / 4;
/**
 * What one message may cost the parent in memory (runner/message-cost.ts), an estimate made from its
 * bytes before they are parsed. With what V8 allocates and has not collected yet while parsing, the
 * parent's peak stays under twice MAX_MESSAGE_BYTES (bench/parent-memory.mjs, row (x)); a 20,000-op
 * trace at the default caps costs about 64 MB.
 */
export const MAX_MESSAGE_COST = 84 * 2 ** 20;
/** The same for a checkpoint. */
export const PARTIAL_MAX_COST = MAX_MESSAGE_COST / 4;

/** A message's caps: its bytes, and its cost in memory. */
export interface Budget {
  bytes: number;
  cost: number;
}
export const RESULT_BUDGET: Budget = Object.freeze({ bytes: MAX_MESSAGE_BYTES, cost: MAX_MESSAGE_COST });
export const PARTIAL_BUDGET: Budget = Object.freeze({ bytes: PARTIAL_MAX_BYTES, cost: PARTIAL_MAX_COST });

export type ChannelEvent = { message: ChildMessage } | { invalid: string };

/** The first bytes of each kind of line (JSON.stringify writes `type` first: the child does). */
const PARTIAL_HEAD = Buffer.from('{"type":"partial"');
const RESULT_HEAD = Buffer.from('{"type":"result"');
const HEAD_BYTES = Math.max(PARTIAL_HEAD.length, RESULT_HEAD.length);
type LineKind = "partial" | "result" | "other";

/**
 * Check one parsed message from the child; the snapshot is rebuilt by the validator. `owned`: `m` was
 * parsed for this call and is used by nothing else, so its lists are let go as they are checked.
 */
export function validateChildMessage(m: unknown, owned = false): ChildMessage {
  if (m === null || typeof m !== "object" || Array.isArray(m)) throw new ValidationError("message", "must be an object");
  const o = m as Record<string, unknown>;
  switch (o["type"]) {
    case "ready": {
      const ms = o["bootMs"];
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new ValidationError("ready.bootMs", "must be a non-negative number");
      return { type: "ready", bootMs: ms };
    }
    case "finishing":
      return { type: "finishing" };
    case "progress": {
      const what = o["what"];
      if (what !== "loop" && what !== "interval" && what !== "timeout" && what !== "code" && what !== "op") throw new ValidationError("progress.what", "is not a known place");
      const r = o["range"];
      if (r === undefined) return { type: "progress", what };
      const ro = r as Record<string, unknown> | null;
      const line = ro?.["line"];
      const column = ro?.["column"];
      if (typeof line !== "number" || typeof column !== "number" || !Number.isInteger(line) || !Number.isInteger(column) || line < 0 || column < 0) {
        throw new ValidationError("progress.range", "must have whole line and column numbers");
      }
      return { type: "progress", what, range: { line, column } };
    }
    case "result":
    case "partial":
      return { type: o["type"], snapshot: validateSnapshot(o["snapshot"], { consume: owned }) };
    default:
      throw new ValidationError("message.type", `${JSON.stringify(String(o["type"]).slice(0, 40))} is not a message the sandbox sends`);
  }
}

/**
 * Splits the child's byte stream into messages, enforcing the caps on the bytes themselves. After the
 * first invalid message (or cap) it reports `invalid` once and ignores the rest. Checkpoints are not
 * parsed: the last one is kept as bytes (`partial`). Every other line is parsed as it arrives
 * (runner/json-stream.ts): a large one is never held as bytes and text and objects at once.
 */
export class MessageReader {
  /** The first bytes of the line being received, until its kind is known; then a checkpoint's bytes. */
  private chunks: Buffer[] = [];
  private pending = 0;
  /** What the line being received will cost once parsed. */
  private counter = new CostCounter();
  /** Bytes of complete lines other than checkpoints. */
  private total = 0;
  private broken = false;
  /** The kind of the line being received, once its first bytes are in. */
  private kind: LineKind | null = null;
  /** The parser of the line being received (not a checkpoint), once its kind is known. */
  private stream: JsonStream | null = null;
  /** The last complete checkpoint line, and when it came. */
  partial: Buffer | undefined;
  partialAt = 0;

  constructor(
    private readonly emit: (e: ChannelEvent) => void,
    private readonly maxMessage = MAX_MESSAGE_BYTES,
    private readonly maxTotal = MAX_TOTAL_BYTES,
    private readonly maxPartial = Math.min(PARTIAL_MAX_BYTES, maxMessage),
    private readonly maxCost = maxMessage === MAX_MESSAGE_BYTES ? MAX_MESSAGE_COST : maxMessage * (MAX_MESSAGE_COST / MAX_MESSAGE_BYTES),
    private readonly maxPartialCost = Math.min(PARTIAL_MAX_COST, maxCost),
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.broken) {
      const nl = chunk.indexOf(10, start);
      const part = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      if (part.length > 0 && !this.accept(part)) return;
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  /** Take a piece of the current line, within its caps (checked before any of it is parsed). */
  private accept(part: Buffer): boolean {
    this.pending += part.length;
    this.counter.push(part);
    if (this.kind === null) {
      this.chunks.push(part);
      if (this.pending < HEAD_BYTES) return this.withinCaps();
      this.classify();
      return this.withinCaps() && this.begin();
    }
    if (!this.withinCaps()) return false;
    if (this.kind === "partial") {
      this.chunks.push(part);
      return true;
    }
    return this.feed(part);
  }

  private withinCaps(): boolean {
    const size = this.pending;
    const cap = this.kind === "partial" ? this.maxPartial : this.maxMessage;
    const what = this.kind === "partial" ? "checkpoint" : "message";
    if (size > cap) {
      this.fail(`a ${what} was larger than ${mb(cap)}`);
      return false;
    }
    const costCap = this.kind === "partial" ? this.maxPartialCost : this.maxCost;
    if (this.counter.cost > costCap) {
      const c = this.counter;
      this.fail(`a ${what} would take more than ${mb(costCap)} of the parent's memory (${c.entries.toLocaleString("en-US")} objects, arrays and strings in its first ${mb(size)})`);
      return false;
    }
    if (this.kind !== "partial" && this.total + size > this.maxTotal) {
      this.fail(`it sent more than ${mb(this.maxTotal)}`);
      return false;
    }
    return true;
  }

  /** The line's kind, from its first bytes. */
  private classify(): void {
    const head = Buffer.concat(this.chunks, Math.min(this.pending, 64)).subarray(0, HEAD_BYTES);
    const starts = (prefix: Buffer) => head.length >= prefix.length && head.subarray(0, prefix.length).equals(prefix);
    const kind: LineKind = starts(PARTIAL_HEAD) ? "partial" : starts(RESULT_HEAD) ? "result" : "other";
    // The result is coming: the checkpoint is not needed any more (and must not count twice).
    if (kind === "result") this.partial = undefined;
    this.kind = kind;
  }

  /** The kind is known: keep a checkpoint as bytes, start parsing anything else. */
  private begin(): boolean {
    if (this.kind === "partial") return true;
    const first = this.chunks;
    this.chunks = [];
    // A result's entries (nodes, tensors, ...) are checked as they arrive: the parsed entry goes at once.
    this.stream = new JsonStream(undefined, undefined, this.kind === "result" ? precheckEntry : undefined);
    for (const c of first) if (!this.feed(c)) return false;
    return true;
  }

  private feed(part: Buffer): boolean {
    try {
      this.stream!.push(part);
      return true;
    } catch (e) {
      this.fail(e instanceof ValidationError ? e.message : notJson(e));
      return false;
    }
  }

  private endLine(): void {
    if (this.kind === null && this.pending > 0) {
      this.classify();
      if (!this.begin()) return;
    }
    const kind = this.kind;
    const size = this.pending;
    const stream = this.stream;
    const chunks = this.chunks;
    this.chunks = [];
    this.pending = 0;
    this.counter = new CostCounter();
    this.kind = null;
    this.stream = null;
    if (kind === "partial") {
      this.partial = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.partialAt = Date.now();
      return;
    }
    if (!stream) return; // an empty line
    this.total += size;
    let parsed: unknown;
    try {
      parsed = stream.end();
    } catch (e) {
      return this.fail(e instanceof ValidationError ? e.message : notJson(e));
    }
    let message: ChildMessage;
    try {
      message = validateChildMessage(parsed, true);
    } catch (e) {
      return this.fail(e instanceof Error ? e.message : String(e));
    }
    this.emit({ message });
  }

  private fail(why: string): void {
    this.broken = true;
    this.chunks = [];
    this.pending = 0;
    this.counter = new CostCounter();
    this.stream = null;
    this.emit({ invalid: why });
  }
}

/** "a message was not JSON", and where the large form's parser says why (not the native parser's words). */
function notJson(e: unknown): string {
  return e instanceof JsonStreamError && /nested deeper|longer than|more than one/.test(e.message) ? `a message was not JSON the parent reads (${e.message})` : "a message was not JSON";
}

/** The snapshot of a kept checkpoint line, validated as every message is; or why it is not one. */
export function readPartial(bytes: Buffer): { snapshot: GraphSnapshot } | { invalid: string } {
  try {
    const stream = new JsonStream(undefined, undefined, precheckEntry);
    stream.push(bytes);
    const m = validateChildMessage(stream.end(), true);
    return m.type === "partial" ? { snapshot: m.snapshot } : { invalid: "the checkpoint was not one" };
  } catch (e) {
    return { invalid: e instanceof Error ? e.message : "the checkpoint was not JSON" };
  }
}
