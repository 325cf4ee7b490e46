// The end of a run that is provably over after its synchronous part (runner/sync-end.ts): the child
// sends its result at once, without a checkpoint of the same graph first, and the result is complete
// and valid. Anything of the snippet left to run (an await, a then, a microtask, a timer) keeps the
// end-of-sync checkpoint and the result waits for that code. SyncEndWatch against real vm contexts,
// then real children (dist/runner-child.js, built by `npm run build`) read on their fd 3 as the parent does.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { childLaunch } from "../../runner/child-launch";
import { validateChildMessage } from "../../runner/channel";
import { SyncEndWatch } from "../../runner/sync-end";
import type { GraphSnapshot, RunLimits } from "../../shared/protocol";

describe("SyncEndWatch", () => {
  const context = vm.createContext(Object.create(null) as object);
  const over = (body: string): boolean => {
    const watch = new SyncEndWatch();
    watch.start();
    const value: unknown = vm.runInContext(`(async () => { "use strict"; ${body}\n})()`, context);
    const result = watch.over(value);
    (value as Promise<unknown>).catch(() => undefined);
    return result;
  };

  it("a script that ran to its end and made no other promise is over", () => {
    expect(over("let s = 0; for (let i = 0; i < 10; i++) s += i; globalThis.s = s;")).toBe(true);
    expect(over("new FinalizationRegistry(() => {});")).toBe(true);
    expect(over('throw new Error("x");')).toBe(true); // rejected: the child reports it from watch's reaction
  });

  it("any other promise, an await, or another value is not", () => {
    expect(over("await null;")).toBe(false);
    expect(over("Promise.resolve(1);")).toBe(false);
    expect(over("(async () => {})();")).toBe(false);
    expect(over("new Promise(() => {});")).toBe(false);
    const watch = new SyncEndWatch();
    watch.start();
    const value: unknown = vm.runInContext("(async () => {})()", context);
    expect(watch.over(Promise.resolve(value))).toBe(false);
  });

  it("hooks are off after over(): promises made later are not counted", () => {
    const watch = new SyncEndWatch();
    watch.start();
    const value: unknown = vm.runInContext("(async () => {})()", context);
    expect(watch.over(value)).toBe(true);
    vm.runInContext("Promise.resolve(2)", context);
    expect(watch.over(value)).toBe(false); // nothing recorded since: not watching
  });
});

const distDir = path.resolve("dist");
const childPath = path.join(distDir, "runner-child.js");
const built = fs.existsSync(childPath);

const LIMITS: RunLimits = { timeoutMs: 5000, nodeCap: 20_000, valueCap: 1000, stepCap: 30_000, memoryMb: 512 };

/** Run `source` in a real child; the kinds of its fd-3 lines in order, and its validated result. */
async function runChild(source: string): Promise<{ kinds: string[]; partialBytes: number[]; result: GraphSnapshot }> {
  const launch = childLaunch(childPath, LIMITS.memoryMb + 256);
  const proc = spawn(process.execPath, [...launch.execArgv, childPath], { stdio: ["pipe", "ignore", "pipe", "pipe"], env: launch.env });
  const chunks: Buffer[] = [];
  (proc.stdio[3] as Readable).on("data", (c: Buffer) => chunks.push(c));
  proc.stdin!.end(`${JSON.stringify({ type: "run", source, language: "typescript", fileName: "/work/sync-end.ts", limits: LIMITS })}\n`);
  await new Promise<void>((resolve) => proc.on("close", () => resolve()));
  const lines = Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean);
  const kinds = lines.map((l) => (JSON.parse(l) as { type: string }).type);
  const partialBytes = lines.filter((l) => l.startsWith('{"type":"partial"')).map((l) => l.length);
  const last = [...lines].reverse().find((l) => l.startsWith('{"type":"result"'));
  expect(last).toBeDefined();
  const m = validateChildMessage(JSON.parse(last!));
  if (m.type !== "result") throw new Error("not a result");
  return { kinds, partialBytes, result: m.snapshot };
}

