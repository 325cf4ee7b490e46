// The parent trusts nothing the child sends: the message reader's byte caps, the message validator,
// and whole runs against fake children (scripts standing in for runner-child.js) that send forged,
// malformed or oversized messages. Every one ends as a run with a clear error, never an exception
// or a parent that grows without bound.
import { beforeAll, describe, expect, it } from "vitest";
import { MessageReader, validateChildMessage, type ChannelEvent } from "../../runner/channel";
import { WHOLE_BYTES } from "../../runner/json-stream";
import { SNAPSHOT_VERSION, type GraphSnapshot } from "../../shared/protocol";
import { validateSnapshot } from "../../shared/validate";
import { smallSnapshot, useFakeChildren } from "./fake-child";

function read(lines: Array<string | Buffer>, maxMessage = 1000, maxTotal = 10_000): ChannelEvent[] {
  const events: ChannelEvent[] = [];
  const r = new MessageReader((e) => events.push(e), maxMessage, maxTotal);
  for (const l of lines) r.push(Buffer.isBuffer(l) ? l : Buffer.from(l));
  return events;
}

/** A valid wire snapshot of `n` add nodes (each with its tensor and an edge), two value entries. */
function bigGraph(n: number): unknown {
  const range = (i: number) => ({ line: 3 + (i % 50), column: 4, endLine: 3 + (i % 50), endColumn: 20 });
  return {
    ...smallSnapshot(),
    values: [
      { shape: [4], dtype: "float32", count: 4, data: "AACAPwAAAEAAAEBAAACAQA==" },
      { shape: [1], dtype: "float64", count: 1, data: "AAAAAAAA8D8=" },
    ],
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, name: "AddBackward0", kind: "function", sequenceNr: i, tensor: `t${i}`, inputs: i ? [`n${i - 1}`] : [], formulas: ["grad_self = grad"], saved: [{ name: "other", value: 1 }], released: false, range: range(i) })),
    tensors: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, label: `add @ L${3 + (i % 50)}`, kind: "intermediate", shape: [2, 2], dtype: "float32", value: 0, grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: `n${i}`, range: range(i) })),
    edges: Array.from({ length: n - 1 }, (_, i) => ({ from: `n${i + 1}`, to: `n${i}`, index: 0, inputNr: 0 })),
    console: Array.from({ length: 20 }, (_, i) => ({ level: "log", text: `line ${i} é€😀\n`.repeat(20_000) })),
  };
}

/** A large line through a MessageReader with the real caps, in pipe-sized chunks. */
function readBig(text: string): ChannelEvent[] {
  const events: ChannelEvent[] = [];
  const r = new MessageReader((e) => events.push(e));
  const bytes = Buffer.from(`${text}\n`);
  for (let o = 0; o < bytes.length; o += 65_536) r.push(bytes.subarray(o, o + 65_536));
  return events;
}

