// applySelection runs in the extension host on the user's text at every run of a selection: its
// regexes must be linear. Adversarial lines of 100,000 characters (long runs that a backtracking
// pattern would retry from every position) each take milliseconds; the bound below is 10× the
// issue's 50 ms so that only a quadratic pattern (seconds) can fail it, not a busy machine.
import { describe, expect, it } from "vitest";
import { applySelection } from "../../runner/sandbox";

const N = 100_000;
const lines: Array<[string, string]> = [
  ["an import, then spaces and a letter", `import 'x'${" ".repeat(N)}y`],
  ["an import from, then spaces and a letter", `import { a } from 'x'${" ".repeat(N)}y`],
  ["an import, then spaces and semicolons", `import 'x'${" ;".repeat(N / 2)}y`],
  ["quote, spaces, quote, spaces ...", `import ${"' ".repeat(N / 2)}y`],
  ["from, from, from ...", `import ${"from ".repeat(N / 5)}y`],
  ["spaces before import", `${" ".repeat(N)}import`],
  ["an open import of spaces", `import {${" ".repeat(N)}`],
  ["const with many =", `const ${"= ".repeat(N / 2)}x`],
  ["const = require with spaces", `const x =${" ".repeat(N)}require(`],
  ["tabs and type", `import${" type".repeat(N / 5)}`],
];

describe("applySelection on adversarial lines", () => {
  it.each(lines)("%s: linear", (_name, line) => {
    const source = `${line}\nconst y = 1;\n${line}\n`;
    const t0 = performance.now();
    const out = applySelection(source, { startLine: 2, endLine: 2 });
    const ms = performance.now() - t0;
    expect(out.split("\n")[1]).toBe("const y = 1;");
    expect(ms).toBeLessThan(500);
  });
});
