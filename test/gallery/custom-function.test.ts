// examples/custom-function.ts through the runner: its printed numbers equal those of its Python twin
// (custom_function.py, run by /usr/bin/python3 with real PyTorch; that half is skipped without it), and
// its graph shows the custom Function as a user-defined node with the lines of its forward and backward.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SnippetRunner } from "../../runner/sandbox";
import { snapshotProblem } from "../../shared/validate";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { validateSnapshot } from "../../shared/validate";
import type { GraphSnapshot } from "../../shared/protocol";
import { PYTHON, torchUnavailable } from "../parity/python";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());

const file = path.resolve("examples/custom-function.ts");
const source = fs.readFileSync(file, "utf8");
const lineOf = (text: string) => source.split("\n").findIndex((l) => l.includes(text)) + 1;

let snapshot: GraphSnapshot | undefined;
async function traced(): Promise<GraphSnapshot> {
  snapshot ??= await runner.run({ source, language: "typescript", fileName: file, limits: { timeoutMs: 60_000 } });
  return snapshot;
}

/** Every number in the printed lines, in order. */
function numbers(lines: readonly string[]): number[] {
  return lines.flatMap((l) => (l.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number));
}

describe("examples/custom-function.ts", () => {
  it("traces: LegendrePolynomial3Backward is a user-defined node with its forward and backward lines", async () => {
    const s = await traced();
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    const custom = s.nodes.filter((n) => n.name === "LegendrePolynomial3Backward");
    expect(custom).toHaveLength(300);
    const n = custom[0]!;
    expect(n.userDefined).toEqual({
      className: "LegendrePolynomial3",
      forward: { line: lineOf("static override forward("), column: expect.any(Number) },
      backward: { line: lineOf("static override backward("), column: expect.any(Number) },
    });
    expect(n.formulas).toEqual([`user-defined: LegendrePolynomial3.backward at line ${lineOf("static override backward(")}`]);
    expect(n.inputs).toEqual(["input"]);
    expect(n.range?.line).toBe(lineOf("LegendrePolynomial3.apply("));
    // Its output is made where apply() is called, not inside forward.
    const out = s.tensors.find((t) => t.gradFn === n.id)!;
    expect(out.range?.line).toBe(lineOf("LegendrePolynomial3.apply("));
    expect(out.label).toBe(`legendrePolynomial3 @ L${lineOf("LegendrePolynomial3.apply(")}`);
    // The optimizer updated the leaves in place once per step, as a manual update does.
    const a = s.tensors.find((t) => t.name === "a")!;
    expect(a.version).toBe(300);
    // The snapshot survives the webview's validation with the new field intact.
    const v = validateSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(s))));
    expect(v.nodes.find((x) => x.id === n.id)?.userDefined).toEqual(n.userDefined);
    const hostile = JSON.parse(JSON.stringify(encodeSnapshot(s))) as { nodes: Array<Record<string, unknown>> };
    hostile.nodes.find((x) => x["id"] === n.id)!["userDefined"] = { className: 3 };
    expect(() => validateSnapshot(hostile)).toThrow(/userDefined\.className/);
  });

  const unavailable = torchUnavailable();
  it.skipIf(unavailable !== null)(`prints the numbers PyTorch prints${unavailable ? ` (SKIPPED: ${unavailable})` : ""}`, async () => {
    const py = spawnSync(PYTHON, [fileURLToPath(new URL("./custom_function.py", import.meta.url))], { encoding: "utf8", timeout: 120_000 });
    expect(py.status, py.stderr).toBe(0);
    const theirs = numbers(py.stdout.trim().split("\n"));
    const s = await traced();
    const ours = numbers(s.console.map((c) => c.text));
    expect(ours.length).toBe(theirs.length);
    expect(ours.length).toBeGreaterThan(10);
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!), `number ${i}: ours ${v}, PyTorch ${theirs[i]}`).toBeLessThanOrEqual(2e-4 + 1e-4 * Math.abs(v)));
  });
});
