// The sandbox end to end: real child processes running dist/runner-child.js (built by `npm run
// build`) with the real transpiler and recorder. Each failure mode must end in a clear error of the
// right kind and line, within the timeout plus the kill grace, and leave the runner (and this
// process) healthy for the next run.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphSnapshot, RunLimits } from "../../shared/protocol";
import { KILL_GRACE_MS, SnippetRunner, applySelection, runSnippet, type RunRequest } from "../../runner/sandbox";

const distDir = path.resolve("dist");
const TIMEOUT = 1500;
/** Booting a replacement spare (when runs follow each other closely) plus scheduling noise. */
const SLACK_MS = 2000;
const built = fs.existsSync(path.join(distDir, "runner-child.js")) && fs.existsSync(path.join(distDir, "engine.js"));

/** Whether a process exists (signal 0 only checks). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!built)("sandbox (SnippetRunner)", () => {
  let runner: SnippetRunner;
  /** Every child process the runner had, sampled around each run (spares and the ones that ran). */
  const seenPids = new Set<number>();

  beforeAll(() => {
    runner = new SnippetRunner({ distDir });
  });
  afterAll(() => runner?.dispose());

  async function run(source: string, limits: Partial<RunLimits> = {}, extra: Partial<RunRequest> = {}): Promise<{ s: GraphSnapshot; ms: number }> {
    for (const pid of runner.childPids) seenPids.add(pid);
    const t0 = Date.now();
    const s = await runner.run({ source, language: "typescript", fileName: "/work/snippet.ts", limits: { timeoutMs: TIMEOUT, ...limits }, ...extra });
    const ms = Date.now() - t0;
    for (const pid of runner.childPids) seenPids.add(pid);
    return { s, ms };
  }

  /** The runner still works: a good snippet runs, with its graph. */
  async function expectHealthy(): Promise<void> {
    const { s } = await run(
      `import { torch } from "autograd-lens";\nconst x = torch.tensor([1, 2, 3], { requiresGrad: true });\nconst y = x.mul(x).sum();\ny.backward();\nconsole.log(y.item());`,
    );
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(["14"]);
    expect(s.tensors.find((t) => t.name === "x")?.grad?.values).toEqual([2, 4, 6]);
  }

  it("runs a good snippet: graph, console with lines, no error", async () => {
    const { s } = await run(
      `import { torch } from "autograd-lens";\nconst w = torch.tensor([2.0], { requiresGrad: true });\nconst loss = w.mul(3).sum();\nloss.backward();\nconsole.log("loss", loss.item());\nconsole.warn("grad", w.grad);`,
    );
    expect(s.error).toBeUndefined();
    expect(s.version).toBe(2);
    expect(s.file).toBe("/work/snippet.ts");
    expect(s.tensors.length).toBeGreaterThanOrEqual(2);
    expect(s.backward).toHaveLength(1);
    expect(s.console[0]).toMatchObject({ level: "log", text: "loss 6", range: { line: 5 } });
    // Tensors print with their toString(), as R torch does.
    expect(s.console[1]).toMatchObject({ level: "warn", range: { line: 6 } });
    expect(s.console[1]!.text).toContain("CPUFloatType{1}");
    expect(s.console[1]!.text).toMatch(/^grad torch_tensor\n 3\n/);
  });

  it("stops `while (true) {}` with a timeout at the loop's line, and recovers", async () => {
    const { s, ms } = await run(`let i = 0;\n\nwhile (true) {\n  i++;\n}\n`);
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.range?.line).toBe(3);
    expect(s.error?.message).toBe(
      "Timed out after 1.5 s: the snippet was still running the loop at line 3. Infinite loop? (The limit is the autogradLens.runTimeout setting.)",
    );
    expect(ms).toBeLessThan(TIMEOUT + KILL_GRACE_MS + SLACK_MS);
    await expectHealthy();
  });

  it("keeps the graph recorded before a timeout", async () => {
    const { s } = await run(
      `import { torch } from "autograd-lens";\nconst w = torch.tensor([1.0], { requiresGrad: true });\nfor (let i = 0; ; i++) {\n  const l = w.mul(w).sum();\n  l.backward();\n}`,
      { nodeCap: 50, stepCap: 50 },
    );
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.range?.line).toBe(3);
    expect(s.tensors.some((t) => t.name === "w")).toBe(true);
    expect(s.nodes.length).toBeGreaterThan(0);
    expect(s.backward.length).toBeGreaterThan(0);
  });

  it("stops an endless setInterval with a timeout at the setInterval line", async () => {
    const { s, ms } = await run(`console.log("start");\nlet n = 0;\nsetInterval(() => {\n  n++;\n}, 10);\n`);
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.range?.line).toBe(3);
    expect(s.error?.message).toMatch(/^Timed out after 1\.5 s: the snippet was still running the setInterval timer started at line 3\./);
    expect(s.console.map((c) => c.text)).toEqual(["start"]);
    expect(ms).toBeLessThan(TIMEOUT + KILL_GRACE_MS + SLACK_MS);
    await expectHealthy();
  });

  it("refuses a 10 GB tensor with a memory error at its line", async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { s, ms } = await run(`import { torch } from "autograd-lens";\nconst small = torch.ones([2]);\nconst z = torch.zeros(50000, 50000);\n`);
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.range?.line).toBe(3);
    expect(s.error?.message).toMatch(/^TensorMemoryError: Out of memory: a tensor of 2,500,000,000 float32 elements needs 9,537 MB, more than the memory limit of 1,024 MB/);
    expect(ms).toBeLessThan(15_000 + KILL_GRACE_MS + SLACK_MS);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20);
    await expectHealthy();
  });

  it("refuses a 10 GB typed array with a memory error at its line", async () => {
    const { s, ms } = await run(`const ok = new Float64Array(10);\nconst a = new Float64Array(1.25e9);\n`);
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.range?.line).toBe(2);
    expect(s.error?.message).toMatch(/Out of memory: a Float64Array of 1,250,000,000 elements needs 9,537 MB, more than the memory limit of 1,024 MB/);
    expect(ms).toBeLessThan(TIMEOUT + KILL_GRACE_MS + SLACK_MS);
    // ArrayBuffer too, and typed arrays still work (instanceof, from, subclassing).
    const { s: s2 } = await run(
      `let caught = "";\ntry { new ArrayBuffer(2 ** 34); } catch (e) { caught = (e as Error).name; }\nclass V extends Float32Array {}\nconst v = new V(3);\nconsole.log(caught, Float32Array.from([1, 2]) instanceof Float32Array, v instanceof Float32Array, v.length);`,
    );
    expect(s2.error).toBeUndefined();
    expect(s2.console[0]?.text).toBe("MemoryError true true 3");
    await expectHealthy();
  });

  it("stops a growing heap (`a.push(new Array(1e6).fill(1))` forever) with a memory error at the loop", async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    // A small limit and a long timeout, so the memory check (not the clock) stops it even on a
    // loaded machine where filling 128 MB takes seconds.
    const { s, ms } = await run(`const a = [];\nwhile (true) a.push(new Array(1e6).fill(1));\n`, { memoryMb: 128, timeoutMs: 15_000 });
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.range?.line).toBe(2);
    expect(s.error?.message).toMatch(/^Out of memory: the snippet used [\d,]+ MB, more than the memory limit of 128 MB, while running the loop at line 2\./);
    expect(ms).toBeLessThan(15_000 + KILL_GRACE_MS + SLACK_MS);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20);
    await expectHealthy();
  });

  it("reports a child that dies of OOM (no loop to check in) as a memory error", async () => {
    const { s, ms } = await run(`console.log("before");\nconst big = Array.from({ length: 1e8 }, () => 0.5);\nconsole.log(big.length);`, {
      memoryMb: 64,
      timeoutMs: 15_000,
    });
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.message).toMatch(/^Out of memory: the snippet ran out of memory .*the memory limit is 64 MB/);
    expect(ms).toBeLessThan(15_000 + KILL_GRACE_MS + SLACK_MS);
    await expectHealthy();
  });

  it("kills a child that stops answering (a microtask loop) and reports a timeout", async () => {
    const { s, ms } = await run(`console.log("hi");\nconst f = (): Promise<void> => Promise.resolve().then(f);\nf();\n`);
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.message).toMatch(/^Timed out after 1\.5 s: .*did not respond and was stopped/);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT + KILL_GRACE_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT + KILL_GRACE_MS + SLACK_MS);
    await expectHealthy();
  });

  it("stops blocking loop-free code through vm's watchdog", async () => {
    const { s } = await run(`Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`);
    expect(s.error?.kind).toBe("timeout");
  });

  it("puts a runtime error in a TypeScript snippet on the right line and column", async () => {
    const { s } = await run(
      `interface Box { value: number }\nconst box: Box | undefined = undefined as Box | undefined;\nfunction read(b: Box): number {\n  return (b as any).value.toFixed(2) as unknown as number;\n}\nconst n: number = read(box!);\n`,
    );
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.message).toBe("TypeError: Cannot read properties of undefined (reading 'value')");
    expect(s.error?.range).toMatchObject({ line: 4, column: 21 });
    expect(s.error?.stack).toContain("at read (/work/snippet.ts:4:21)");
    expect(s.error?.stack).toContain("/work/snippet.ts:6:19");
  });

  it("keeps the graph recorded before a runtime error", async () => {
    const { s } = await run(`import { torch } from "autograd-lens";\nconst a = torch.ones([2], { requiresGrad: true });\nconst b = a.mul(2);\nthrow new Error("stop here");\n`);
    expect(s.error).toMatchObject({ kind: "runtime", message: "Error: stop here", range: { line: 4 } });
    expect(s.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(["a", "b"]));
  });

  it("gives an import error for `import ... from \"fs\"` and for require(\"child_process\")", async () => {
    const { s } = await run(`import * as fs from "fs";\nconsole.log(fs);`);
    expect(s.error?.kind).toBe("import");
    expect(s.error?.range?.line).toBe(1);
    const { s: s2 } = await run(`const x = 1;\nconst cp = require("child_process");\ncp.execSync("echo pwned");`);
    expect(s2.error?.kind).toBe("import");
    expect(s2.error?.message).toMatch(/Cannot import "child_process"/);
    expect(s2.error?.range?.line).toBe(2);
    // require("autograd-lens") is the engine.
    const { s: s3 } = await run(`const { torch } = require("autograd-lens");\nconsole.log(torch.ones([2]).sum().item());`, {}, { language: "javascript" });
    expect(s3.error).toBeUndefined();
    expect(s3.console[0]?.text).toBe("2");
  });

  it("gives the snippet no process, no Node require and no host functions", async () => {
    const { s } = await run(
      [
        `console.log(typeof process, typeof global, typeof Buffer, typeof gc, typeof setImmediate);`,
        `console.log(typeof console.log.constructor("return typeof process")());`,
        `console.log(typeof setTimeout.constructor("return this.process")());`,
        `const t = setTimeout(() => {}, 1); clearTimeout(t);`,
        `console.log(Object.getPrototypeOf(t).constructor.constructor("return typeof process")());`,
        `try { require("fs"); } catch (e) { console.log((e as Error).constructor.constructor("return typeof process")()); }`,
      ].join("\n"),
    );
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(["undefined undefined undefined undefined undefined", "string", "undefined", "undefined", "undefined"]);
  });

  it("runs async code with timers to the end and keeps its output", async () => {
    const { s } = await run(
      `console.log("a");\nawait new Promise<void>((r) => setTimeout(r, 50));\nconsole.log("b");\nsetTimeout(() => console.log("c"), 20);\nqueueMicrotask(() => console.log("m"));\nconst i = setInterval(() => { console.log("tick"); clearInterval(i); }, 5);\n`,
    );
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(["a", "b", "m", "tick", "c"]);
    expect(s.console[1]?.range?.line).toBe(3);
    expect(s.console[4]?.range?.line).toBe(4);
    expect(s.durationMs).toBeGreaterThanOrEqual(50);
  });

  it("reports errors in timer callbacks, unhandled rejections and promises that never settle", async () => {
    const { s } = await run(`setTimeout(() => {\n  (null as any).x;\n}, 5);\n`);
    expect(s.error).toMatchObject({ kind: "runtime", range: { line: 2 } });
    const { s: s2 } = await run(`setTimeout(async () => {\n  throw new Error("late");\n}, 5);\n`);
    expect(s2.error).toMatchObject({ kind: "runtime", message: "Error: late", range: { line: 2 } });
    const { s: s3 } = await run(`Promise.reject(new RangeError("nobody catches me"));\n`);
    expect(s3.error).toMatchObject({ kind: "runtime", message: "RangeError: nobody catches me", range: { line: 1 } });
    const { s: s4, ms } = await run(`await new Promise(() => {});\n`);
    expect(s4.error?.kind).toBe("runtime");
    expect(s4.error?.message).toMatch(/never finished/);
    expect(ms).toBeLessThan(TIMEOUT);
    const { s: s5 } = await run(`throw "plain string";`);
    expect(s5.error).toMatchObject({ kind: "runtime", message: 'Uncaught "plain string"' });
  });

  it("runs are independent: a global set in one run is gone in the next", async () => {
    const { s } = await run(`(globalThis as any).leak = 42;\n(Array.prototype as any).polluted = true;\nconsole.log((globalThis as any).leak);`);
    expect(s.console[0]?.text).toBe("42");
    const { s: s2 } = await run(`console.log(typeof (globalThis as any).leak, typeof ([] as any).polluted);`);
    expect(s2.console[0]?.text).toBe("undefined undefined");
  });

  it("the engine keeps the intrinsics it loaded with: a snippet that replaces the global Math still gets tanh", async () => {
    // The engine reads Math, Number, Array… as locals of its wrapper (fast, and out of the snippet's reach).
    const { s } = await run(
      `import { torch } from "autograd-lens";\n(globalThis as any).Math = { tanh: () => 42 };\nconst x = torch.tensor([0, 1], { requiresGrad: true });\nconst y = x.tanh().sum();\ny.backward();\nconsole.log(y.item().toFixed(6), x.grad!.tolist().map((v) => v.toFixed(6)).join(" "), (Math as any).tanh(1));`,
    );
    expect(s.error).toBeUndefined();
    expect(s.console[0]?.text).toBe(`${Math.tanh(1).toFixed(6)} ${(1).toFixed(6)} ${(1 - Math.tanh(1) ** 2).toFixed(6)} 42`);
  });

  it("offers structuredClone, TextEncoder and TextDecoder", async () => {
    const { s } = await run(
      `const o = { a: [1, { b: new Map([["k", new Set([1])]]) }], d: new Date(0) };\nconst c = structuredClone(o);\nconsole.log(c !== o, c.a[1] !== o.a[1], JSON.stringify(c.a), c.d.getTime());\nconst bytes = new TextEncoder().encode("grad ∇ 🙂");\nconsole.log(bytes.length, new TextDecoder().decode(bytes));`,
    );
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(['true true [1,{"b":{}}] 0', "13 grad ∇ 🙂"]);
  });

  it("runs a selection with exact positions, keeping the imports", async () => {
    const source = `import { torch } from "autograd-lens";\nthrow new Error("not selected");\nconst x = torch.ones([3]);\nconsole.log(x.sum().item());\nnull.boom;\n`;
    const { s } = await run(source, {}, { selection: { startLine: 3, endLine: 4 } });
    expect(s.error).toBeUndefined();
    expect(s.console[0]).toMatchObject({ text: "3", range: { line: 4 } });
    expect(applySelection("import {\n  torch,\n} from \"autograd-lens\";\na\nb\r\nc", { startLine: 5, endLine: 5 })).toBe(
      "import {\n  torch,\n} from \"autograd-lens\";\n\nb\r\n",
    );
  });

  it("reports syntax errors from the transpiler", async () => {
    const { s } = await run(`const x = ;\n`);
    expect(s.error?.kind).toBe("syntax");
    expect(s.error?.range?.line).toBe(1);
  });

  it("measures warm latency (reported, not asserted)", async () => {
    await sleep(800); // let the spare finish booting
    const req: RunRequest = { source: `console.log(1 + 1);`, language: "javascript", fileName: "/work/trivial.js" };
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const s = await runner.run(req);
      warm.push(performance.now() - t0);
      expect(s.console[0]?.text).toBe("2");
      await sleep(600);
    }
    const t0 = performance.now();
    await runSnippet(req, { distDir });
    const cold = performance.now() - t0;
    const median = [...warm].sort((a, b) => a - b)[2]!;
    console.log(
      `sandbox latency: warm trivial run median ${median.toFixed(1)} ms (${warm.map((w) => w.toFixed(1)).join(", ")}); ` +
        `cold one-shot ${cold.toFixed(1)} ms; child boot (engine + transpiler) ${runner.lastBootMs?.toFixed(1)} ms`,
    );
  });

  it("boots the next spare after a run, not while it runs; queued runs still find one", async () => {
    expect(await waitFor(() => runner.childCount === 1)).toBe(true); // the spare
    const pending = runner.run({ source: `await new Promise((r) => setTimeout(r, 500));\nconsole.log("done");\n`, language: "typescript", fileName: "/work/slow.ts" });
    await sleep(250);
    // Only the child running the snippet: the next one boots once this run is over.
    expect(runner.childCount).toBe(1);
    const running = runner.childPids[0]!;
    seenPids.add(running);
    expect((await pending).console[0]?.text).toBe("done");
    expect(await waitFor(() => runner.childPids.length === 1 && runner.childPids[0] !== running)).toBe(true);
    for (const pid of runner.childPids) seenPids.add(pid);
    // Runs queued behind each other: each one's successor boots while it runs.
    const queued = await Promise.all([1, 2, 3].map((i) => runner.run({ source: `console.log(${i});`, language: "javascript", fileName: "/work/q.js" })));
    expect(queued.map((q) => [q.error, q.console[0]?.text])).toEqual([[undefined, "1"], [undefined, "2"], [undefined, "3"]]);
    for (const pid of runner.childPids) seenPids.add(pid);
  });

  it("leaves no child processes behind", async () => {
    // Children that ran (killed ones included) are gone; only the spare for the next run remains.
    expect(await waitFor(() => runner.childCount <= 1)).toBe(true);
    const spare = new Set(runner.childPids);
    expect(seenPids.size).toBeGreaterThan(15);
    expect(await waitFor(() => [...seenPids].every((pid) => spare.has(pid) || !isAlive(pid)))).toBe(true);
    runner.dispose();
    expect(await waitFor(() => runner.childCount === 0)).toBe(true);
    expect(await waitFor(() => [...seenPids, ...spare].every((pid) => !isAlive(pid)))).toBe(true);
    // A disposed runner answers (with an error), it does not hang.
    const s = await runner.run({ source: "1", language: "javascript", fileName: "/x.js" });
    expect(s.error?.kind).toBe("internal");
  });
});

describe("sandbox without a build", () => {
  it("returns an internal error (never rejects) when runner-child.js is missing", async () => {
    const s = await runSnippet({ source: "1", language: "javascript", fileName: "/x.js" }, { distDir: path.resolve("no-such-dist") });
    expect(s.error?.kind).toBe("internal");
    expect(s.error?.message).toMatch(/runner-child\.js is missing/);
  });
});
