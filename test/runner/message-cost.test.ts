// The parent bounds a child's message by what it will cost in memory, not only by its bytes (issue
// 14 item 2): the cost counter (runner/message-cost.ts), the reader refusing a line over the budget as
// it arrives (runner/channel.ts), the child leaving out what does not fit instead of being refused
// (runner/child-result.ts), and whole runs against fake children: over budget → the clear error and
// the last checkpoint kept; hostile counts; the limits the parent set, whatever the child claims.
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_COST, MessageReader, PARTIAL_BUDGET, RESULT_BUDGET, type ChannelEvent } from "../../runner/channel";
import { encodeFitting } from "../../runner/child-result";
import { CONTAINER_COST, CostCounter, ELEMENT_COST, messageCost, STRING_COST, WIDE_MEMBER_COST, WIDE_OBJECT_MEMBERS } from "../../runner/message-cost";
import { DEFAULT_LIMITS } from "../../runner/sandbox";
import { decodeSnapshot } from "../../shared/snapshot-codec";
import type { SnapshotWire } from "../../shared/protocol";
import { validateWire } from "../../shared/validate";
import { smallSnapshot, useFakeChildren } from "./fake-child";

const cost = (text: string) => messageCost(Buffer.from(text)).cost;

/** A small snapshot with one value. */
function base(): SnapshotWire {
  return { ...smallSnapshot(), values: [{ shape: [1], dtype: "float32", count: 1, data: "AACAPw==" }] };
}

/** `n` add nodes with their tensors and edges, as the recorder writes them. */
function graph(n: number): SnapshotWire {
  const range = (i: number) => ({ line: 3 + (i % 50), column: 4, endLine: 3 + (i % 50), endColumn: 20 });
  return {
    ...base(),
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, name: "AddBackward0", kind: "function" as const, sequenceNr: i, tensor: `t${i}`, inputs: i ? [`n${i - 1}`] : [], formulas: ["grad_self = grad"], saved: [], released: false, range: range(i) })),
    tensors: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, label: `add @ L${3 + (i % 50)}`, kind: "intermediate" as const, shape: [1], dtype: "float32" as const, value: 0, grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: `n${i}`, gradNote: "not kept: a non-leaf tensor's gradient is freed after backward unless you call retainGrad() on it" })),
    edges: Array.from({ length: n - 1 }, (_, i) => ({ from: `n${i + 1}`, to: `n${i}`, index: 0, inputNr: 0 })),
  };
}

const line = (type: string, snapshot: unknown) => JSON.stringify({ type, snapshot });

/** Push `text` and a newline through a reader in pipe-sized chunks; the events, and how far it got. */
function feed(r: MessageReader, events: ChannelEvent[], text: string): number {
  const bytes = Buffer.from(`${text}\n`);
  for (let o = 0; o < bytes.length; o += 65_536) {
    r.push(bytes.subarray(o, o + 65_536));
    if (events.some((e) => "invalid" in e)) return o + 65_536;
  }
  return bytes.length;
}

describe("CostCounter", () => {
  it("counts the same however the text is cut (inside strings, escapes and UTF-8 characters too)", () => {
    const text = line("result", { ...graph(50), console: [{ level: "log", text: 'a "quoted" [not, a] {list}: \\ é€😀' }] });
    const whole = messageCost(Buffer.from(text));
    const bytes = Buffer.from(text);
    for (const step of [1, 3, 7, 64, 1000]) {
      const c = new CostCounter();
      for (let o = 0; o < bytes.length; o += step) c.push(bytes.subarray(o, o + step));
      expect(c.cost).toBe(whole.cost);
      expect(c.entries).toBe(whole.entries);
    }
  });

  it("charges what parsing allocates: containers, array elements, string values; not text inside strings", () => {
    expect(cost('"[[[{{{,,,:::"')).toBe(14 + STRING_COST);
    expect(cost("[]")).toBe(2 + CONTAINER_COST + ELEMENT_COST);
    expect(cost("[1,2,3]")).toBe(7 + CONTAINER_COST + 3 * ELEMENT_COST);
    // An object's members are its bytes (keys are shared); its string values are charged.
    expect(cost('{"a":1,"b":"x"}')).toBe(15 + CONTAINER_COST + STRING_COST);
    // A long string costs about its bytes.
    expect(cost(JSON.stringify("x".repeat(1e6)))).toBe(1e6 + 2 + STRING_COST);
  });

  it("an object with many members (a map: a hash table and a string per key) costs more per member", () => {
    const map = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0])));
    const small = map(WIDE_OBJECT_MEMBERS);
    const big = map(WIDE_OBJECT_MEMBERS + 10);
    expect(cost(big) - cost(small)).toBe(Buffer.byteLength(big) - Buffer.byteLength(small) + 10 * WIDE_MEMBER_COST);
  });

  it("a snapshot of many small entries costs well over its bytes; a console of long lines about its bytes", () => {
    const g = line("result", graph(2000));
    expect(cost(g) / Buffer.byteLength(g)).toBeGreaterThan(2.5);
    const text = line("result", { ...base(), console: Array.from({ length: 20 }, () => ({ level: "log", text: "y".repeat(100_000) })) });
    expect(cost(text) / Buffer.byteLength(text)).toBeLessThan(1.01);
  });
});

