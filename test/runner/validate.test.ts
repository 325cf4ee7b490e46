// The one validator (shared/validate.ts): real snapshots pass through it unchanged (so a field added
// to the protocol without being added to the validator fails here, instead of being dropped in the
// parent), and hostile ones are refused (strict) or described (repair) with the field named.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";
import { checkSnapshot, TRUNCATION_MARK, validateSnapshot } from "../../shared/validate";

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
    expect(validateSnapshot(s)).toEqual(s);
  });
});

function tiny(): GraphSnapshot {
  return {
    version: 1, file: "/x.ts", language: "typescript", tracedAt: "t", durationMs: 1,
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
    const t = { id: "t1", name: () => 1, label: "x", kind: "leaf", shape: [2], dtype: "float32", value: { shape: [2], dtype: "float32", numel: 2, values: [1, 2], truncated: false }, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null };
    s["tensors"] = [t];
    expect(checkSnapshot(s)).toEqual({ ok: false, error: "snapshot.tensors[0].name: must be text, not function" });
    const r = checkSnapshot(s, { repair: true });
    expect(r.ok && r.snapshot.tensors[0]!.name).toBe("[function name]");
  });

  it("repair mode flattens a shape that disagrees with the values; strict mode refuses it", () => {
    const s = tiny();
    s.tensors = [{ id: "t1", label: "x", kind: "leaf", shape: [1e9, 1], dtype: "float32", value: { shape: [1e9, 1], dtype: "float32", numel: 3, values: [1, 2, 3], truncated: false }, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null }];
    expect(() => validateSnapshot(s)).toThrow(/has 1000000000 elements, but numel is 3/);
    const r = validateSnapshot(s, { repair: true });
    expect(r.tensors[0]!.shape).toEqual([3]);
    expect(r.tensors[0]!.value.shape).toEqual([3]);
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
  });
});
