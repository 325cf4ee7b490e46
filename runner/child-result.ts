// How the child turns a GraphSnapshot into the line it sends (the final result, or a checkpoint while
// the run goes on): rebuilt by the shared validator in repair mode, encoded in the version-2 wire
// form, and made to fit the parent's caps (its bytes, and what it will cost the parent in memory:
// runner/message-cost.ts) by dropping first the re-evaluation program, then the graph.
import type { GraphSnapshot, SnapshotWire } from "../shared/protocol";
import { encodeSnapshot } from "../shared/snapshot-codec";
import { capString, checkWire } from "../shared/validate";
import { RESULT_BUDGET, type Budget } from "./channel";
import { messageCost, mb } from "./message-cost";

/**
 * The snapshot as it is sent: rebuilt by the validator in repair mode (a snippet's odd values, such
 * as a function for a tensor's name, become descriptions; every string capped), then encoded once
 * and measured as the parent will measure it (bytes, and cost in memory). Too large: the
 * re-evaluation program goes first, then the graph (console, warnings and the error stay).
 */
export function encodeResult(snapshot: GraphSnapshot, budget: Budget = RESULT_BUDGET, type: "result" | "partial" = "result"): string {
  return encodeFitting(snapshot, budget, type).text;
}

/** A line measured against a budget: its UTF-8 bytes with the newline that ends it (what is written),
 * and why it does not fit ("" when it does). */
interface Measured {
  line: Buffer;
  over: string;
}

function measure(text: string, budget: Budget): Measured {
  // One conversion to UTF-8, used both to measure and to write (the text is megabytes for a large graph).
  const size = Buffer.byteLength(text);
  const line = Buffer.allocUnsafe(size + 1);
  line.write(text, 0, size, "utf8");
  line[size] = 10;
  if (size > budget.bytes) return { line, over: mb(size) };
  // Measured on its bytes, as the parent measures what arrives (the newline is not part of the line).
  const cost = messageCost(line.subarray(0, size));
  if (cost.cost > budget.cost) return { line, over: `${mb(size)}, ${cost.entries.toLocaleString("en-US")} objects, arrays and strings: more than ${mb(budget.cost)} once read` };
  return { line, over: "" };
}

/** The result line as it is written (UTF-8, newline included). */
export function encodeResultLine(snapshot: GraphSnapshot, budget: Budget = RESULT_BUDGET): Buffer {
  return encodeFitting(snapshot, budget, "result").line;
}

/** encodeResult, its bytes as written (`line`: UTF-8, newline included), and whether the graph had to
 * be left out to fit (`bare`). */
export function encodeFitting(snapshot: GraphSnapshot, budget: Budget, type: "result" | "partial"): { text: string; line: Buffer; bare: boolean } {
  // On the wire the snapshot is encoded (values as base64 in one table); the parent decodes it.
  // `type` goes first: the parent tells a checkpoint from the result by the line's first bytes.
  const encode = (s: SnapshotWire): string => JSON.stringify({ type, snapshot: s });
  const wire = encodeSnapshot(snapshot);
  let checked = checkWire(wire, { repair: true });
  if (!checked.ok && wire.program) {
    const unavailable = capString(`the traced computation could not be sent (${checked.error})`, 2000);
    checked = checkWire({ ...wire, program: { unavailable, leaves: {}, constants: {}, ops: [] } }, { repair: true });
  }
  const safe: SnapshotWire = checked.ok
    ? checked.wire
    : {
        ...emptyOf(wire),
        error: { kind: "internal", message: capString(`Autograd Lens could not send the traced graph: ${checked.error}`, 20_000) },
      };
  let text = encode(safe);
  let m = measure(text, budget);
  if (!m.over) return { text, line: m.line, bare: !checked.ok };
  let over = m.over;
  if (safe.program && safe.program.ops.length > 0) {
    const unavailable = `the traced computation made the snapshot too large (${over}) to send along; lower the node cap (--node-cap, autogradLens.nodeCap) or the value cap (--value-cap)`;
    text = encode({ ...safe, program: { unavailable, leaves: {}, constants: {}, ops: [] } });
    m = measure(text, budget);
    if (!m.over) return { text, line: m.line, bare: !checked.ok };
    over = m.over;
  }
  const bare: SnapshotWire = {
    ...emptyOf(safe),
    error: safe.error ?? { kind: "internal", message: `The traced graph was too large to show (${over}); lower the node cap (--node-cap, autogradLens.nodeCap) or the value cap (--value-cap).` },
  };
  text = encode(bare);
  m = measure(text, budget);
  if (!m.over) return { text, line: m.line, bare: true };
  // Console and warnings alone too large (only with a tiny cap): keep the error.
  text = encode({ ...bare, console: [], warnings: [] });
  return { text, line: measure(text, budget).line, bare: true };
}

function emptyOf(s: SnapshotWire): SnapshotWire {
  return { ...s, values: [], tensors: [], nodes: [], edges: [], backward: [], output: undefined, program: undefined };
}

