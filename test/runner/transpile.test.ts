import { describe, expect, it } from "vitest";
import { FAKE_MODULE, refusal, lines, at, checkLayout, run } from "./transpile-harness";

describe("refusals", () => {
  it("enum, with the position of the keyword", () => {
    const e = refusal(`const a = 1;\n  enum Color { Red, Green }`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/^enum is not supported in a snippet/);
    expect(e.message).toContain("const Color = { Red: 0, Green: 1 } as const;");
    expect(e.range).toMatchObject({ line: 2, column: 3 });
    expect(refusal("export const enum E { A }").range).toMatchObject({ line: 1, column: 8 });
  });

  it("runtime namespaces and modules", () => {
    const e = refusal(`type T = 1\nnamespace N {\n  export const x = 1\n}`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/namespace with runtime code is not supported/);
    expect(e.range).toMatchObject({ line: 2, column: 1, endLine: 2 });
    expect(refusal(`module M { const y = 2 }`).kind).toBe("unsupported");
  });

  it("constructor parameter properties", () => {
    const e = refusal(`class A {\n  constructor(public readonly x: number, y: number) {}\n}`);
    expect(e).toMatchObject({ kind: "unsupported", range: { line: 2, column: 15 } });
    expect(e.message).toContain("declare the field in the class body and assign it in the constructor");
  });

  it("legacy decorators, import = require, export =", () => {
    expect(refusal(`function dec(c: unknown) { return c }\n@dec class A {}`)).toMatchObject({
      kind: "unsupported",
      range: { line: 2, column: 1 },
    });
    expect(refusal(`class A {\n  @dec m() {}\n}`)).toMatchObject({ kind: "unsupported", range: { line: 2, column: 3 } });
    const req = refusal(`import fs = require("fs")`);
    expect(req).toMatchObject({ kind: "unsupported", range: { line: 1, column: 1 } });
    expect(req.message).toContain('import { torch } from "autograd-lens"');
    expect(refusal(`const x = 1\nexport = x`)).toMatchObject({ kind: "unsupported", range: { line: 2, column: 1 } });
  });

  it("imports of anything but autograd-lens", () => {
    const e = refusal(`import { torch } from "autograd-lens";\n  import fs from "fs";`);
    expect(e).toEqual({
      kind: "import",
      message: 'Only "autograd-lens" can be imported in a snippet; "fs" is not available here.',
      range: { line: 2, column: 3, endLine: 2, endColumn: 23 },
    });
    expect(refusal(`import * as path from "node:path"`, "javascript")).toMatchObject({
      kind: "import",
      message: 'Only "autograd-lens" can be imported in a snippet; "node:path" is not available here.',
    });
    expect(refusal(`export { readFile } from "fs"`).kind).toBe("import");
  });

  it("dynamic import() and import.meta", () => {
    const e = refusal(`const x: number = 1;\nconst m = await import("fs");`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/^Dynamic import\(\) is not supported in a snippet/);
    expect(e.range).toMatchObject({ line: 2, column: 17 });
    expect(refusal(`console.log(import.meta.url)`, "javascript")).toMatchObject({
      kind: "unsupported",
      range: { line: 1, column: 13 },
    });
  });

  it("accepts what needs no code: declare enum, type-only namespaces", async () => {
    const { result } = await run(`declare enum E { A }\nnamespace T { export type X = 1 }\nreturn 1`);
    expect(result).toBe(1);
  });
});

