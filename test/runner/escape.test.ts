// The escape suite: snippets that try to reach the runner's own realm (and through it the child
// process's `process`, fs, child_process, ...) from everything the snippet can touch: the engine's
// exports and what they return or throw, the globals, errors thrown by the runtime and by Node,
// callbacks' arguments, getters and Proxy traps that the host ends up calling, stack-trace call
// sites and `caller` chains. Every attempt must find nothing, and the run must still end normally.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphSnapshot } from "../../shared/protocol";
import { SnippetRunner } from "../../runner/sandbox";
import { PROBE } from "./escape-probes";

const distDir = path.resolve("dist");
const built = fs.existsSync(path.join(distDir, "runner-child.js"));

describe.skipIf(!built)("escape suite: nothing of the host realm is reachable from a snippet", () => {
  let runner: SnippetRunner;
  beforeAll(() => {
    runner = new SnippetRunner({ distDir });
  });
  afterAll(() => runner?.dispose());

  async function probe(body: string, timeoutMs = 4000): Promise<GraphSnapshot> {
    return runner.run({ source: `${PROBE}\n${body}\n__report();\n`, language: "javascript", fileName: "/work/escape.js", limits: { timeoutMs } });
  }
  function expectNoLeak(s: GraphSnapshot): void {
    const lines = s.console.map((c) => c.text.trim());
    expect(lines.filter((l) => l.startsWith("LEAK"))).toEqual([]);
    // A run that stopped before its report says why (in the failure message).
    expect(lines.includes("no leaks") ? "" : `${s.error?.kind}: ${s.error?.message}\n${lines.slice(-3).join("\n")}`).toBe("");
  }

  it("the issue's one-liner: setObserver(null) / setWarningHandler(null) hand out nothing of the host", async () => {
    const s = await probe(`
const lens = require("autograd-lens");
for (const k of ["setObserver", "setWarningHandler", "setAllocationLimit"]) {
  try { __check(k + "(null)", lens[k](null)); } catch (e) { __check(k + " threw", e); }
  try { __check(k + "({})", lens[k]({})); } catch (e) { __check(k + " threw", e); }
}
try {
  const p = lens.setObserver(null).tensorCreated.constructor.constructor("return process")();
  console.log("LEAK process " + typeof p);
} catch (e) { __check("one-liner threw", e); }`);
    expectNoLeak(s);
    expect(s.error).toBeUndefined();
  });

  it("every export of autograd-lens, walked (getters, prototypes) and called with odd arguments", async () => {
    const s = await probe(`const lens = require("autograd-lens");\n__walk("lens", lens, { call: true, max: 6000 });`, 20_000);
    expectNoLeak(s);
  });

  it("the globals, walked and called", async () => {
    const s = await probe(`__walk("globalThis", globalThis, { call: true, max: 3000 });`, 20_000);
    expectNoLeak(s);
  });

  it("tensors, nodes and what backward leaves behind", async () => {
    const s = await probe(`
const { torch } = require("autograd-lens");
const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
const y = x.mul(x).sum();
y.backward();
__walk("x", x, { max: 3000 });
__walk("y", y, { max: 3000 });
__walk("gradFn", y.gradFn, { max: 3000 });
__walk("grad", x.grad, { max: 1000 });`);
    expectNoLeak(s);
    expect(s.error).toBeUndefined();
    expect(s.nodes.length).toBeGreaterThan(0);
  });

  it("errors thrown by the runtime, the engine and Node", async () => {
    const s = await probe(`
const { torch } = require("autograd-lens");
const attempts = [
  () => require("fs"),
  () => require({ toString() { return "fs"; } }),
  () => torch.tensor("x"),
  () => torch.ones([2]).add(null),
  () => torch.ones([2, 3]).matmul(torch.ones([2, 3])),
  () => torch.ones([-1]),
  () => new Float64Array(1e12),
  () => new ArrayBuffer(1e12),
  () => structuredClone(() => 1),
  () => new TextDecoder("latin1"),
  () => setTimeout("code"),
  () => JSON.parse("{"),
  () => null.x,
  () => eval("{"),
  () => new Function("{"),
];
for (const [i, f] of attempts.entries()) { try { __check("result " + i, f()); } catch (e) { __check("error " + i, e); } }
await (0, eval)('import("fs")').then((m) => __check("import ok", m), (e) => __check("import error", e));
await (0, eval)('import("autograd-lens")').then((m) => __check("import ok", m), (e) => __check("import error", e));
await Promise.reject(new Error("x")).catch((e) => __check("rejection", e));`);
    expectNoLeak(s);
  });

  it("errors raised inside host code at the edge of the stack (stack overflow through every bridge)", async () => {
    const s = await probe(`
const { torch } = require("autograd-lens");
const errs = [];
const keep = (e) => { if (errs.length < 400) errs.push(e); };
function viaOp(d) { try { viaOp(d + 1); } catch (e) { keep(e); } try { torch.ones([1]).mul(2); } catch (e) { keep(e); } }
function viaLoop(d) { try { viaLoop(d + 1); } catch (e) { keep(e); } try { for (let i = 0; i < 2; i++) {} } catch (e) { keep(e); } }
function viaConsole(d) { try { viaConsole(d + 1); } catch (e) { keep(e); } try { console.time("t"); } catch (e) { keep(e); } }
function viaTimer(d) { try { viaTimer(d + 1); } catch (e) { keep(e); } try { clearTimeout(setTimeout(() => {}, 1)); } catch (e) { keep(e); } }
function viaBind(d) { try { viaBind(d + 1); } catch (e) { keep(e); } try { const named = torch.ones([1]); } catch (e) { keep(e); } }
function viaRequire(d) { try { viaRequire(d + 1); } catch (e) { keep(e); } try { require("autograd-lens"); } catch (e) { keep(e); } }
for (const f of [viaOp, viaLoop, viaConsole, viaTimer, viaBind, viaRequire]) f(0);
errs.forEach((e, i) => __check("overflow " + i, e));`, 20_000);
    expectNoLeak(s);
  });

  it("call sites and caller chains seen from a getter the host reads (Error.prepareStackTrace, .caller)", async () => {
    const s = await probe(`
const { torch } = require("autograd-lens");
Error.prepareStackTrace = (e, sites) => sites;
const found = (globalThis.__found = []);
// Sloppy functions (indirect eval), so that \`caller\` may be read at all.
const look = (0, eval)(\`(function look(tag) {
  const holder = {};
  Error.captureStackTrace(holder);
  const sites = holder.stack;
  if (Array.isArray(sites)) for (const cs of sites) {
    for (const m of ["getThis", "getFunction", "getEvalOrigin", "getTypeName"]) { try { __found.push([tag + " " + m, cs[m]()]); } catch (e) { __found.push([tag + " " + m + " threw", e]); } }
  }
  try { let f = look.caller, n = 0; while (f && n++ < 50) { __found.push([tag + " caller", f]); f = f.caller; } } catch (e) { __found.push([tag + " caller threw", e]); }
})\`);
const sloppyGetter = (0, eval)("(function (look, prop, box) { return function sloppyGetter() { look(prop); return box.value; }; })");
globalThis.__look = look;
(0, eval)("__look('top level')");
look("top level (direct)");
setTimeout(() => look("timer callback"), 1);
Promise.resolve().then(() => look("then callback"));
queueMicrotask(() => look("microtask"));
const x = torch.ones([2], { requiresGrad: true });
for (const prop of ["requiresGrad", "id", "name", "shape", "dtype", "data", "gradFn", "isLeaf", "_grad"]) {
  const box = { value: x[prop] };
  Object.defineProperty(x, prop, { configurable: true, get: sloppyGetter(look, prop, box), set(v) { box.value = v; } });
}
const named = x;               // bind reads the tensor
const y = named.mul(2).sum();  // the observer reads it
y.backward();
const proxied = new Proxy({}, { get(t, k, r) { found.push(["get receiver", r]); look("trap"); return Reflect.get(t, k); }, ownKeys(t) { look("ownKeys"); return []; }, getPrototypeOf(t) { look("proto"); return Object.prototype; } });
console.log(proxied);
console.log("%s", { toString() { look("toString"); return "s"; } });
setTimeout(() => {}, { [Symbol.toPrimitive]() { look("delay"); return 1; } });
try { require({ toString() { look("spec"); return "fs"; } }); } catch (e) { found.push(["spec error", e]); }
await new Promise((r) => setTimeout(r, 5));
found.forEach(([tag, v]) => __check(tag, v));
console.log("sites " + found.length);`);
    expectNoLeak(s);
    expect(s.console.some((c) => /^sites \d+/.test(c.text))).toBe(true);
  });

  it("arguments of callbacks (timers, promises, microtasks, warnings, hooks)", async () => {
    const s = await probe(`
const { torch } = require("autograd-lens");
const got = [];
function collect(tag) { return function () { got.push([tag + " this", this]); for (const a of arguments) got.push([tag, a]); }; }
setTimeout(collect("timeout"), 1, "a");
const iv = setInterval(function () { collect("interval").apply(this, arguments); clearInterval(iv); }, 1);
queueMicrotask(collect("microtask"));
Promise.resolve(1).then(collect("then"));
const x = torch.ones([2], { requiresGrad: true });
const y = x.mul(3);
if (typeof y.registerHook === "function") y.registerHook(collect("hook"));
y.sum().backward();
void y.grad; // a torch warning: the non-leaf's .grad
await new Promise((r) => setTimeout(r, 10));
got.forEach(([tag, v]) => __check(tag, v));`);
    expectNoLeak(s);
  });

  it("after an escape attempt the run still ends with a clear result", async () => {
    const s = await runner.run({
      source: `const lens = require("autograd-lens");\nlens.setObserver(null).tensorCreated.constructor.constructor("return process")().exit(0);`,
      language: "javascript",
      fileName: "/work/escape.js",
    });
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.message).toMatch(/setObserver|Autograd Lens/);
    expect(s.error?.range?.line).toBe(2);
  });
});
