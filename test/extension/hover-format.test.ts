import { beforeAll, describe, expect, it } from "vitest";
import { findHoverTarget, hoverMarkdown, moduleHoverMarkdown, nodeHoverMarkdown, tensorHoverMarkdown, type HoverTarget } from "../../extension/hover-format";
import { codeSpan, commandUri, escapeMarkdown } from "../../extension/markdown";
import type { GraphSnapshot, TensorInfo } from "../../shared/protocol";
import { columnOf, lineOf, textbook, trace } from "./helpers";

let s: GraphSnapshot;
beforeAll(async () => {
  s = await trace(textbook, "/snippets/autograd-basics.ts");
  expect(s.error).toBeUndefined();
});

const at = (lineText: string, word: string, nth = 1, objectName?: string) => {
  const line = lineOf(textbook, lineText);
  return { line, column: columnOf(textbook, line, word, nth), word, ...(objectName ? { objectName } : {}) };
};
const tensorOf = (t: HoverTarget | undefined): TensorInfo | undefined => (t?.kind === "tensor" ? t.tensor : undefined);

describe("findHoverTarget", () => {
  it("finds a tensor where its name is bound and where it is used", () => {
    expect(tensorOf(findHoverTarget(s, at("const x3 = x1.square()", "x3")))?.name).toBe("x3");
    expect(tensorOf(findHoverTarget(s, at("const x3 = x1.square()", "x1")))?.name).toBe("x1");
    expect(tensorOf(findHoverTarget(s, at("x3.retainGrad()", "x3")))?.name).toBe("x3");
    expect(tensorOf(findHoverTarget(s, at("x7.backward()", "x7")))?.name).toBe("x7");
  });

  it("finds the grad_fn a call made, with its result", () => {
    const t = findHoverTarget(s, at("const x3 = x1.square()", "square"));
    expect(t?.kind).toBe("node");
    if (t?.kind !== "node") return;
    expect(t.node.name).toBe("PowBackward0");
    expect(t.tensor?.name).toBe("x3");
    const add = findHoverTarget(s, at("const x7 = x5.add(x6).sub(5)", "add"));
    const sub = findHoverTarget(s, at("const x7 = x5.add(x6).sub(5)", "sub"));
    expect(add?.kind === "node" && add.node.name).toBe("AddBackward0");
    expect(sub?.kind === "node" && sub.node.name).toBe("SubBackward1");
  });

  it("finds the leaf a creation call made", () => {
    const t = findHoverTarget(s, at("const x1 = torch.tensor(2", "tensor"));
    expect(tensorOf(t)?.name).toBe("x1");
  });

  it("describes the object of a property access (x1.grad)", () => {
    const t = findHoverTarget(s, at("console.log(x1.grad", "grad", 1, "x1"));
    expect(tensorOf(t)?.name).toBe("x1");
  });

  it("finds nothing for words that are no tensor", () => {
    expect(findHoverTarget(s, at("console.log(x7.toString())", "console"))).toBeUndefined();
    expect(findHoverTarget(s, at("const x1 = torch.tensor(2", "torch"))).toBeUndefined();
  });

  it("picks the closest binding above for a name bound several times, and counts loop runs", async () => {
    const src = [
      'import { torch } from "autograd-lens";',
      "const w = torch.tensor(1, { requiresGrad: true });",
      "let y = w.mul(2);",
      "for (let i = 0; i < 3; i++) {",
      "  const z = w.mul(i);",
      "  z.backward();",
      "}",
      "console.log(y.item());",
    ].join("\n");
    const snap = await trace(src);
    const z = findHoverTarget(snap, { line: 5, column: 9, word: "z" });
    expect(z?.kind).toBe("tensor");
    expect(z?.count).toBe(3);
    expect(tensorOf(z)?.value.values[0]).toBe(2); // the last run: i = 2
    const mul = findHoverTarget(snap, { line: 5, column: 15, word: "mul" });
    expect(mul?.kind === "node" && mul.count).toBe(3);
    expect(tensorOf(findHoverTarget(snap, { line: 8, column: 13, word: "y" }))?.value.values[0]).toBe(2);
  });
});