describe("syntax errors", () => {
  it("land on the user's line and column in TypeScript with annotations", () => {
    const src = `const a: number = 1;\nfunction f(x: number): number {\n  return x +* 2;\n}`;
    const e = refusal(src);
    expect(e).toEqual({ kind: "syntax", message: "Unexpected token", range: { line: 3, column: 13 } });
    expect(at(src, 3, 13, 1)).toBe("*");
  });

  it("report clean messages without acorn's (line:col) suffix", () => {
    const src = `const m: Map<string, number> = new Map<string, number>(;`;
    const e = refusal(src);
    expect(e.kind).toBe("syntax");
    expect(e.message).toBe("Unexpected token");
    expect(e.range).toEqual({ line: 1, column: 56 });
    expect(at(src, 1, 56, 1)).toBe(";");
    const e2 = refusal(`let s: string = "abc\n`);
    expect(e2).toEqual({ kind: "syntax", message: "Unterminated string constant", range: { line: 1, column: 17 } });
    const e3 = refusal(`const x: number = 1;\nconst x: number = 2;`);
    expect(e3).toMatchObject({ kind: "syntax", message: "Identifier 'x' has already been declared", range: { line: 2 } });
  });
});

describe("imports", () => {
  it("named, aliased, default, namespace and combinations become __lens.require", async () => {
    const src = `import { torch } from "autograd-lens";
import { torch as t, nn } from 'autograd-lens'
import al from "autograd-lens";
import * as ns from "autograd-lens";
import d, { nn as n2 } from "autograd-lens";
import d2, * as ns2 from "autograd-lens";
import {
  torch as multi,
  type Tensor,
} from "autograd-lens";
import "autograd-lens";
import {} from "autograd-lens"
(() => {})()
let ty: Tensor | undefined
return [torch, t, nn, al, ns, d, n2, d2, ns2, multi, ty]`;
    const { result, trace, script } = await run(src);
    const m = FAKE_MODULE;
    expect(result).toEqual([m.torch, m.torch, m.nn, m.default, m, m.default, m.nn, m.default, m, m.torch, undefined]);
    expect(trace.requires.map((r) => [r.spec, r.line, r.column])).toEqual([
      ["autograd-lens", 1, 1],
      ["autograd-lens", 2, 1],
      ["autograd-lens", 3, 1],
      ["autograd-lens", 4, 1],
      ["autograd-lens", 5, 1],
      ["autograd-lens", 5, 1],
      ["autograd-lens", 6, 1],
      ["autograd-lens", 6, 1],
      ["autograd-lens", 7, 1],
      ["autograd-lens", 11, 1],
      ["autograd-lens", 12, 1],
    ]);
    expect(lines(script.code)[0]).toBe('(async () => { "use strict"; const  { torch } = __lens.require("autograd-lens", 1, 1);');
    expect(script.topLevelNames).toEqual(["torch", "t", "nn", "al", "ns", "d", "n2", "d2", "ns2", "multi", "ty"]);
    checkLayout(src, script);
  });

  it("escapes line separators in generated JSON so lines never move", async () => {
    const src = 'const o = { "a\u2028b": [1] }\nconst { "a\u2028b": v } = o\nreturn v';
    const { result, trace, script } = await run(src);
    expect(result).toEqual([1]);
    // U+2028 ends a line for V8 and acorn, but not in the editor: positions are the editor's, so v is
    // on line 2 at column 16 (the U+2028 is one character of that line).
    expect(trace.patterns[0].pattern).toEqual({ object: [{ key: "a\u2028b", target: { name: "v", line: 2, column: 16 } }] });
    checkLayout(src, script);
  });

  it("require() stays a call to the sandbox's require", async () => {
    const { result, trace } = await run(`const fs = require("fs");\nreturn fs`, { language: "javascript" });
    expect(result).toEqual({ spec: "fs" });
    expect(trace.plainRequires).toEqual(["fs"]);
  });

  it("export keywords are blanked; export default runs as an expression", async () => {
    const { result } = await run(`export const a = 1
export let b = 2, c = 3
export function f() { return 4 }
export abstract class A { abstract m(): void }
export default { e: 5 }
export { a as x, b }
export * from "autograd-lens"
return [a, b, c, f(), typeof A]`);
    expect(result).toEqual([1, 2, 3, 4, "function"]);
  });
});
