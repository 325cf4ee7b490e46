import { describe, expect, it } from "vitest";
import { snapshotProblems, toProblemRange } from "../../extension/problems";
import { linesOf, textbook, trace } from "./helpers";

const NON_LEAF_GRAD = [
  'import { torch } from "autograd-lens";',
  "const a = torch.tensor([1, 2, 3], { requiresGrad: true });",
  "const b = a.mul(2).sum();",
  "b.backward();",
  "console.log(b.grad);",
].join("\n");

describe("snapshotProblems", () => {
  it("gives nothing for a good run (which is how squiggles clear)", async () => {
    const s = await trace(textbook);
    expect(snapshotProblems(s, linesOf(textbook))).toEqual([]);
  });

  it("puts the non-leaf .grad warning on the `grad` of the line that reads it", async () => {
    const s = await trace(NON_LEAF_GRAD);
    const problems = snapshotProblems(s, linesOf(NON_LEAF_GRAD));
    expect(problems).toHaveLength(1);
    const [w] = problems;
    expect(w!.severity).toBe("warning");
    expect(w!.code).toBe("torch-warning");
    expect(w!.message).toContain("is not a leaf Tensor is being accessed");
    // line 5 (0-based 4): console.log(b.grad) — the squiggle covers `grad`
    expect(w!.range).toEqual({ startLine: 4, startCharacter: 14, endLine: 4, endCharacter: 18 });
    expect(NON_LEAF_GRAD.split("\n")[4]!.slice(14, 18)).toBe("grad");
  });

  it("puts a runtime error on the op that failed, with torch's message", async () => {
    const src = `${NON_LEAF_GRAD.split("\n").slice(0, 2).join("\n")}\nconst c = a.add(torch.ones(4));\n`;
    const s = await trace(src);
    const problems = snapshotProblems(s, linesOf(src));
    expect(problems).toHaveLength(1);
    const [e] = problems;
    expect(e!.severity).toBe("error");
    expect(e!.code).toBe("runtime");
    expect(e!.message).toContain("The size of tensor a (3) must match the size of tensor b (4)");
    expect(e!.range.startLine).toBe(2);
    expect(src.split("\n")[2]!.slice(e!.range.startCharacter, e!.range.endCharacter)).toBe("add");
  });

  it("puts a syntax error on its line", async () => {
    const src = 'import { torch } from "autograd-lens";\nconst x = torch.tensor(1;\n';
    const s = await trace(src);
    const [e] = snapshotProblems(s, linesOf(src));
    expect(e!.code).toBe("syntax");
    expect(e!.range.startLine).toBe(1);
  });

  it("adds the callers of a failing function as related places", async () => {
    const src = [
      'import { torch } from "autograd-lens";',
      "function f(t: ReturnType<typeof torch.ones>) {",
      "  return t.mm(t);",
      "}",
      "f(torch.ones(2, 3));",
    ].join("\n");
    const s = await trace(src);
    const [e] = snapshotProblems(s, linesOf(src));
    expect(e!.range.startLine).toBe(2);
    expect(e!.related.map((r) => r.range.startLine)).toContain(4);
  });

  it("reports each distinct warning once", async () => {
    const src = `${NON_LEAF_GRAD}\nfor (let i = 0; i < 3; i++) console.log(b.grad);\n`;
    const s = await trace(src);
    const problems = snapshotProblems(s, linesOf(src));
    expect(problems.length).toBeLessThanOrEqual(2);
    expect(new Set(problems.map((p) => `${p.range.startLine}:${p.range.startCharacter}`)).size).toBe(problems.length);
  });
});

describe("toProblemRange", () => {
  const lines = linesOf("const alpha = beta.mul(2);\n\n  x;   \nlast");
  it("converts 1-based positions and covers the identifier there", () => {
    expect(toProblemRange({ line: 1, column: 15 }, lines)).toEqual({ startLine: 0, startCharacter: 14, endLine: 0, endCharacter: 18 });
  });
  it("uses an explicit end", () => {
    expect(toProblemRange({ line: 1, column: 1, endLine: 1, endColumn: 6 }, lines)).toEqual({ startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 5 });
  });
  it("covers the rest of the line when no identifier starts there", () => {
    expect(toProblemRange({ line: 1, column: 13 }, lines)).toEqual({ startLine: 0, startCharacter: 12, endLine: 0, endCharacter: 26 });
  });
  it("marks one character at the end of a line and copes with empty lines", () => {
    expect(toProblemRange({ line: 3, column: 9 }, lines)).toEqual({ startLine: 2, startCharacter: 3, endLine: 2, endCharacter: 4 });
    expect(toProblemRange({ line: 2, column: 1 }, lines)).toEqual({ startLine: 1, startCharacter: 0, endLine: 1, endCharacter: 0 });
  });
  it("clamps positions past the text (it changed since the run) and places range-less errors on line 1", () => {
    expect(toProblemRange({ line: 40, column: 3 }, lines)).toEqual({ startLine: 3, startCharacter: 2, endLine: 3, endCharacter: 4 });
    expect(toProblemRange(undefined, lines)).toEqual({ startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 26 });
  });
});
