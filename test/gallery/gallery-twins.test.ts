// The gallery's ports of public tutorials through the runner: each traces without error, its graph
// has the recipes the tutorial is about, and its printed numbers equal those its Python twin (beside
// this file, run by /usr/bin/python3 with real PyTorch; that half is skipped without it) prints.
// The twins seed PyTorch's generator as the examples seed ours: the streams are the same.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SnippetRunner } from "../../runner/sandbox";
import { snapshotProblem } from "../../shared/validate";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import type { GraphSnapshot } from "../../shared/protocol";
import { PYTHON, torchUnavailable } from "../parity/python";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());

interface Port {
  example: string;
  twin: string;
  /** grad_fn names the graph must have (what the example is there to show). */
  recipes: string[];
  /** How many backward() calls the program makes. */
  backwardCalls: number;
}

const PORTS: Port[] = [
  { example: "rosenbrock.ts", twin: "rosenbrock.py", recipes: ["RsubBackward1", "PowBackward0", "MulBackward1", "SubBackward0", "AddBackward0"], backwardCalls: 500 },
  { example: "manual-sgd.ts", twin: "manual_sgd.py", recipes: ["MmBackward0", "ClampBackward1", "SumBackward0"], backwardCalls: 100 },
  { example: "modules-optimizer.ts", twin: "modules_optimizer.py", recipes: ["AddmmBackward0", "ReluBackward0", "MseLossBackward0", "TBackward0"], backwardCalls: 100 },
  { example: "bigram.ts", twin: "bigram.py", recipes: ["MmBackward0", "ExpBackward0", "IndexBackward0", "LogBackward0", "MeanBackward0"], backwardCalls: 100 },
  { example: "small-cnn.ts", twin: "small_cnn.py", recipes: ["ConvolutionBackward0", "MaxPool2DWithIndicesBackward0", "NllLossBackward0", "LogSoftmaxBackward0"], backwardCalls: 40 },
];

const traces = new Map<string, Promise<GraphSnapshot>>();
function traced(example: string): Promise<GraphSnapshot> {
  let t = traces.get(example);
  if (!t) {
    const file = path.resolve("examples", example);
    t = runner.run({ source: fs.readFileSync(file, "utf8"), language: "typescript", fileName: file, limits: { timeoutMs: 60_000 } });
    traces.set(example, t);
  }
  return t;
}

/** Every number in the printed lines, in order. */
function numbers(lines: readonly string[]): number[] {
  return lines.flatMap((l) => (l.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? []).map(Number));
}

const unavailable = torchUnavailable();

describe.each(PORTS)("examples/$example", ({ example, twin, recipes, backwardCalls }) => {
  it("traces without error, with the recipes it is there to show", async () => {
    const s = await traced(example);
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    const names = new Set(s.nodes.map((n) => n.name));
    for (const r of recipes) expect(names, `${example} records ${r}`).toContain(r);
    expect(s.backward.length).toBe(backwardCalls);
  });

  it.skipIf(unavailable !== null)(`prints the numbers PyTorch prints (${twin})${unavailable ? ` (SKIPPED: ${unavailable})` : ""}`, async () => {
    const py = spawnSync(PYTHON, [fileURLToPath(new URL(`./${twin}`, import.meta.url))], { encoding: "utf8", timeout: 120_000 });
    expect(py.status, py.stderr).toBe(0);
    const theirs = numbers(py.stdout.trim().split("\n"));
    const ours = numbers((await traced(example)).console.map((c) => c.text));
    expect(ours.length).toBe(theirs.length);
    expect(ours.length).toBeGreaterThan(5);
    // float32 programs: the last printed digits of a long run may differ by rounding.
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!), `number ${i}: ours ${v}, PyTorch ${theirs[i]}`).toBeLessThanOrEqual(2e-4 + 1e-4 * Math.abs(v)));
  });
});
