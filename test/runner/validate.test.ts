// The one validator (shared/validate.ts): real snapshots pass through it unchanged (so a field added
// to the protocol without being added to the validator fails here, instead of being dropped in the
// parent), and hostile ones are refused (strict) or described (repair) with the field named.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { SnapshotWire } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { checkSnapshot, TRUNCATION_MARK, validateSnapshot } from "../../shared/validate";
import { encodeValues } from "../../shared/value-codec";

const distDir = path.resolve("dist");
const built = fs.existsSync(path.join(distDir, "runner-child.js"));
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe.skipIf(!built)("real snapshots pass through the validator unchanged", () => {
  let runner: SnippetRunner;
  beforeAll(() => {
    runner = new SnippetRunner({ distDir });
  });
  afterAll(() => runner?.dispose());

  const snippets: Array<[string, string]> = [
    ["the textbook example", fs.readFileSync(path.resolve("examples/autograd-basics.ts"), "utf8")],
    // bool and int32 tensors (comparisons, masks): the webview's validator once refused their dtypes,
    // and the child then sent no graph at all.
    ["bool and int32 tensors", `import { torch } from "autograd-lens";\nconst x = torch.tensor([1, -2, 3], { requiresGrad: true });\nconst m = x.gt(0);\nconst k = torch.tensor([1, 2], { dtype: "int32" });\nconst y = x.mul(m).sum();\ny.backward();\n`],
    [
      "a training loop with in-place updates, warnings, console output and an error",
      `import { torch } from "autograd-lens";
const model = new torch.nn.Sequential(new torch.nn.Linear(2, 4), new torch.nn.Tanh(), new torch.nn.Linear(4, 1));
const x = torch.randn(8, 2);
const y = x.sum(1, true);
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
for (let i = 0; i < 3; i++) {
  opt.zeroGrad();
  const loss = torch.nn.functional.mseLoss(model.forward(x), y);
  loss.backward();
  opt.step();
  console.log(loss.item());
}
const a = torch.ones([3], { requiresGrad: true });
const b = a.mul(2);
b.retainGrad();
const c = b.mul(b).sum();
c.backward();
void c.grad;
const d = torch.ones([2]);
d.mul_(3);
throw new Error("the end");
`,
    ],
  ];
  it.each(snippets)("%s", async (_name, source) => {
    const s = plain(await runner.run({ source, language: "typescript", fileName: "/work/v.ts" }));
    expect(s.tensors.length).toBeGreaterThan(0);
    expect(validateSnapshot(plain(encodeSnapshot(s)))).toEqual(s);
  });
});

function tiny(): SnapshotWire {
  return {
    version: 2, values: [], file: "/x.ts", language: "typescript", tracedAt: "t", durationMs: 1,
    limits: { timeoutMs: 1, nodeCap: 1, valueCap: 1, stepCap: 1, memoryMb: 1 },
    console: [], warnings: [], tensors: [], nodes: [], edges: [], backward: [], nodesTruncated: false,
  };
}

