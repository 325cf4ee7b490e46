// The child's side of the channel (runner/channel.ts reads the other end): one JSON line per message,
// written synchronously to fd 3. Synchronous because the event loop may never run again: after a
// checkpoint the snippet may block it for good (a loop in eval'd code after an await), run out of
// memory or be killed; whatever was written before is then already in the pipe, where the parent
// reads it. Runs in the sandbox child under Node's permission model: writing to an inherited fd is
// not a file-system access the model governs (no path is opened).
import * as fs from "node:fs";

const FD = 3;
/** Waiting for the parent to drain the pipe (it reads as it goes) this long in all means it is stuck. */
const MAX_WAIT_MS = 10_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The first wait for a full pipe, and the longest: the parent drains it a chunk at a time, often
 * within a fraction of a millisecond, so the wait starts short and doubles while nothing moves. */
const FIRST_WAIT_MS = 0.05;
const LONGEST_WAIT_MS = 1;

/** Write `line` (a string, or its UTF-8 bytes; with its newline) whole. False when the parent is gone or the pipe failed. */
export function writeLine(line: string | Uint8Array): boolean {
  const bytes = typeof line === "string" ? Buffer.from(line, "utf8") : line;
  let offset = 0;
  let waited = 0;
  let wait = FIRST_WAIT_MS;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(FD, bytes, offset, bytes.length - offset);
      wait = FIRST_WAIT_MS;
    } catch (e) {
      // The pipe is full (a non-blocking fd): the parent drains it; wait a little and go on.
      if ((e as NodeJS.ErrnoException).code === "EAGAIN" && waited < MAX_WAIT_MS) {
        Atomics.wait(sleeper, 0, 0, wait);
        waited += wait;
        wait = Math.min(LONGEST_WAIT_MS, wait * 2);
        continue;
      }
      return false;
    }
  }
  return true;
}
