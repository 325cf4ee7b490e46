// Lines are right whatever the text looks like: CR-only and mixed line endings, U+2028/U+2029 inside
// strings and comments (a line break for V8, not for the editor), a byte-order mark, values thrown
// without a stack, and loops that never give the event loop a turn.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import { prepareScript } from "../../runner/transpile";

const distDir = path.resolve("dist");
const built = fs.existsSync(path.join(distDir, "runner-child.js"));

describe.skipIf(!built)("lines of errors and console output", () => {
  let runner: SnippetRunner;
  beforeAll(() => {
    runner = new SnippetRunner({ distDir });
  });
  afterAll(() => runner?.dispose());
  const run = (source: string, language: "typescript" | "javascript" = "typescript", timeoutMs = 3000) =>
    runner.run({ source, language, fileName: "/work/lines.ts", limits: { timeoutMs } });

  it.each([
    ["CR-only line endings", "const a = 1;\rconsole.log(a);\rthrow new Error(\"cr\");\r", 3, 7],
    ["mixed line endings", "const a = 1;\r\nconst b = 2;\rconsole.log(b);\nthrow new Error(\"mixed\");\n", 4, 7],
    ["U+2028 inside a string", 'const s = "a\u2028b";\nconst t = 2;\nthrow new Error("ls");\n', 3, 7],
    ["U+2029 inside a comment", "/* a\u2029b */ const s = 1;\nconst t = 2;\nthrow new Error(\"ps\");\n", 3, 7],
    ["a byte-order mark", "\ufeffconst s = 1; throw new Error(\"bom\");\n", 1, 20],
    ["throw of a string", 'const a = 1;\nfunction f() {\n  throw "boom";\n}\nf();\n', 3, 3],
    ["throw of an object", "const a = 1;\n  throw { code: 1 };\n", 2, 3],
    ["an awaited Promise.reject(42)", "const a = 1;\nawait Promise.reject(42);\n", 2, 15],
    ["an unhandled Promise.reject(42)", "const a = 1;\nPromise.reject(42);\n", 2, 9],
  ])("%s", async (_name, source, line, column) => {
    const s = await run(source);
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.range).toMatchObject({ line, column });
  });

  it("console lines after a U+2028 in a string keep the editor's numbering", async () => {
    const s = await run('const s = "x\u2028y";\nconsole.log("two");\n\rconsole.log("four");\n');
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.range?.line)).toEqual([2, 4]);
  });

  it("a syntax error after a U+2028 is on the editor's line", async () => {
    const s = await run('const s = "x\u2028y";\nconst = 1;\n');
    expect(s.error?.kind).toBe("syntax");
    expect(s.error?.range?.line).toBe(2);
  });

  it("a microtask loop stops at the limit with its line, and the graph made before it is kept", async () => {
    const s = await run(
      'import { torch } from "autograd-lens";\nconst x = torch.ones([2], { requiresGrad: true });\nconst y = x.mul(2).sum();\nfunction again() {\n  queueMicrotask(again);\n}\nagain();\n',
      "typescript",
      1500,
    );
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.range?.line).toBe(5);
    expect(s.nodes.length).toBeGreaterThan(0);
  });
});

describe("the transpiler's positions are the editor's", () => {
  it("a bind after a U+2028 names the editor's line", () => {
    const r = prepareScript('const s = "a\u2028b";\nconst x = torch.ones([1]);\n', "typescript", "/x.ts");
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.script.code).toMatch(/__lens\.bind\(torch\.ones\(\[1\]\), "x", 2, 7\)/);
  });
});