describe("hostile snapshots", () => {
  it("caps every string with a marker, never drops it", () => {
    const s = tiny();
    s.error = { kind: "runtime", message: "m".repeat(100_000), stack: "s".repeat(100_000) };
    const v = validateSnapshot(s);
    expect(v.error!.message.length).toBe(20_000);
    expect(v.error!.message.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(v.error!.stack!.length).toBe(20_000);
  });

  it("strict mode names the field; repair mode describes a function used as a name", () => {
    const s = tiny() as unknown as Record<string, unknown>;
    const t = { id: "t1", name: () => 1, label: "x", kind: "leaf", shape: [2], dtype: "float32", value: 0, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null };
    s["values"] = [{ shape: [2], dtype: "float32", count: 2, data: encodeValues([1, 2], "float32") }];
    s["tensors"] = [t];
    expect(checkSnapshot(s)).toEqual({ ok: false, error: "snapshot.tensors[0].name: must be text, not function" });
    const r = checkSnapshot(s, { repair: true });
    expect(r.ok && r.snapshot.tensors[0]!.name).toBe("[function name]");
  });

  it("an entry deep in a list is named exactly (entries are checked without paths first, a failing one again with them)", () => {
    const many = (): SnapshotWire => {
      const s = tiny();
      s.values = [{ shape: [], dtype: "float32", count: 1, data: encodeValues([1], "float32") }];
      s.tensors = Array.from({ length: 50 }, (_, i) => ({ id: `t${i}`, label: `x${i}`, kind: "leaf" as const, shape: [], dtype: "float32" as const, value: 0, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null, range: { line: i + 1, column: 1 } }));
      s.nodes = Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, name: "A", kind: "function" as const, sequenceNr: i, tensor: null, inputs: ["self"], formulas: ["f"], saved: [{ name: "self", scalar: 1 }], released: false }));
      s.program = { leaves: {}, constants: {}, ops: Array.from({ length: 50 }, (_, i) => ({ node: `n${i}`, op: "A", inputs: [], attrs: {}, out: `t${i}`, line: 1 })) };
      return s;
    };
    const cases: Array<[string, (s: SnapshotWire) => void, string]> = [
      ["a range's column", (s) => ((s.tensors[37]!.range as { column: unknown }).column = "one"), "snapshot.tensors[37].range.column: must be a number, not string"],
      ["a node's input", (s) => ((s.nodes[41]!.inputs as unknown[])[0] = 7), "snapshot.nodes[41].inputs[0]: must be text, not number"],
      ["a saved value's name", (s) => ((s.nodes[3]!.saved[0] as { name: unknown }).name = null), "snapshot.nodes[3].saved[0].name: must be text, not null"],
      ["a program op's line", (s) => ((s.program!.ops[44] as { line: unknown }).line = -1), "snapshot.program.ops[44].line: -1 is out of range [0, 9007199254740991]"],
      ["a dangling gradFn", (s) => (s.tensors[12]!.gradFn = "n99"), 'snapshot.tensors[12].gradFn: refers to a node that is not in the snapshot ("n99")'],
    ];
    for (const [what, spoil, error] of cases) {
      const s = many();
      spoil(s);
      expect(checkSnapshot(plain(s)), what).toEqual({ ok: false, error });
      // The parent's way: its own freshly parsed message, let go entry by entry as it is checked.
      expect(() => validateSnapshot(plain(s), { consume: true }), what).toThrow(error);
    }
    // Nothing wrong: the same snapshot back, entry for entry.
    const ok = validateSnapshot(plain(many()), { consume: true });
    expect(ok.tensors.map((t) => t.range?.line)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(ok.program?.ops).toHaveLength(50);
    // Repair mode still describes what it can (a function as a label) deep in a list, and names what it cannot.
    const r = many() as unknown as { tensors: Array<Record<string, unknown>> };
    r.tensors[30]!["label"] = function sneaky() {};
    expect(checkSnapshot(r, { repair: true })).toMatchObject({ ok: true, snapshot: { tensors: expect.arrayContaining([expect.objectContaining({ id: "t30", label: "[function sneaky]" })]) } });
  });

  it("repair mode flattens a shape that disagrees with the values; strict mode refuses it", () => {
    const s = tiny();
    s.values = [{ shape: [3], dtype: "float32", count: 3, data: encodeValues([1, 2, 3], "float32") }];
    s.tensors = [{ id: "t1", label: "x", kind: "leaf", shape: [1e9, 1], dtype: "float32", value: 0, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null }];
    expect(() => validateSnapshot(s)).toThrow(/has 1000000000 elements, but numel is 3/);
    const r = validateSnapshot(s, { repair: true });
    expect(r.tensors[0]!.shape).toEqual([3]);
    expect(r.tensors[0]!.value.shape).toEqual([3]);
    expect(r.tensors[0]!.value.values).toEqual([1, 2, 3]);
  });

  it("getters that throw and Proxies are errors, not exceptions", () => {
    const s = tiny() as unknown as Record<string, unknown>;
    Object.defineProperty(s, "console", { get: () => { throw new Error("boom"); }, enumerable: true });
    expect(checkSnapshot(s)).toEqual({ ok: false, error: "snapshot.console: cannot be read" });
    const p = new Proxy(tiny(), { ownKeys: () => { throw new Error("trap"); } });
    expect(checkSnapshot(p).ok).toBe(true); // only known fields are read, through hasOwnProperty
  });

  it("refuses duplicate ids, dangling references, unknown enums and absurd nesting", () => {
    const s = tiny();
    s.nodes = [
      { id: "n1", name: "A", kind: "function", sequenceNr: 0, tensor: null, inputs: [], formulas: [], saved: [], released: false },
      { id: "n1", name: "B", kind: "function", sequenceNr: 1, tensor: null, inputs: [], formulas: [], saved: [], released: false },
    ];
    expect(checkSnapshot(s)).toEqual({ ok: false, error: 'snapshot.nodes[1].id: "n1" is used twice' });
    const e = tiny();
    e.console = [{ level: "shout" as "log", text: "x" }];
    expect(checkSnapshot(e)).toMatchObject({ ok: false, error: expect.stringMatching(/console\[0\]\.level: must be one of/) });
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const d = tiny();
    d.program = { leaves: {}, constants: {}, ops: [{ node: "n1", op: "X", inputs: [], attrs: { deep }, out: "t1" }] };
    expect(checkSnapshot(d)).toMatchObject({ ok: false, error: expect.stringMatching(/nested deeper than 16/) });
    // A "__proto__" key in parsed JSON stays an own key of the checked copy (never its prototype).
    const proto = tiny();
    proto.program = JSON.parse('{"leaves": {}, "constants": {}, "ops": [{"node": "n1", "op": "X", "inputs": [], "attrs": {"__proto__": {"polluted": 1}, "dim": 0}, "out": "t1"}]}') as typeof proto.program;
    const checked = checkSnapshot(proto);
    expect(checked.ok).toBe(true);
    const attrs = (checked as { snapshot: { program: { ops: Array<{ attrs: Record<string, unknown> }> } } }).snapshot.program.ops[0]!.attrs;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(["__proto__", "dim"]);
    expect((attrs as { polluted?: number }).polluted).toBeUndefined();
    // Modules (hovers): a parameter pointing at no tensor, a missing position, too many of them.
    const m = tiny();
    const mod = { name: "model", type: "Linear", boundAt: { line: 1, column: 7 }, paramCount: 1, valueCount: 3, params: [{ name: "weight", shape: [3], gradNorm: null, tensor: "t9" }] };
    m.modules = [mod];
    expect(checkSnapshot(m)).toEqual({ ok: false, error: 'snapshot.modules[0].params[0].tensor: "t9" is not a tensor of this snapshot' });
    m.modules = [{ ...mod, params: [{ name: "weight", shape: [3], gradNorm: 0.5 }] }];
    expect(checkSnapshot(m)).toMatchObject({ ok: true });
    m.modules = [{ ...mod, boundAt: undefined as unknown as typeof mod.boundAt }];
    expect(checkSnapshot(m)).toMatchObject({ ok: false, error: expect.stringMatching(/modules\[0\]\.boundAt/) });
    m.modules = Array.from({ length: 65 }, () => ({ ...mod, params: [] }));
    expect(checkSnapshot(m)).toMatchObject({ ok: false, error: expect.stringMatching(/^snapshot\.modules/) });
  });
});

