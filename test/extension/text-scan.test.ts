import { describe, expect, it } from "vitest";
import { findBackwardCalls, findLensAnchors, importsAutogradLens, maskNonCode } from "../../extension/text-scan";
import { textbook } from "./helpers";

describe("importsAutogradLens", () => {
  it.each([
    ['import { torch } from "autograd-lens";', true],
    ["import {\n  torch,\n} from 'autograd-lens'", true],
    ['import * as lens from "autograd-lens"', true],
    ['import "autograd-lens";', true],
    ['const { torch } = require("autograd-lens");', true],
    ['const m = await import("autograd-lens");', true],
    ['import { torch } from "autograd-lens-extra";', false],
    ['import { x } from "./autograd-lens";', false],
    ["const name = 'autograd lens';", false],
    ["", false],
  ])("%j → %s", (text, expected) => {
    expect(importsAutogradLens(text)).toBe(expected);
  });
});

describe("maskNonCode", () => {
  it("blanks comments, strings and template text but keeps length, lines and substitutions", () => {
    const src = 'a; // x.backward()\nb = "y.backward()"; /* z\n.backward() */ c = `t ${d.backward()} u`;';
    const masked = maskNonCode(src);
    expect(masked.length).toBe(src.length);
    expect(masked.split("\n").length).toBe(src.split("\n").length);
    expect(masked).not.toContain("x.backward");
    expect(masked).not.toContain("y.backward");
    expect(masked).not.toContain("t ");
    expect(masked).toContain("d.backward()");
  });

  it("handles escapes and nested templates", () => {
    const src = 'const s = "a\\"b.backward()"; const t = `${`${x.backward()}`}`; y.backward();';
    const masked = maskNonCode(src);
    expect(masked).not.toContain("b.backward");
    expect(masked).toContain("x.backward()");
    expect(masked).toContain("y.backward()");
  });
});

describe("findBackwardCalls / findLensAnchors", () => {
  it("finds the textbook's one backward call and puts a lens at the top", () => {
    const lines = textbook.split("\n");
    const line = lines.findIndex((l) => l.startsWith("x7.backward()"));
    expect(findBackwardCalls(textbook)).toEqual([{ line, character: 3, lineIndent: 0 }]);
    expect(findLensAnchors(textbook)).toEqual([
      { line: 0, character: 0, kind: "file" },
      { line, character: 0, kind: "backward" },
    ]);
  });

  it("finds optional-chained and spaced calls, indented, one anchor per line", () => {
    const src = [
      'import { torch } from "autograd-lens";',
      "for (const l of losses) {",
      "    l?.backward ();",
      "    a.backward(); b.backward({ retainGraph: true });",
      "}",
      "torch.autograd.backward([loss]);",
    ].join("\n");
    expect(findBackwardCalls(src).map((c) => [c.line, c.character])).toEqual([[2, 7], [3, 6], [3, 20], [5, 15]]);
    expect(findLensAnchors(src).map((a) => [a.kind, a.line, a.character])).toEqual([
      ["file", 0, 0],
      ["backward", 2, 4],
      ["backward", 3, 4],
      ["backward", 5, 0],
    ]);
  });

  it("ignores comments, strings, other names and properties without a call", () => {
    const src = [
      'import { torch } from "autograd-lens";',
      "// x.backward()",
      'console.log("y.backward()");',
      "const f = z.backward;",
      "w.backwardAll();",
      "/* v.backward() */",
    ].join("\n");
    expect(findBackwardCalls(src)).toEqual([]);
    expect(findLensAnchors(src)).toEqual([{ line: 0, character: 0, kind: "file" }]);
  });

  it("gives no lenses at all for a file that does not import autograd-lens", () => {
    expect(findLensAnchors("const x = y.backward();")).toEqual([]);
  });

  it("counts lines across CRLF line ends", () => {
    const src = 'import { torch } from "autograd-lens";\r\nconst a = 1;\r\n  x.backward();\r\n';
    expect(findBackwardCalls(src)).toEqual([{ line: 2, character: 4, lineIndent: 2 }]);
  });
});
