// Issue 14 item 4: the graph survives the child. Hostile snippets that end their child process in
// ways it cannot report itself (a loop in eval'd code after an await: the parent kills it; a memory
// bomb: V8 aborts; SIGKILL or SIGABRT from outside) keep the graph recorded before, from the child's
// last checkpoint, and the error says what happened and names the line of the last recorded op.
// Real child processes (dist/runner-child.js, built by `npm run build`) and the CLI.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GraphSnapshot, RunLimits } from "../../shared/protocol";
import { SnippetRunner } from "../../runner/sandbox";
import { replay } from "../../engine/index";
import { landscapeAvailability } from "../../webview/landscape-availability";

const distDir = path.resolve("dist");
const built = fs.existsSync(path.join(distDir, "runner-child.js")) && fs.existsSync(path.join(distDir, "cli.js"));

/** Four lines of graph: x (leaf, grad [2, 4, 6] after line 4's backward), y = (x * x).sum(). */
const GRAPH = `import { torch } from "autograd-lens";\nconst x = torch.tensor([1, 2, 3], { requiresGrad: true });\nconst y = x.mul(x).sum();\ny.backward();\nconsole.log("before", y.item());\n`;

function expectEarlierGraph(s: GraphSnapshot): void {
  expect(s.tensors.find((t) => t.name === "x")?.grad?.values).toEqual([2, 4, 6]);
  expect(s.tensors.find((t) => t.name === "y")?.value.values).toEqual([14]);
  expect(s.nodes.map((n) => n.name).sort()).toEqual(["AccumulateGrad", "MulBackward0", "SumBackward0"]);
  expect(s.backward).toHaveLength(1);
  expect(s.console.map((c) => c.text)).toEqual(["before 14"]);
  expect(s.error?.message).toMatch(/The graph shows what the snippet had recorded [\d.]+ s into the run\.$/);
}

describe.skipIf(!built)("the graph survives the child", () => {
  const runners: SnippetRunner[] = [];
  afterAll(() => runners.forEach((r) => r.dispose()));

  /** A runner without a spare: its only child is the one running the snippet. */
  function start(source: string, limits: Partial<RunLimits>): { runner: SnippetRunner; result: Promise<GraphSnapshot> } {
    const runner = new SnippetRunner({ distDir, keepWarm: false });
    runners.push(runner);
    const result = runner.run({ source, language: "typescript", fileName: "/work/hostile.ts", limits });
    return { runner, result };
  }

  it("a loop in eval'd code after an await: killed at the timeout, the graph and the last op's line kept", async () => {
    const { result } = start(`${GRAPH}await null;\neval("while (true) {}");\n`, { timeoutMs: 1000 });
    const s = await result;
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.message).toMatch(/^Timed out after 1 s: the snippet was still running \(the last op it recorded was at line 4\)\. It did not respond and was stopped\./);
    expect(s.error?.range?.line).toBe(4);
    expectEarlierGraph(s);
    // The program travels with the checkpoint: the kept graph has its loss landscape.
    expect(s.program?.unavailable).toBeUndefined();
    expect(s.program?.ops.map((o) => o.op)).toEqual(["MulBackward0", "SumBackward0"]);
    const x = s.tensors.find((t) => t.name === "x")!;
    const y = s.tensors.find((t) => t.name === "y")!;
    const v = replay.evaluateBatch(s.program!, y.id, [{ leaf: x.id, index: 0 }], Float64Array.of(1, 5), 2);
    expect([...v]).toEqual([14, 38]); // 1+4+9, then 25+4+9
    expect(landscapeAvailability(s)).toMatchObject({ kind: "ok", output: y.id, candidates: [{ leaf: x.id }, { leaf: x.id }, { leaf: x.id }] });
  });

  it("a catastrophic regex after an await, and a microtask loop: the same", async () => {
    const regex = await start(`${GRAPH}await null;\nconsole.log(/^(a+)+$/.test("a".repeat(40) + "b"));\n`, { timeoutMs: 1000 }).result;
    expect(regex.error?.kind).toBe("timeout");
    expect(regex.error?.range?.line).toBe(4);
    expectEarlierGraph(regex);
    const micro = await start(`${GRAPH}const f = (): Promise<void> => Promise.resolve().then(f);\nf();\n`, { timeoutMs: 1000 }).result;
    expect(micro.error?.kind).toBe("timeout");
    expectEarlierGraph(micro);
  });

  it("a memory bomb in eval'd code (V8 aborts the child): a memory error, the graph kept", async () => {
    const { result } = start(`${GRAPH}await null;\neval("const a = []; for (;;) a.push(new Array(1e5).fill(1.5))");\n`, { timeoutMs: 30_000, memoryMb: 128 });
    const s = await result;
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.message).toMatch(/^Out of memory: the snippet ran out of memory \(the last op it recorded was at line 4; the memory limit is 128 MB\)/);
    expectEarlierGraph(s);
  });

  it("values that cannot be sent in a checkpoint (a function as a name, a Proxy logged) are described", async () => {
    const source = `import { torch } from "autograd-lens";\nconst w = torch.ones([2], { requiresGrad: true });\nconst arr = [w.mul(3)];\n(arr[0] as any).name = function sneaky() {};\nconst z = arr[0]!.sum();\nconsole.log(new Proxy({}, { get() { throw new Error("trap"); } }));\nawait null;\neval("while (true) {}");\n`;
    const s = await start(source, { timeoutMs: 1000 }).result;
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.message).toMatch(/last op it recorded was at line 5/);
    expect(s.tensors.find((t) => t.name === "w")?.value.values).toEqual([1, 1]);
    expect(s.nodes.map((n) => n.name)).toContain("SumBackward0");
    expect(s.tensors.map((t) => t.label).join(" ")).toMatch(/function/);
  });

  for (const signal of ["SIGKILL", "SIGABRT"] as const) {
    it(`${signal} from outside (as the OOM killer, or a V8 fatal error's abort): the graph kept, the signal named`, async () => {
      const { runner, result } = start(`${GRAPH}await null;\neval("while (true) {}");\n`, { timeoutMs: 30_000 });
      // The checkpoint is written before the loop starts; give the child time to get there.
      const t0 = Date.now();
      while (runner.childPids.length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 1500));
      for (const pid of runner.childPids) process.kill(pid, signal);
      const s = await result;
      expect(s.error?.kind).toBe("internal");
      expect(s.error?.message).toMatch(signal === "SIGKILL" ? /^The snippet's process stopped unexpectedly \(killed by SIGKILL: / : /^The snippet's process stopped unexpectedly \(signal SIGABRT\)/);
      expect(s.error?.message).toMatch(/The last op it recorded was at line 4\./);
      expectEarlierGraph(s);
    });
  }

  it("through the CLI: the summary lists the earlier graph, the error names the line, exit 1", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-survive-"));
    try {
      const file = path.join(dir, "hang.ts");
      fs.writeFileSync(file, `${GRAPH}await null;\neval("while (true) {}");\n`);
      const r = spawnSync(process.execPath, [path.join(distDir, "cli.js"), "trace", file, "--timeout", "1000"], { encoding: "utf8", timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^before 14$/m);
      expect(r.stdout).toMatch(/^ {2}x +leaf +value \[3\] +grad \[3\]$/m);
      expect(r.stderr).toMatch(new RegExp(`hang\\.ts:4:\\d+: error: Timed out after 1 s: .*last op it recorded was at line 4`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