/** A graph of 400 ops and its backward, all synchronous. */
const GRAPH = `import { torch } from "autograd-lens";
const w = torch.tensor(0.5, { requiresGrad: true });
let loss = torch.tensor(0);
for (let i = 0; i < 100; i++) loss = loss.add(w.mul(i / 100).sub(Math.sin(i)).square());
loss.backward();
console.log("dw", w.grad?.item());
`;

function expectWholeGraph(s: GraphSnapshot): void {
  expect(s.error).toBeUndefined();
  expect(s.nodesTruncated).toBe(false);
  expect(s.nodes.filter((n) => n.kind === "function")).toHaveLength(400);
  expect(s.backward).toHaveLength(1);
  expect(s.backward[0]!.steps.length).toBe(401);
  const dw = s.tensors.find((t) => t.name === "w")?.grad?.values[0];
  let expected = 0;
  for (let i = 0; i < 100; i++) expected += 2 * (0.5 * (i / 100) - Math.sin(i)) * (i / 100);
  expect(dw).toBeCloseTo(expected, 3);
  expect(s.console[0]?.text).toMatch(/^dw -?\d/);
  expect(s.program?.unavailable).toBeUndefined();
}

describe.skipIf(!built)("a run that is over after its synchronous part", () => {
  it("sends its result without a checkpoint of the graph first, complete and valid", async () => {
    const { kinds, partialBytes, result } = await runChild(GRAPH);
    expect(kinds.at(-2)).toBe("finishing");
    expect(kinds.at(-1)).toBe("result");
    // No checkpoint of the whole graph (loop checkpoints begin a second into a run; this one is shorter).
    expect(partialBytes).toEqual([]);
    expectWholeGraph(result);
  }, 20_000);

  it("with an await after the graph: the end-of-sync checkpoint is sent first, then the same graph", async () => {
    const { kinds, partialBytes, result } = await runChild(`${GRAPH}await null;\nconsole.log("after");\n`);
    expect(kinds.indexOf("partial")).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf("partial")).toBeLessThan(kinds.indexOf("finishing"));
    expect(partialBytes[0]).toBeGreaterThan(10_000);
    expectWholeGraph(result);
    expect(result.console.map((c) => c.text).at(-1)).toBe("after");
  }, 20_000);

  it("code of the snippet left to run (a then, a microtask, a timer, an async call) runs before the result", async () => {
    for (const tail of [
      'Promise.resolve().then(() => console.log("later"));',
      'queueMicrotask(() => console.log("later"));',
      'setTimeout(() => console.log("later"), 10);',
      '(async () => { await null; console.log("later"); })();',
    ]) {
      const { kinds, result } = await runChild(`${GRAPH}${tail}\n`);
      expectWholeGraph(result);
      expect(result.console.map((c) => c.text)).toEqual([expect.stringMatching(/^dw /), "later"]);
      expect(kinds).toContain("partial");
    }
  }, 60_000);

  it("a loop that records for longer than a second still sends checkpoints from its loop checks", async () => {
    const source = `import { torch } from "autograd-lens";\nlet x = torch.tensor(1, { requiresGrad: true });\nconst t0 = Date.now();\nlet n = 0;\nwhile (Date.now() - t0 < 1500) if (n++ < 2000) x = x.mul(1.0001);\n`;
    const { kinds, partialBytes, result } = await runChild(source);
    expect(partialBytes.length).toBeGreaterThan(0);
    expect(kinds.indexOf("partial")).toBeLessThan(kinds.indexOf("finishing"));
    expect(result.error).toBeUndefined();
  }, 20_000);

  it("an error thrown at the end of the synchronous part is reported with the graph", async () => {
    const { partialBytes, result } = await runChild(`${GRAPH}throw new Error("boom");\n`);
    expect(partialBytes).toEqual([]);
    expect(result.error?.message).toBe("Error: boom");
    expect(result.error?.range?.line).toBe(7);
    expect(result.nodes.filter((n) => n.kind === "function")).toHaveLength(400);
  }, 20_000);
});