describe("MessageReader", () => {
  it("splits lines across chunks and validates each message", () => {
    const ev = read(['{"type":"rea', 'dy","bootMs":3}\n{"type":"finishing"}\n{"type":"progress","what":"loop","range":{"line":2,"column":1}}\n']);
    expect(ev).toEqual([
      { message: { type: "ready", bootMs: 3 } },
      { message: { type: "finishing" } },
      { message: { type: "progress", what: "loop", range: { line: 2, column: 1 } } },
    ]);
  });

  it("rejects a message over the cap before it is complete, and ignores everything after", () => {
    const ev = read(["x".repeat(600), "x".repeat(600), '\n{"type":"finishing"}\n']);
    expect(ev).toEqual([{ invalid: "a message was larger than 0 MB" }]);
  });

  it("rejects more bytes in all than the budget", () => {
    const ev = read(Array.from({ length: 20 }, () => '{"type":"progress","what":"loop"}\n'.padStart(600, " ")), 1000, 5000);
    expect(ev.at(-1)).toEqual({ invalid: "it sent more than 0 MB" });
    expect(ev.filter((e) => "message" in e).length).toBeLessThan(10);
  });

  it("rejects non-JSON, unknown types and mistyped fields", () => {
    expect(read(["not json\n"])).toEqual([{ invalid: "a message was not JSON" }]);
    expect(read(['{"type":"pwn"}\n'])[0]).toEqual({ invalid: 'message.type: "pwn" is not a message the sandbox sends' });
    expect(read(['{"type":"ready","bootMs":"x"}\n'])[0]).toMatchObject({ invalid: expect.stringMatching(/bootMs/) });
    expect(read(['{"type":"progress","what":"loop","range":{"line":"1"}}\n'])[0]).toMatchObject({ invalid: expect.stringMatching(/range/) });
    expect(read(["[1,2]\n"])[0]).toMatchObject({ invalid: expect.stringMatching(/object/) });
  });

  it("keeps the last checkpoint as bytes, unparsed; a result line, as it begins, drops it", () => {
    const events: ChannelEvent[] = [];
    const r = new MessageReader((e) => events.push(e), 1000, 10_000, 300);
    r.push(Buffer.from('{"type":"partial","snapshot":1}\n{"type":"partial","snap'));
    expect(r.partial?.toString()).toBe('{"type":"partial","snapshot":1}');
    r.push(Buffer.from('shot":2}\n'));
    expect(r.partial?.toString()).toBe('{"type":"partial","snapshot":2}');
    expect(events).toEqual([]); // not parsed: a wrong snapshot is only found if it is ever used
    r.push(Buffer.from('{"type":"result","sn'));
    expect(r.partial).toBeUndefined();
  });

  it("a checkpoint over its own cap ends the run; checkpoints do not count toward the total", () => {
    const events: ChannelEvent[] = [];
    const r = new MessageReader((e) => events.push(e), 1000, 2000, 300);
    for (let i = 0; i < 20; i++) r.push(Buffer.from(`{"type":"partial","snapshot":"${"x".repeat(200)}"}\n`));
    expect(events).toEqual([]);
    r.push(Buffer.from(`{"type":"partial","snapshot":"${"x".repeat(400)}`));
    expect(events).toEqual([{ invalid: "a checkpoint was larger than 0 MB" }]);
  });

  it("parses a result larger than one parse as it arrives: the same snapshot as validating it whole", () => {
    const text = JSON.stringify({ type: "result", snapshot: bigGraph(30_000) });
    expect(text.length).toBeGreaterThan(WHOLE_BYTES); // the large form: entries checked as they come
    const events = readBig(text);
    expect(events).toHaveLength(1);
    const got = (events[0] as { message: { snapshot: GraphSnapshot } }).message.snapshot;
    const want = validateSnapshot((JSON.parse(text) as { snapshot: unknown }).snapshot);
    expect(got.nodes.length).toBe(30_000);
    expect(got).toEqual(want);
    expect(got.tensors[7]!.value.values).toEqual([1, 2, 3, 4]);
  });

  it("a large result with one wrong entry deep inside, or an index out of the table: the error names it", () => {
    const bad = bigGraph(30_000) as { nodes: Array<Record<string, unknown>>; tensors: Array<Record<string, unknown>> };
    bad.nodes[25_000]!["kind"] = "bogus";
    expect(readBig(JSON.stringify({ type: "result", snapshot: bad }))).toEqual([{ invalid: expect.stringMatching(/^snapshot\.nodes\[25000\]\.kind: must be one of "function", "accumulate", not "bogus"$/) }]);
    const ref = bigGraph(30_000) as typeof bad;
    ref.tensors[29_999]!["value"] = 2;
    expect(readBig(JSON.stringify({ type: "result", snapshot: ref }))).toEqual([{ invalid: "snapshot.tensors[29999].value: 2 is out of range [0, 1]" }]);
    const proto = JSON.stringify({ type: "result", snapshot: bigGraph(30_000) }).replace('"nodes":[', '"nodes":[{"__proto__":{"id":"n0"}},');
    expect(readBig(proto)).toEqual([{ invalid: expect.stringMatching(/^snapshot\.nodes\[0\]\.id: must be text, not undefined$/) }]);
  });

  it("rejects a forged result whose snapshot is not a snapshot", () => {
    expect(() => validateChildMessage({ type: "result", snapshot: { version: SNAPSHOT_VERSION, console: 5 } })).toThrow(/snapshot\./);
    expect(() => validateChildMessage({ type: "result" })).toThrow(/snapshot/);
  });
});

const okSnapshot = smallSnapshot();

