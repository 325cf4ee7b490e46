// End-to-end runner tests: snippet text → sandboxed run → GraphSnapshot (built dist/ required:
// `npm test` builds before vitest runs).
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot, TensorInfo } from "../../shared/protocol";

const dist = path.resolve("dist");
const runner = new SnippetRunner({ distDir: dist });
afterAll(() => runner.dispose());

const run = (source: string, opts: { language?: "typescript" | "javascript"; fileName?: string; limits?: Record<string, number> } = {}) =>
  runner.run({ source, language: opts.language ?? "typescript", fileName: opts.fileName ?? "/snippets/test.ts", limits: opts.limits });

const byName = (s: GraphSnapshot, name: string): TensorInfo => {
  const t = s.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor named ${name}; have ${s.tensors.map((x) => x.label).join(", ")}`);
  return t;
};
const num = (v: TensorInfo["value"] | null | undefined): number => {
  const x = v?.values[0];
  if (typeof x !== "number") throw new Error(`not a number: ${JSON.stringify(v)}`);
  return x;
};
const textbook = fs.readFileSync("examples/autograd-basics.ts", "utf8");

describe("the textbook example", () => {
  it("gives x1…x7 with values, grads, kinds and the lines they were made on", async () => {
    const s = await run(textbook, { fileName: path.resolve("examples/autograd-basics.ts") });
    expect(s.error).toBeUndefined();
    expect(s.version).toBe(2);
    const lines = textbook.split("\n");
    const lineOf = (decl: string) => lines.findIndex((l) => l.includes(decl)) + 1;
    for (const [name, value, grad] of [
      ["x1", 2, 0.8], ["x2", 2, 0.8], ["x3", 4, 0.2], ["x4", 4, 0.2], ["x5", 0.8, 1], ["x6", 0.8, 1], ["x7", -3.4, 1],
    ] as const) {
      const t = byName(s, name);
      expect(num(t.value)).toBeCloseTo(value, 5);
      if (name === "x7") {
        // x7 is a non-leaf without retainGrad: torch keeps no grad, and the snapshot says why.
        expect(t.grad).toBeNull();
        expect(t.gradNote).toMatch(/retainGrad/);
      } else {
        expect(num(t.grad)).toBeCloseTo(grad, 5);
      }
      expect(t.boundAt?.line).toBe(lineOf(`const ${name} =`));
      expect(t.range?.line).toBe(lineOf(`const ${name} =`));
    }
    expect(byName(s, "x1").kind).toBe("leaf");
    expect(byName(s, "x3").kind).toBe("intermediate");
    expect(byName(s, "x7").kind).toBe("output");
    expect(s.output).toBe(byName(s, "x7").id);
    // x7 = x5.add(x6).sub(5): the add in between is unnamed and labelled by op and line.
    const add = s.tensors.find((t) => t.label === `add @ L${lineOf("const x7 =")}`);
    expect(add).toBeDefined();
  });

  it("has eight grad_fn nodes incl. two AccumulateGrad, edges in order, formulas and one backward call of eight steps", async () => {
    const s = await run(textbook);
    const names = s.nodes.map((n) => n.name).sort();
    expect(names).toEqual(["AccumulateGrad", "AccumulateGrad", "AddBackward0", "MulBackward1", "MulBackward1", "PowBackward0", "PowBackward0", "SubBackward1"]);
    const node = (id: string | null) => s.nodes.find((n) => n.id === id)!;
    const x7 = byName(s, "x7");
    const sub = node(x7.gradFn);
    expect(sub.name).toBe("SubBackward1");
    const add = s.edges.filter((e) => e.from === sub.id);
    expect(add).toHaveLength(1);
    const addEdges = s.edges.filter((e) => e.from === add[0]!.to);
    expect(addEdges.map((e) => e.index)).toEqual([0, 1]);
    expect(addEdges.map((e) => node(e.to).id)).toEqual([byName(s, "x5").gradFn, byName(s, "x6").gradFn]);
    const pow = node(byName(s, "x3").gradFn);
    expect(pow.formulas).toEqual(["grad · 2 · self"]);
    expect(pow.released).toBe(true); // backward without retainGraph freed it
    const acc = s.nodes.filter((n) => n.kind === "accumulate");
    expect(acc.map((n) => n.tensor).sort()).toEqual([byName(s, "x1").id, byName(s, "x2").id].sort());
    expect(s.backward).toHaveLength(1);
    const call = s.backward[0]!;
    expect(call.loss).toBeCloseTo(-3.4, 5);
    expect(call.range?.line).toBe(textbook.split("\n").findIndex((l) => l.includes("x7.backward()")) + 1);
    expect(call.steps.map((st) => node(st.node).name)).toEqual([
      "SubBackward1", "AddBackward0", "MulBackward1", "PowBackward0", "AccumulateGrad", "MulBackward1", "PowBackward0", "AccumulateGrad",
    ]);
    expect(call.steps[4]!.leaf).toBe(byName(s, "x2").id);
    expect(num(call.steps[4]!.gradAfter)).toBeCloseTo(0.8, 5);
    expect(num(call.steps[2]!.gradsOut[0]!.grad)).toBeCloseTo(0.2, 5);
    expect(s.console.map((c) => c.text)[0]).toBe("torch_tensor\n-3.4000\n[ CPUFloatType{} ][ grad_fn = <SubBackward1> ]");
    expect(s.console[0]!.range?.line).toBe(textbook.split("\n").findIndex((l) => l.includes("console.log(x7.toString())")) + 1);
  });

  it("reports the non-leaf .grad warning on the line that reads .grad", async () => {
    const src = `import { torch } from "autograd-lens";
const x = torch.tensor(2, { requiresGrad: true });
const y = x.mul(3);
y.backward();
const g = y.grad;
console.log(g === undefined);
`;
    const s = await run(src);
    expect(s.error).toBeUndefined();
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]!.message).toMatch(/not a leaf Tensor/);
    expect(s.warnings[0]!.range?.line).toBe(5);
    expect(s.console[0]!.text).toBe("true");
  });
});

describe("names", () => {
  it("binds const/let/var, assignment, destructuring and this.w", async () => {
    const src = `import { torch } from "autograd-lens";
const a = torch.tensor([1, 2], { requiresGrad: true });
let b = a.mul(2);
var c = b.sum();
let d;
d = a.exp();
const [e, f] = [a.sin(), a.cos()];
const { values: m, indices } = a.max(0, false);
class Net { w: unknown; constructor() { this.w = a.neg(); } }
new Net();
const plain = torch.ones(2);
`;
    const s = await run(src);
    expect(s.error).toBeUndefined();
    for (const n of ["a", "b", "c", "d", "e", "f", "m", "w"]) expect(byName(s, n)).toBeDefined();
    expect(byName(s, "b").boundAt).toEqual({ line: 3, column: 5 });
    expect(byName(s, "e").boundAt?.line).toBe(7);
    expect(byName(s, "plain").kind).toBe("constant");
    expect(s.tensors.find((t) => t.name === "indices")?.kind ?? "constant").toBe("constant");
  });
});

describe("errors land on the right line and column", () => {
  it("syntax error in TypeScript with annotations", async () => {
    const s = await run(`import { torch } from "autograd-lens";\nconst x: number = 1;\nconst y: number = (x + ;\n`);
    expect(s.error?.kind).toBe("syntax");
    expect(s.error?.range).toMatchObject({ line: 3, column: 24 });
  });

  it("runtime shape error from the engine, in TS with types, with the graph recorded before it", async () => {
    const src = `import { torch } from "autograd-lens";
type T = ReturnType<typeof torch.ones>;
const a: T = torch.ones([2, 3], { requiresGrad: true });
const b: T = a.mul(2);
const c: T = torch.ones(2, 4);
const d: T = b.add(c);
`;
    const s = await run(src);
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.message).toMatch(/add: The size of tensor a \(3\) must match the size of tensor b \(4\)/);
    expect(s.error?.range).toMatchObject({ line: 6, column: 16 });
    expect(byName(s, "b").gradFn).not.toBeNull();
  });

  it("a backward error names the op and the line of backward()", async () => {
    const src = `import { torch } from "autograd-lens";
const x = torch.tensor(2, { requiresGrad: true });
const y = x.square();
y.backward();
y.backward();
`;
    const s = await run(src);
    expect(s.error?.message).toMatch(/PowBackward0: Trying to backward through the graph a second time/);
    expect(s.error?.range?.line).toBe(5);
    expect(s.backward).toHaveLength(2);
    expect(s.backward[1]!.error).toMatch(/second time/);
  });
});

describe("training loops and caps", () => {
  it("records each backward call's loss and steps, with a cap on recorded steps per call (the latest calls keep theirs)", async () => {
    const src = `import { torch } from "autograd-lens";
torch.manualSeed(0);
const w = torch.tensor([0.5, -0.3], { requiresGrad: true });
const X = torch.tensor([[1, 2], [3, 4], [5, 6]]);
const y = torch.tensor([1, 2, 3]);
const opt = new torch.optim.SGD([w], { lr: 0.01 });
for (let i = 0; i < 30; i++) {
  opt.zeroGrad();
  const loss = torch.nn.functional.mseLoss(X.matmul(w), y);
  loss.backward();
  opt.step();
}
`;
    const s = await run(src, { limits: { stepCap: 6 } });
    expect(s.error).toBeUndefined();
    expect(s.backward).toHaveLength(30);
    const losses = s.backward.map((c) => c.loss!);
    expect(losses[29]!).toBeLessThan(losses[0]!);
    // Each call's backward runs a handful of nodes, under the per-call cap: every call is whole
    // (earlier calls keep their steps up to EARLIER_STEPS in all, with sampled values).
    const per = s.backward[29]!.steps.length;
    expect(per).toBeGreaterThan(1);
    expect(per).toBeLessThanOrEqual(6);
    expect(s.backward[29]!.stepsTruncated).toBe(false);
    for (const c of s.backward) expect(c.steps.length).toBe(per);
    const tight = await run(src, { limits: { stepCap: 2 } });
    expect(tight.backward.every((c) => c.steps.length === 2 && c.stepsTruncated)).toBe(true);
  });

  it("stops recording at the node cap and says so, while the snippet runs on", async () => {
    const src = `import { torch } from "autograd-lens";
let x = torch.tensor(1, { requiresGrad: true });
let y = x;
for (let i = 0; i < 500; i++) y = y.mul(1.001);
console.log(y.item().toFixed(4));
`;
    const s = await run(src, { limits: { nodeCap: 100 } });
    expect(s.error).toBeUndefined();
    expect(s.nodesTruncated).toBe(true);
    expect(s.nodes.filter((n) => n.kind === "function").length).toBe(100);
    expect(s.console[0]!.text).toBe((1.001 ** 500).toFixed(4));
  });
});

describe("command line", () => {
  it("trace prints the console output and a summary, writes JSON and DOT", () => {
    const out = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "lens-cli-"));
    const stdout = execFileSync("node", ["dist/cli.js", "trace", "examples/autograd-basics.ts", "--json", `${out}/s.json`, "--dot", `${out}/g.dot`], {
      encoding: "utf8",
    });
    expect(stdout).toContain("-3.4000");
    expect(stdout).toMatch(/8 grad_fn nodes \(2 AccumulateGrad\)/);
    const snap = JSON.parse(fs.readFileSync(`${out}/s.json`, "utf8")) as GraphSnapshot;
    expect(snap.tensors.some((t) => t.name === "x7")).toBe(true);
    const dot = fs.readFileSync(`${out}/g.dot`, "utf8");
    expect(dot).toMatch(/^digraph autograd \{/);
    expect(dot).toContain('label="PowBackward0"');
  });

  it("exits non-zero with FILE:line:col when the snippet fails", () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "lens-cli-"));
    const file = path.join(dir, "bad.ts");
    fs.writeFileSync(file, `import { torch } from "autograd-lens";\nconst a = torch.ones(2);\nconst b = a.mm(a);\n`);
    const r = spawnSync("node", ["dist/cli.js", "trace", file], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:\\d+: error: .*mm: self must be a matrix`));
  });
});