describe("id references: every id a field names exists (one validator for the parent, the page and the child)", () => {
  const entry = { shape: [1], dtype: "bool" as const, count: 1, data: encodeValues([1], "bool") };
  function graph(): SnapshotWire {
    const s = tiny();
    s.values = [entry];
    s.tensors = [{ id: "t1", label: "m", kind: "output", shape: [1], dtype: "bool", value: 0, grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n1" }];
    s.nodes = [{ id: "n1", name: "A", kind: "function", sequenceNr: 0, tensor: "t1", inputs: [], formulas: [], saved: [{ name: "self", tensor: "t1", value: 0 }], released: false }];
    s.backward = [{ index: 0, kind: "backward", roots: ["t1"], steps: [{ index: 0, node: "n1", gradIn: 0, gradsOut: [{ index: 0, to: "n1", grad: null }], leaf: "t1" }], stepsTruncated: false }];
    s.output = "t1";
    return s;
  }
  it("a consistent graph with a bool tensor passes", () => {
    expect(checkSnapshot(graph()).ok).toBe(true);
  });
  const cases: Array<[string, (s: SnapshotWire) => void, RegExp]> = [
    ["a tensor's gradFn", (s) => (s.tensors[0]!.gradFn = "n9"), /^snapshot\.tensors\[0\]\.gradFn: refers to a node that is not in the snapshot \("n9"\)/],
    ["a node's tensor", (s) => (s.nodes[0]!.tensor = "t9"), /^snapshot\.nodes\[0\]\.tensor: refers to a tensor/],
    ["a saved tensor", (s) => (s.nodes[0]!.saved[0]!.tensor = "t9"), /^snapshot\.nodes\[0\]\.saved\[0\]\.tensor: refers to a tensor/],
    ["a backward root", (s) => (s.backward[0]!.roots[0] = "t9"), /^snapshot\.backward\[0\]\.roots\[0\]: refers to a tensor/],
    ["a step's leaf", (s) => (s.backward[0]!.steps[0]!.leaf = "t9"), /^snapshot\.backward\[0\]\.steps\[0\]\.leaf: refers to a tensor/],
    ["a gradient's target", (s) => (s.backward[0]!.steps[0]!.gradsOut[0]!.to = "n9"), /gradsOut\[0\]\.to: refers to a node/],
    ["the output", (s) => (s.output = "t9"), /^snapshot\.output: refers to a tensor/],
  ];
  it.each(cases)("a dangling reference in %s is named (strict), dropped when optional (repair)", (_name, spoil, message) => {
    const s = graph();
    spoil(s);
    expect(checkSnapshot(s)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    expect(checkSnapshot(s, { repair: true }).ok).toBe(true);
  });
});

describe("hostile value tables: a clear error naming the entry, never a crash", () => {
  const withValue = (entry: unknown, ref: unknown = 0): unknown => {
    const s = tiny() as unknown as Record<string, unknown>;
    s["values"] = [entry];
    s["tensors"] = [{ id: "t1", label: "x", kind: "leaf", shape: [3], dtype: "float32", value: ref, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null }];
    return s;
  };
  const good = { shape: [3], dtype: "float32", count: 3, data: encodeValues([1, NaN, -Infinity], "float32") };

  it("a good entry decodes (NaN and -Infinity as the strings consumers read)", () => {
    const r = checkSnapshot(withValue(good));
    expect(r.ok && r.snapshot.tensors[0]!.value).toEqual({ shape: [3], dtype: "float32", numel: 3, values: [1, "NaN", "-Infinity"], truncated: false });
  });

  it.each<[string, unknown, RegExp]>([
    ["wrong base64 characters", { ...good, data: "AAA*" + good.data.slice(4) }, /^snapshot\.values\[0\]\.data: is not base64/],
    ["too short for its count", { ...good, data: good.data.slice(0, 8) }, /^snapshot\.values\[0\]\.data: has 8 base64 characters, but 3 float32 values take 16$/],
    ["too long for its count", { ...good, data: good.data + "AAAA" }, /has 20 base64 characters, but 3 float32 values take 16/],
    ["a count past numel", { ...good, count: 4 }, /^snapshot\.values\[0\]\.count: 4 is out of range \[0, 3\]$/],
    ["data that is not text", { ...good, data: [1, 2, 3] }, /^snapshot\.values\[0\]\.data: must be base64 text, not an array$/],
    ["an unknown dtype", { ...good, dtype: "complex64" }, /^snapshot\.values\[0\]\.dtype: must be one of/],
    ["stats that are not five numbers", { ...good, stats: [1, 2] }, /^snapshot\.values\[0\]\.stats: must be \[min, max, mean, nanCount, infCount\]/],
    ["non-finite stats", { ...good, stats: [1, 2, "x", 0, 0] }, /^snapshot\.values\[0\]\.stats\[2\]: must be a number/],
  ])("%s", (_name, entry, message) => {
    const r = checkSnapshot(entry === undefined ? tiny() : withValue(entry));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it("references out of the table, negative, fractional or of the wrong type", () => {
    expect(checkSnapshot(withValue(good, 1))).toEqual({ ok: false, error: "snapshot.tensors[0].value: 1 is out of range [0, 0]" });
    expect(checkSnapshot(withValue(good, -1))).toEqual({ ok: false, error: "snapshot.tensors[0].value: -1 is out of range [0, 0]" });
    expect(checkSnapshot(withValue(good, 0.5))).toEqual({ ok: false, error: "snapshot.tensors[0].value: 0.5 is out of range [0, 0]" });
    const two = withValue(good, 0.5) as { values: unknown[] };
    two.values.push(good);
    expect(checkSnapshot(two)).toEqual({ ok: false, error: "snapshot.tensors[0].value: must be a whole number, not 0.5" });
    expect(checkSnapshot(withValue(good, { shape: [3] }))).toEqual({ ok: false, error: "snapshot.tensors[0].value: must be an index into snapshot.values, not an object" });
  });

  it("a version 1 snapshot (values as JSON lists) is refused with a clear message", () => {
    const r = checkSnapshot({ ...tiny(), version: 1 });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^snapshot\.version: version 1 is not one this Autograd Lens reads \(it reads version 2\) \(version 1 carried values as JSON number lists/) });
  });
});

describe("precheckEntry (the parent's check of each entry of a large message as it arrives)", () => {
  it("names the field of a wrong entry, and returns the checked copy of a right one", async () => {
    const { precheckEntry } = await import("../../shared/validate-items");
    const node = (i: number) => ({ id: `n${i}`, name: "A", kind: "function", sequenceNr: i, tensor: null, inputs: ["self"], formulas: [], saved: [], released: false });
    const into: unknown[] = [];
    for (let i = 0; i < 5; i++) into.push(precheckEntry("nodes", i, node(i), into));
    expect(into[4]).toEqual(node(4));
    expect(() => precheckEntry("nodes", 5, { ...node(5), released: "no" }, into)).toThrow("snapshot.nodes[5].released: must be true or false, not string");
    expect(() => precheckEntry("nodes", 6, { ...node(6), inputs: ["self", 3] }, into)).toThrow("snapshot.nodes[6].inputs[1]: must be text, not number");
  });
});
