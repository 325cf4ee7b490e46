// The channel between the sandbox child and the parent (pure Node, no vscode). The child writes one
// JSON message per line to its fd 3; the parent reads that pipe itself (no Node IPC: the child has no
// `process.send`, and Node's IPC would buffer a message of any size before we could look at it).
// The parent counts bytes as they arrive: a line longer than the cap, or more bytes in all than the
// budget, ends the run before anything is parsed. Every parsed message is validated; a message that
// is not one the child sends is an error of the run, never an exception in the parent.
import { validateSnapshot, ValidationError } from "../shared/validate";
import type { ChildMessage } from "./messages";

/** The largest message (one line, in bytes) the parent accepts: the snapshot's budget. */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 20;
/** All messages of one child together (progress reports besides the snapshot). */
export const MAX_TOTAL_BYTES = MAX_MESSAGE_BYTES + 16 * 2 ** 20;

export type ChannelEvent = { message: ChildMessage } | { invalid: string };

/** Check one parsed message from the child; the snapshot is rebuilt by the validator. */
export function validateChildMessage(m: unknown): ChildMessage {
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
      if (what !== "loop" && what !== "interval" && what !== "timeout" && what !== "code") throw new ValidationError("progress.what", "is not a known place");
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
      return { type: "result", snapshot: validateSnapshot(o["snapshot"]) };
    default:
      throw new ValidationError("message.type", `${JSON.stringify(String(o["type"]).slice(0, 40))} is not a message the sandbox sends`);
  }
}

/**
 * Splits the child's byte stream into messages, enforcing the caps on the bytes themselves. After the
 * first invalid message (or cap) it reports `invalid` once and ignores the rest.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private pending = 0;
  private total = 0;
  private broken = false;

  constructor(
    private readonly emit: (e: ChannelEvent) => void,
    private readonly maxMessage = MAX_MESSAGE_BYTES,
    private readonly maxTotal = MAX_TOTAL_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.total += chunk.length;
    if (this.total > this.maxTotal) return this.fail(`it sent more than ${mb(this.maxTotal)} MB`);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      if (this.pending + part.length > this.maxMessage) return this.fail(`a message was larger than ${mb(this.maxMessage)} MB`);
      this.chunks.push(part);
      const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.pending + part.length);
      this.chunks = [];
      this.pending = 0;
      this.line(whole);
      if (this.broken) return;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (this.pending + rest.length > this.maxMessage) return this.fail(`a message was larger than ${mb(this.maxMessage)} MB`);
    // Keep a copy only of what is pending (the chunk itself may be a slice of a larger buffer).
    this.chunks.push(rest);
    this.pending += rest.length;
  }

  private line(bytes: Buffer): void {
    if (bytes.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
      return this.fail("a message was not JSON");
    }
    let message: ChildMessage;
    try {
      message = validateChildMessage(parsed);
    } catch (e) {
      return this.fail(e instanceof Error ? e.message : String(e));
    }
    this.emit({ message });
  }

  private fail(why: string): void {
    this.broken = true;
    this.chunks = [];
    this.pending = 0;
    this.emit({ invalid: why });
  }
}

function mb(bytes: number): string {
  return String(Math.round(bytes / 2 ** 20));
}