describe("runs against fake children", () => {
  const runWith = useFakeChildren(2000);
  beforeAll(() => undefined);

  it("accepts a well-formed result (the fake is a faithful child)", async () => {
    const s = await runWith(`write(JSON.stringify({ type: "result", snapshot: ${JSON.stringify(okSnapshot)} }) + "\\n"); process.exit(0);`);
    expect(s.error).toBeUndefined();
    expect(s.console).toEqual([{ level: "log", text: "hello" }]);
  });

  it("a forged result with console not an array: a clear error, not an exception", async () => {
    const s = await runWith(`write(JSON.stringify({ type: "result", snapshot: { ...${JSON.stringify(okSnapshot)}, console: 5 } }) + "\\n"); setTimeout(() => {}, 60000);`);
    expect(s.error?.kind).toBe("internal");
    expect(s.error?.message).toMatch(/^The run sent an invalid result \(snapshot\.console: must be an array/);
  });

  it("a forged error whose message is not text", async () => {
    const s = await runWith(`write(JSON.stringify({ type: "result", snapshot: { ...${JSON.stringify(okSnapshot)}, error: { kind: "runtime", message: { split: 1 } } } }) + "\\n");`);
    expect(s.error?.message).toMatch(/invalid result \(snapshot\.error\.message: must be text/);
  });

  it("an unknown snapshot version", async () => {
    const s = await runWith(`write(JSON.stringify({ type: "result", snapshot: { ...${JSON.stringify(okSnapshot)}, version: 999 } }) + "\\n");`);
    expect(s.error?.message).toMatch(/version 999 is not one this Autograd Lens reads/);
  });

  it("a 1 GB message is cut off at the cap: the parent stays small and the run ends clearly", async () => {
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const s = await runWith(`const chunk = "x".repeat(8 * 2 ** 20); write('{"type":"result","snapshot":"'); for (let i = 0; i < 128; i++) write(chunk);`, 20_000);
    clearInterval(sampler);
    expect(s.error?.message).toMatch(/invalid result \(a message was larger than 64 MB\)/);
    // Growth of the parent while receiving: under twice the 64 MB cap (chunks + one copy).
    expect(peak - before.rss).toBeLessThan(2 * 64 * 2 ** 20);
  });

  it("a child that sends a checkpoint and dies: its graph is kept, with the parent's error", async () => {
    const partial = { ...okSnapshot, console: [{ level: "log", text: "checkpointed" }], durationMs: 250 };
    const s = await runWith(`write(JSON.stringify({ type: "partial", snapshot: ${JSON.stringify(partial)} }) + "\\n"); process.kill(process.pid, "SIGKILL");`);
    expect(s.console).toEqual([{ level: "log", text: "checkpointed" }]);
    expect(s.error?.message).toMatch(/killed by SIGKILL.*The graph shows what the snippet had recorded 0\.25 s into the run\./s);
  });

  it("a forged checkpoint is validated when used: a clear error, no graph", async () => {
    const s = await runWith(`write(JSON.stringify({ type: "partial", snapshot: { ...${JSON.stringify(okSnapshot)}, console: 5 } }) + "\\n"); process.exit(9);`);
    expect(s.console).toEqual([]);
    expect(s.error?.message).toMatch(/stopped unexpectedly \(exit code 9\)\. \(Its last checkpoint of the graph could not be used: snapshot\.console: must be an array/);
  });

  it("many 16 MB checkpoints, then a 1 GB message: the parent stays under twice the cap", async () => {
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const s = await runWith(
      `const p = '{"type":"partial","snapshot":"' + "x".repeat(16 * 2 ** 20 - 40) + '"}\\n'; for (let i = 0; i < 8; i++) write(p);` +
        `const chunk = "x".repeat(8 * 2 ** 20); write('{"type":"result","snapshot":"'); for (let i = 0; i < 128; i++) write(chunk);`,
      20_000,
    );
    clearInterval(sampler);
    expect(s.error?.message).toMatch(/invalid result \(a message was larger than 64 MB\)/);
    expect(peak - before.rss).toBeLessThan(2 * 64 * 2 ** 20);
  });

  it("garbage, then a valid result: the garbage ends the run", async () => {
    const s = await runWith(`write("\\u0000\\u0001 garbage\\n"); write(JSON.stringify({ type: "result", snapshot: ${JSON.stringify(okSnapshot)} }) + "\\n");`);
    expect(s.error?.message).toMatch(/invalid result \(a message was not JSON\)/);
  });

  it("a child that says nothing and exits: an internal error with its exit code", async () => {
    const s = await runWith(`process.exit(5);`);
    expect(s.error?.message).toMatch(/stopped unexpectedly \(exit code 5\)/);
  });
});