describe("hover Markdown", () => {
  it("shows x3's value, kept grad, grad_fn and formula, and a link that opens the graph", () => {
    const x3 = s.tensors.find((t) => t.name === "x3")!;
    const md = tensorHoverMarkdown(s, x3, { documentUri: "file:///snippets/autograd-basics.ts" });
    expect(md).toContain("**`x3`** · intermediate tensor · `float32` · shape `[] (scalar)`");
    expect(md).toContain("**value** `4`");
    expect(md).toContain("**grad** `0.2` (kept by retainGrad())");
    expect(md).toContain("**grad_fn** `PowBackward0` — `grad · 2 · self`");
    const link = commandUri("autogradLens.showNode", ["file:///snippets/autograd-basics.ts", x3.id]);
    expect(md).toContain(`[Open in graph](${link} `);
    expect(decodeURIComponent(link.split("?")[1]!)).toBe(JSON.stringify(["file:///snippets/autograd-basics.ts", x3.id]));
  });

  it("explains a missing grad (non-leaf without retainGrad) and describes leaves", () => {
    const x7 = s.tensors.find((t) => t.name === "x7")!;
    const md = tensorHoverMarkdown(s, x7);
    expect(md).toMatch(/\*\*grad\*\* none — not kept: a non\\-leaf tensor's gradient is freed after backward unless you call retainGrad\\\(\\\) on it/);
    expect(md).not.toContain("Open in graph");
    const x1 = s.tensors.find((t) => t.name === "x1")!;
    const leaf = tensorHoverMarkdown(s, x1);
    expect(leaf).toContain("leaf tensor");
    expect(leaf).toContain("**grad** `0.8`");
    expect(leaf).toContain("AccumulateGrad");
  });

  it("describes a grad_fn: formulas per input, saved values, result and its grad", () => {
    const add = s.nodes.find((n) => n.name === "AddBackward0")!;
    const md = nodeHoverMarkdown(s, add, s.tensors.find((t) => t.id === add.tensor));
    expect(md).toContain("**`AddBackward0`** · grad_fn of `add @ L18`");
    expect(md).toContain("self: `grad` · other: `grad`");
    expect(md).toContain("**result** `add @ L18` = `1.6`");
    const pow = s.nodes.find((n) => n.name === "PowBackward0")!;
    const powMd = nodeHoverMarkdown(s, pow, s.tensors.find((t) => t.id === pow.tensor));
    expect(powMd).toContain("**saved tensors** freed by backward()");
    const mul = s.nodes.find((n) => n.name === "MulBackward1")!;
    expect(nodeHoverMarkdown(s, mul, undefined)).toContain("**saved** other = `0.2`");
  });

  it("says when the values are from an earlier version of the text", () => {
    const x3 = s.tensors.find((t) => t.name === "x3")!;
    const target: HoverTarget = { kind: "tensor", tensor: x3, count: 1 };
    expect(hoverMarkdown(s, target, { stale: true, rerunning: true })).toContain("earlier version of this file; running it again");
    expect(hoverMarkdown(s, target, { stale: true })).toContain("earlier version of this file: run Autograd Lens: Show Graph");
    expect(hoverMarkdown(s, target, { stale: true, unparsable: true })).toContain("does not parse right now");
    expect(hoverMarkdown(s, target, {})).not.toContain("earlier version");
  });

  it("escapes user text: names and notes never become markup or links", () => {
    const x3 = s.tensors.find((t) => t.name === "x3")!;
    const evil: TensorInfo = { ...x3, name: "a`b", grad: null, gradNote: "[click](command:workbench.action.quit) <img src=x> **bold**" };
    const md = tensorHoverMarkdown(s, evil);
    expect(md).toContain("**``a`b``**");
    expect(md).not.toContain("[click](");
    expect(md).toContain("\\[click\\]\\(command:workbench\\.action\\.quit\\) \\<img src=x\\> \\*\\*bold\\*\\*");
  });
});

describe("hovering a module", () => {
  const source = `import { torch } from "autograd-lens";
const nn = torch.nn;
torch.manualSeed(0);
const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1));
const lossFn = new nn.MSELoss();
const x = torch.randn(8, 3);
const loss = lossFn(model(x), torch.zeros(8, 1));
loss.backward();
const layer = model[0] as InstanceType<typeof nn.Linear>;
`;
  let m: GraphSnapshot;
  beforeAll(async () => {
    m = await trace(source, "/snippets/module.ts");
    expect(m.error).toBeUndefined();
  });
  const q = (lineText: string, word: string) => {
    const line = lineOf(source, lineText);
    return { line, column: columnOf(source, line, word), word };
  };

  it("shows its class and each parameter's shape and gradient norm (PyTorch's numbers for ‖grad‖)", () => {
    const t = findHoverTarget(m, q("const loss = lossFn(model(x)", "model"));
    expect(t?.kind).toBe("module");
    if (t?.kind !== "module") return;
    expect(t.module).toMatchObject({ name: "model", type: "Sequential", paramCount: 4, valueCount: 3 * 4 + 4 + 4 + 1 });
    expect(t.module.params.map((p) => [p.name, p.shape])).toEqual([["0.weight", [4, 3]], ["0.bias", [4]], ["2.weight", [1, 4]], ["2.bias", [1]]]);
    // Each norm is the norm of that parameter's grad in the snapshot.
    for (const p of t.module.params) {
      const tensor = m.tensors.find((x) => x.id === p.tensor)!;
      const g = tensor.grad!.values;
      expect(p.gradNorm).toBeCloseTo(Math.sqrt(g.reduce<number>((a, v) => a + Number(v) ** 2, 0)), 6);
    }
    const md = hoverMarkdown(m, t);
    expect(md).toContain("**`model`** · `Sequential` module · 4 parameters, 21 values");
    expect(md).toContain("| `0.weight` | `[4×3]` |");
    // The loss module has none; the layer taken out of the Sequential is a Linear with the same tensors.
    const loss = findHoverTarget(m, q("const loss = lossFn(", "lossFn"));
    expect(loss?.kind === "module" && moduleHoverMarkdown(loss.module)).toContain("_No parameters._");
    const layer = findHoverTarget(m, q("const layer = model[0]", "layer"));
    expect(layer?.kind === "module" && layer.module.type).toBe("Linear");
    expect(layer?.kind === "module" && layer.module.params[0]!.tensor).toBe(t.module.params[0]!.tensor);
  });

  it("a tensor named like nothing else still wins over modules, and a module name never matches a tensor", () => {
    expect(findHoverTarget(m, q("const loss = lossFn(model(x)", "loss"))?.kind).toBe("tensor");
    expect(findHoverTarget(m, q("const x = torch.randn", "x"))?.kind).toBe("tensor");
  });
});

describe("markdown helpers", () => {
  it("fences code spans around backticks", () => {
    expect(codeSpan("x")).toBe("`x`");
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("two\nlines")).toBe("`two lines`");
  });
  it("escapes Markdown punctuation", () => {
    expect(escapeMarkdown("*a* _b_ [c](d) #e")).toBe("\\*a\\* \\_b\\_ \\[c\\]\\(d\\) \\#e");
  });
});