describe("MessageReader: the cost budget", () => {
  function reader(maxCost: number, maxPartialCost = maxCost / 4) {
    const events: ChannelEvent[] = [];
    const r = new MessageReader((e) => events.push(e), 64 * 2 ** 20, 80 * 2 ** 20, 16 * 2 ** 20, maxCost, maxPartialCost);
    return { r, events };
  }

  it("under the budget: accepted, the same snapshot as validating it whole", () => {
    const text = line("result", graph(3000));
    const { r, events } = reader(cost(text) + 1);
    feed(r, events, text);
    expect(events).toHaveLength(1);
    const got = (events[0] as { message: { snapshot: { nodes: unknown[] } } }).message.snapshot;
    expect(got).toEqual(decodeSnapshot(validateWire(graph(3000))));
  });

  it("over the budget: refused as it arrives (before the line ends), with what it would cost", () => {
    const text = line("result", graph(40_000));
    const { r, events } = reader(Math.floor(cost(text) / 3));
    const read = feed(r, events, text);
    expect(read).toBeLessThan(Buffer.byteLength(text) / 2);
    expect(events).toEqual([{ invalid: expect.stringMatching(/^a message would take more than \d+ MB of the parent's memory \([\d,]+ objects, arrays and strings in its first \d+ MB\)$/) }]);
  });

  it("hostile counts far under the byte cap are refused: empty arrays, a map of distinct keys, nested pairs", () => {
    const hostile = [
      line("result", { ...base(), junk: Array.from({ length: 1e6 }, () => []) }), // 3 MB
      line("result", { ...base(), junk: Object.fromEntries(Array.from({ length: 3e5 }, (_, i) => [`k${i}`, 0])) }), // 3 MB
      line("result", { ...base(), junk: Array.from({ length: 5e5 }, () => [[]]) }),
      line("partial", { ...base(), junk: Array.from({ length: 3e5 }, () => []) }),
    ];
    for (const text of hostile) {
      expect(Buffer.byteLength(text)).toBeLessThan(8 * 2 ** 20);
      const { r, events } = reader(16 * 2 ** 20, 4 * 2 ** 20);
      feed(r, events, text);
      expect(events).toEqual([{ invalid: expect.stringMatching(/would take more than (16|4) MB of the parent's memory/) }]);
    }
  });

  it("a checkpoint is measured against its own budget, and kept as bytes when within it", () => {
    const text = line("partial", graph(500));
    const { r, events } = reader(10 * cost(text), cost(text) + 1);
    feed(r, events, text);
    expect(events).toEqual([]);
    expect(r.partial?.toString()).toBe(text);
    const over = reader(10 * cost(text), cost(text) - 1);
    feed(over.r, over.events, text);
    expect(over.events).toEqual([{ invalid: expect.stringMatching(/^a checkpoint would take more than/) }]);
  });

  it("the real budget fits the default caps' largest real results with room to spare", () => {
    // (bench/parent-memory.mjs row (x), trace20k: a 20,000-op trace at the default caps costs about
    // 64 MB; here the parent's cap and the child's agree on one number.)
    expect(RESULT_BUDGET.cost).toBe(MAX_MESSAGE_COST);
    expect(PARTIAL_BUDGET.cost).toBe(MAX_MESSAGE_COST / 4);
    expect(MAX_MESSAGE_COST).toBeGreaterThanOrEqual(1.25 * 64 * 2 ** 20);
  });
});

describe("the child makes its result fit the cost budget", () => {
  it("a graph over the cost (but not the bytes) is left out; console and the error stay", () => {
    const s = decodeSnapshot(validateWire({ ...graph(4000), error: { kind: "runtime", message: "boom" } }));
    const text = line("result", graph(4000));
    const budget = { bytes: 64 * 2 ** 20, cost: Math.floor(cost(text) / 2) };
    const { text: sent, bare } = encodeFitting(s, budget, "result");
    expect(bare).toBe(true);
    expect(cost(sent)).toBeLessThanOrEqual(budget.cost);
    const got = (JSON.parse(sent) as { snapshot: SnapshotWire }).snapshot;
    expect(got.nodes).toEqual([]);
    expect(got.console).toEqual([{ level: "log", text: "hello" }]);
    expect(got.error?.message).toBe("boom");
    // Without an error of its own, the result says why the graph is missing.
    const plain = decodeSnapshot(validateWire(graph(4000)));
    const why = (JSON.parse(encodeFitting(plain, budget, "result").text) as { snapshot: SnapshotWire }).snapshot.error?.message;
    expect(why).toMatch(/^The traced graph was too large to show \(\d+ MB, [\d,]+ objects, arrays and strings: more than \d+ MB once read\); lower the node cap/);
  });

  it("within the budget, the result is sent whole", () => {
    const s = decodeSnapshot(validateWire(graph(1000)));
    const { text, bare } = encodeFitting(s, RESULT_BUDGET, "result");
    expect(bare).toBe(false);
    expect((JSON.parse(text) as { snapshot: SnapshotWire }).snapshot.nodes).toHaveLength(1000);
  });
});

describe("runs against fake children: the cost budget", () => {
  const runWith = useFakeChildren(20_000);
  const partial = { ...base(), console: [{ level: "log", text: "checkpointed" }], durationMs: 250 };

  it("a hostile message over the cost budget (9 MB of empty arrays) ends the run clearly, keeping the last checkpoint", async () => {
    const s = await runWith(
      `write(JSON.stringify({ type: "partial", snapshot: ${JSON.stringify(partial)} }) + "\\n");` +
        `write('{"type":"progress","what":"loop","junk":[' + "[],".repeat(3e6) + '[]]}\\n'); setTimeout(() => {}, 60000);`,
    );
    expect(s.error?.kind).toBe("internal");
    expect(s.error?.message).toMatch(/^The run sent an invalid result \(a message would take more than 84 MB of the parent's memory \([\d,]+ objects, arrays and strings in its first \d+ MB\)\); it was stopped\. The graph shows what the snippet had recorded 0\.25 s into the run\.$/);
    expect(s.console).toEqual([{ level: "log", text: "checkpointed" }]);
  }, 30_000);

  it("a result over the cost budget: refused as it arrives, a clear error", async () => {
    const s = await runWith(
      `const s = { ...${JSON.stringify(base())}, junk: Array.from({ length: 4e6 }, () => []) }; write(JSON.stringify({ type: "result", snapshot: s }) + "\\n"); setTimeout(() => {}, 60000);`,
    );
    expect(s.error?.message).toMatch(/^The run sent an invalid result \(a message would take more than 84 MB of the parent's memory/);
  }, 30_000);

  it("the limits of the run are the ones the parent set, whatever the child claims", async () => {
    const claimed = { ...base(), limits: { timeoutMs: 1, nodeCap: 1e12, valueCap: 1e12, stepCap: 1e12, memoryMb: 1 } };
    const s = await runWith(`write(JSON.stringify({ type: "result", snapshot: ${JSON.stringify(claimed)} }) + "\\n"); process.exit(0);`, 3000);
    expect(s.error).toBeUndefined();
    expect(s.limits).toEqual({ ...DEFAULT_LIMITS, timeoutMs: 3000 });
  });
});
