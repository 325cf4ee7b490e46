// Python traces against real PyTorch: each program runs twice with the same interpreter — once
// through the tracer (runner/python-runner.ts), once plainly with an "oracle" around it that asks
// PyTorch itself (values, .grad, grad_fn.name(), and the order its engine runs nodes, seen through
// its own node hooks) — and the snapshot must agree. Needs a Python with torch: /usr/bin/python3
// (Debian's python3-torch, installed by .ci/run), or AUTOGRAD_LENS_TEST_PYTHON; skipped, saying so,
// without one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { interpreterProblem, runPython, applyPythonSelection, type PythonRunRequest } from "../../runner/python-runner";
import { snapshotProblem } from "../../shared/validate";
import { runSnippet } from "../../runner/sandbox";
import type { GraphSnapshot, SnapshotWire, TensorInfo } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";

const PYTHON = process.env["AUTOGRAD_LENS_TEST_PYTHON"] ?? "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
if (!hasTorch) {
  console.warn(`\n*** Python-mode tests SKIPPED: ${PYTHON} cannot import torch (apt-get install python3-torch, or set AUTOGRAD_LENS_TEST_PYTHON). ***\n`);
}

const FIXTURES = path.resolve("test/runner/python");
const fixture = (name: string) => path.join(FIXTURES, name);
const trace = (file: string, extra: Partial<PythonRunRequest> = {}) =>
  runPython({ source: fs.readFileSync(file, "utf8"), fileName: file, python: PYTHON, ...extra });
const traceText = (source: string, extra: Partial<PythonRunRequest> = {}) =>
  runPython({ source, fileName: path.join(FIXTURES, "inline.py"), python: PYTHON, ...extra });

// ---- the oracle: what PyTorch itself reports --------------------------------------------------

const ORACLE_PREFIX = `
import torch as _t, json as _json
_order = []
_current = [None]
_hooked = set()
_orig_backward = _t.autograd.backward
def _backward(*a, **k):
    roots = a[0] if a else k["tensors"]
    roots = [roots] if isinstance(roots, _t.Tensor) else list(roots)
    call = []
    _order.append(call)
    _current[0] = call
    seen, stack = set(), [r.grad_fn for r in roots]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if n not in _hooked:
            _hooked.add(n)
            n.register_hook(lambda gi, go, n=n: _current[0].append(n.name().replace("torch::autograd::", "")))
        stack.extend(m for m, _ in n.next_functions)
    return _orig_backward(*a, **k)
_t.autograd.backward = _backward
`;

function oracleSuffix(names: string[]): string {
  return `
def _val(t):
    return t.detach().reshape(-1).double().tolist()
_out = {"order": _order, "tensors": {}}
for _n in ${JSON.stringify(names)}:
    _v = globals()[_n]
    if isinstance(_v, list):
        _out["tensors"][_n] = {"value": _v}
        continue
    _g = _v.grad if (_v.is_leaf or _v.retains_grad) else None
    _out["tensors"][_n] = {"value": _val(_v), "grad": None if _g is None else _val(_g), "grad_fn": None if _v.grad_fn is None else _v.grad_fn.name()}
print("@@ORACLE" + _json.dumps(_out))
`;
}

interface Oracle {
  order: string[][];
  tensors: Record<string, { value: number[]; grad?: number[] | null; grad_fn?: string | null }>;
}

function oracle(file: string, names: string[]): Oracle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-oracle-"));
  const script = path.join(dir, "oracle.py");
  fs.writeFileSync(script, ORACLE_PREFIX + fs.readFileSync(file, "utf8") + oracleSuffix(names));
  const r = spawnSync(PYTHON, [script], { cwd: path.dirname(file), encoding: "utf8", env: { ...process.env, PYTHONPATH: path.dirname(file) } });
  fs.rmSync(dir, { recursive: true, force: true });
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@ORACLE"));
  if (!line) throw new Error(`the oracle failed: ${r.stderr}`);
  return JSON.parse(line.slice("@@ORACLE".length)) as Oracle;
}

// ---- helpers ------------------------------------------------------------------------------------

const byName = (s: GraphSnapshot, name: string): TensorInfo => {
  const all = s.tensors.filter((x) => x.name === name);
  const t = all[all.length - 1];
  if (!t) throw new Error(`no tensor named ${name}; have ${s.tensors.map((x) => x.label).join(", ")}`);
  return t;
};
const byLabel = (s: GraphSnapshot, label: string): TensorInfo => {
  const t = s.tensors.find((x) => x.label === label);
  if (!t) throw new Error(`no tensor labelled ${label}; have ${s.tensors.map((x) => x.label).join(", ")}`);
  return t;
};
const values = (v: TensorInfo["value"] | null | undefined): number[] => (v?.values ?? []).map(Number);
const gradFnName = (s: GraphSnapshot, t: TensorInfo) => s.nodes.find((n) => n.id === t.gradFn)?.name ?? null;
const stepNames = (s: GraphSnapshot, call: number) => s.backward[call]!.steps.map((st) => s.nodes.find((n) => n.id === st.node)!.name);
const lineOf = (file: string, text: string) => fs.readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes(text)) + 1;

function expectClose(actual: number[], expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
}

describe.skipIf(!hasTorch)("Python traces with real PyTorch", () => {
  const textbookFile = path.resolve("examples/autograd-basics.py");
  let textbook: GraphSnapshot;
  beforeAll(async () => {
    textbook = await trace(textbookFile);
  });

  it("the textbook example: names, values, grads, retained grads and grad_fn names as PyTorch reports them", () => {
    const s = textbook;
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    expect(s.language).toBe("python");
    expect(s.producer).toMatch(/^pytorch \d+\.\d+/);
    const names = ["x1", "x2", "x3", "x4", "x5", "x6", "x7"];
    const o = oracle(textbookFile, names);
    for (const n of names) {
      const t = byName(s, n);
      expectClose(values(t.value), o.tensors[n]!.value);
      expect(gradFnName(s, t)).toBe(o.tensors[n]!.grad_fn ?? null);
      if (o.tensors[n]!.grad) expectClose(values(t.grad), o.tensors[n]!.grad!);
      else expect(t.grad).toBeNull();
    }
    // The book's numbers, to make sure the oracle is the textbook too.
    expect(values(byName(s, "x7").value)[0]).toBeCloseTo(-3.4, 5);
    expect(values(byName(s, "x1").grad)[0]).toBeCloseTo(0.8, 5);
    expect(["x3", "x4", "x5", "x6"].map((n) => Number(values(byName(s, n).grad)[0]!.toFixed(4)))).toEqual([0.2, 0.2, 1, 1]);
    expect(byName(s, "x7").grad).toBeNull();
    expect(byName(s, "x7").gradNote).toMatch(/retain_grad/);
    expect(byName(s, "x1").kind).toBe("leaf");
    expect(byName(s, "x7").kind).toBe("output");
    expect(s.output).toBe(byName(s, "x7").id);
    // A Python float: MulBackward0 (what PyTorch recorded), with its saved values.
    const mul = s.nodes.find((n) => n.id === byName(s, "x5").gradFn)!;
    expect(mul.name).toBe("MulBackward0");
    // Saved before backward freed them: `other` (the 0.2, a wrapped number); `self` is not saved (None).
    expect(mul.saved.map((v) => [v.name, values(v.value)[0]])).toEqual([["other", expect.closeTo(0.2, 5)]]);
    expect(mul.released).toBe(true);
    expect(mul.formulas).toEqual([]);
  });

  it("the textbook example: lines and columns of bindings and ops, the backward call's line", () => {
    const s = textbook;
    const x1 = byName(s, "x1");
    expect(x1.boundAt).toEqual({ line: lineOf(textbookFile, "x1 = torch.tensor"), column: 1 });
    expect(x1.range).toEqual({ line: lineOf(textbookFile, "x1 = torch.tensor"), column: 6 });
    const x3 = byName(s, "x3");
    expect(s.nodes.find((n) => n.id === x3.gradFn)!.range?.line).toBe(lineOf(textbookFile, "x3 = x1.square()"));
    expect(s.backward).toHaveLength(1);
    expect(s.backward[0]!.range?.line).toBe(lineOf(textbookFile, "x7.backward()"));
    expect(s.backward[0]!.loss).toBeCloseTo(-3.4, 5);
    expect(s.console[0]).toMatchObject({ level: "log", text: "tensor(-3.4000, grad_fn=<SubBackward0>)", range: { line: lineOf(textbookFile, "print(x7)") } });
  });

  it("the textbook example: backward steps in the order PyTorch's engine ran them, with what each node received and sent", () => {
    const s = textbook;
    const o = oracle(textbookFile, []);
    expect(stepNames(s, 0)).toEqual(o.order[0]);
    const steps = s.backward[0]!.steps;
    expect(steps.map((st) => st.index)).toEqual(steps.map((_, i) => i));
    // AccumulateGrad steps name their leaf and its .grad right after; retained tensors theirs.
    const acc = steps.filter((st) => st.leaf);
    expect(acc.map((st) => s.tensors.find((t) => t.id === st.leaf)!.name).sort()).toEqual(["x1", "x2"]);
    for (const st of acc) expect(values(st.gradAfter)[0]).toBeCloseTo(0.8, 5);
    const retained = steps.filter((st) => st.retained).map((st) => [s.tensors.find((t) => t.id === st.retained)!.name, values(st.gradAfter)[0]]);
    expect(new Map(retained as Array<[string, number]>)).toEqual(new Map([["x3", expect.closeTo(0.2, 5)], ["x4", expect.closeTo(0.2, 5)], ["x5", 1], ["x6", 1]]));
    // Every edge of the graph is PyTorch's next_functions: the sub node feeds the add node.
    const sub = s.nodes.find((n) => n.id === byName(s, "x7").gradFn)!;
    expect(s.edges.filter((e) => e.from === sub.id).map((e) => s.nodes.find((n) => n.id === e.to)!.name)).toEqual(["AddBackward0"]);
    expect(values(steps[0]!.gradIn)).toEqual([1]);
  });

  it("a training loop with nn.Sequential and SGD: every call's loss, steps in engine order, parameter names and final values", async () => {
    const file = fixture("training_loop.py");
    const s = await trace(file);
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    const o = oracle(file, ["losses", "pred", "loss"]);
    const losses = o.tensors["losses"]!.value;
    expect(s.backward).toHaveLength(20);
    expectClose(s.backward.map((c) => c.loss!), losses, 5);
    // In a loop (more than 10 calls) only the last call keeps its steps, in the order PyTorch's
    // engine ran them; the others keep their loss.
    expect(s.backward.filter((c) => c.steps.length > 0).map((c) => c.index)).toEqual([19]);
    expect(stepNames(s, 19)).toEqual(o.order[19]);
    for (let i = 0; i < 19; i++) expect(s.backward[i]).toMatchObject({ steps: [], stepsTruncated: true });
    // Parameters carry their named_parameters() names, values after the last step, grads of the last call.
    const oracleParams = oracle(file, []);
    expect(oracleParams.order).toHaveLength(20);
    const w = byLabel(s, "0.weight");
    expect(w.kind).toBe("leaf");
    expect(w.shape).toEqual([8, 3]);
    for (const label of ["0.bias", "2.weight", "2.bias"]) expect(byLabel(s, label).kind).toBe("leaf");
    const params = paramOracle(file);
    for (const [label, p] of Object.entries(params)) {
      expectClose(values(byLabel(s, label).value), p.value, 5);
      expectClose(values(byLabel(s, label).grad), p.grad, 5);
    }
    // The last call's graph: its loss is the snapshot's output, with PyTorch's grad_fn names.
    expect(gradFnName(s, byName(s, "loss"))).toBe(null === o.tensors["loss"]!.grad_fn ? null : o.tensors["loss"]!.grad_fn);
    expect(s.console.map((c) => c.text)).toEqual([`loss ${losses[0]} -> ${losses[losses.length - 1]}`]);
  });

  it("a long training loop: every call's loss, the last calls' graphs and steps in engine order, older calls' graphs let go", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-long-"));
    const file = path.join(dir, "long_loop.py");
    fs.writeFileSync(file, fs.readFileSync(fixture("training_loop.py"), "utf8").replace("range(20)", "range(60)"));
    try {
      const s = await trace(file);
      expect(s.error).toBeUndefined();
      expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
      const o = oracle(file, ["losses"]);
      expect(s.backward).toHaveLength(60);
      expectClose(s.backward.map((c) => c.loss!), o.tensors["losses"]!.value, 5);
      // In a loop the last call keeps its steps (in engine order) and its graph; older calls keep
      // their loss only.
      const kept = s.backward.filter((c) => c.steps.length > 0).map((c) => c.index);
      expect(kept).toEqual([59]);
      for (const i of kept) expect(stepNames(s, i)).toEqual(o.order[i]);
      for (let i = 0; i < 60 - kept.length; i++) expect(s.backward[i]).toMatchObject({ steps: [], stepsTruncated: true });
      expect(s.nodes.filter((n) => n.name === "MseLossBackward0")).toHaveLength(kept.length);
      // A result the code never bound (the Tanh inside the Sequential) has its tensor and values,
      // as the next Linear saved it.
      const tanh = s.nodes.filter((n) => n.name === "TanhBackward0").pop()!;
      const t = s.tensors.find((x) => x.id === tanh.tensor)!;
      expect(t.shape).toEqual([32, 8]);
      expect(t.label).toBe(`tanh @ L${lineOf(file, "pred = model(X)")}`);
      expect(values(t.value).every((v) => v >= -1 && v <= 1)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("retain_grad and a tensor hook: the hooked gradient is what the node received", async () => {
    const file = fixture("hooks.py");
    const s = await trace(file);
    expect(s.error).toBeUndefined();
    const o = oracle(file, ["a", "b", "h", "s"]);
    for (const n of ["a", "b", "h"]) expectClose(values(byName(s, n).grad), o.tensors[n]!.grad!);
    const h = byName(s, "h");
    expect(h.retainsGrad).toBe(true);
    const step = s.backward[0]!.steps.find((st) => st.node === h.gradFn)!;
    // The hook doubles the gradient MulBackward0 gets. PyTorch 1.x retains h.grad before the hook
    // (half of it); from 2.0 retain_grad's hook runs after the tensor's other hooks (all of it).
    const major = Number(/^pytorch (\d+)\./.exec(s.producer ?? "")?.[1]);
    expect(major).toBeGreaterThanOrEqual(1);
    expectClose(values(step.gradIn), values(h.grad).map((g) => (major >= 2 ? g : g * 2)), 5);
    expect(stepNames(s, 0)).toEqual(o.order[0]);
  });

  it("the program's own grad_fn hooks keep their handles and run as untraced, beside the tracer's hooks on every node", async () => {
    const file = fixture("node_hooks.py");
    const s = await trace(file);
    expect(s.error).toBeUndefined();
    const plain = spawnSync(PYTHON, [file], { encoding: "utf8" });
    expect(plain.status).toBe(0);
    expect(s.console.map((c) => c.text)).toEqual([plain.stdout.trim()]);
    expect(plain.stdout.trim()).toBe("[('kept', 1.0), ('second', 1)] RemovableHandle");
    // The tracer's own hooks saw both calls' steps.
    const o = oracle(file, []);
    expect(s.backward).toHaveLength(2);
    for (const i of [0, 1]) expect(stepNames(s, i)).toEqual(o.order[i]);
  });

  it("a custom torch.autograd.Function and a helper module imported from the file's folder", async () => {
    const s = await trace(fixture("custom_function.py"));
    expect(s.error).toBeUndefined();
    expect(gradFnName(s, byName(s, "c"))).toBe("CubeBackward");
    expect(values(byName(s, "x").grad)[0]).toBeCloseTo(24, 5);
    // A user-defined node, as in TypeScript: its class and the def lines of forward and backward.
    const cube = s.nodes.find((n) => n.name === "CubeBackward")!;
    const src = fixture("custom_function.py");
    expect(cube.userDefined).toEqual({
      className: "Cube",
      forward: { line: lineOf(src, "def forward("), column: 5 },
      backward: { line: lineOf(src, "def backward("), column: 5 },
    });
    expect(cube.formulas).toEqual([`user-defined: Cube.backward at line ${lineOf(src, "def backward(")}`]);
    const u = await trace(fixture("uses_helper.py"));
    expect(u.error).toBeUndefined();
    expect(values(byName(u, "w").grad)[0]).toBeCloseTo(6, 5);
    // The op ran in helper_module.py: its line here is the call in the user's file.
    expect(byName(u, "y").range?.line).toBe(lineOf(fixture("uses_helper.py"), "y = square(w)"));
  });

  it("a shape mismatch: the error at its line and column, the graph traced before it kept", async () => {
    const file = fixture("shape_error.py");
    const s = await trace(file);
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.message).toMatch(/^RuntimeError: .*(mat1 and mat2|size mismatch|shapes cannot be multiplied)/);
    expect(s.error?.range).toEqual({ line: lineOf(file, "c = a @ b"), column: 5 });
    expect(s.error?.stack).toContain(`${file}:${lineOf(file, "c = a @ b")}:5`);
    expect(byName(s, "total").kind).toBe("output");
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
  });

  it("a syntax error at its line and column", async () => {
    const s = await traceText("import torch\nx = torch.ones(2)\ny = (x +\n");
    expect(s.error?.kind).toBe("syntax");
    expect(s.error?.range?.line).toBe(3);
    expect(s.tensors).toEqual([]);
  });

  it("an infinite loop ends at the time limit with its line; what was traced before is kept", async () => {
    const src = "import torch\nw = torch.ones(3, requires_grad=True)\nv = w * 2\nn = 0\nwhile True:\n    n += 1\n";
    const t0 = Date.now();
    const s = await traceText(src, { limits: { timeoutMs: 1000 } });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(s.error?.kind).toBe("timeout");
    expect(s.error?.message).toMatch(/Timed out after 1 s: the program was still running at line [56]\b/);
    expect([5, 6]).toContain(s.error?.range?.line);
    expect(byName(s, "v").gradFn).not.toBeNull();
  });

  it("a memory bomb stops at the memory limit with its line", async () => {
    const src = "import torch\nw = torch.ones(3, requires_grad=True)\nkeep = []\nfor i in range(1000):\n    keep.append(torch.ones(25_000_000))\n";
    const s = await traceText(src, { limits: { memoryMb: 300 } });
    expect(s.error?.kind).toBe("memory");
    expect(s.error?.range?.line).toBe(5);
    expect(s.error?.message).toMatch(/memory limit of 300 MB/);
    expect(byName(s, "w").kind).toBe("leaf");
  });

  it("a missing interpreter and an interpreter without torch: clear messages naming it", async () => {
    const missing = await traceText("import torch\n", { python: "/nonexistent/python3" });
    expect(missing.error?.kind).toBe("import");
    expect(missing.error?.message).toMatch(/"\/nonexistent\/python3" was not found/);
    expect(interpreterProblem(missing)).toBe("no-python");
    // An interpreter whose torch cannot be imported (a stand-in torch package on PYTHONPATH raises).
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), "lens-notorch-"));
    fs.mkdirSync(path.join(fake, "torch"));
    fs.writeFileSync(path.join(fake, "torch", "__init__.py"), "raise ImportError('No module named torch (test stand-in)')\n");
    const saved = process.env["PYTHONPATH"];
    process.env["PYTHONPATH"] = fake;
    try {
      const noTorch = await traceText("import torch\n");
      expect(noTorch.error?.kind).toBe("import");
      expect(noTorch.error?.message).toContain(`PyTorch could not be imported by the Python interpreter ${PYTHON}`);
      expect(noTorch.error?.message).toContain("-m pip install torch");
      expect(interpreterProblem(noTorch)).toBe("no-torch");
    } finally {
      if (saved === undefined) delete process.env["PYTHONPATH"];
      else process.env["PYTHONPATH"] = saved;
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });

  it("a selection runs only its lines (imports kept, an indented selection runs as a block)", async () => {
    const src = "import torch\na = torch.tensor(1.0, requires_grad=True)\nfor i in range(2):\n    b = torch.tensor(3.0, requires_grad=True)\n    c = b * 2\n";
    expect(applyPythonSelection(src, { startLine: 4, endLine: 5 }).split("\n")).toEqual(["import torch", "", "if True:", "    b = torch.tensor(3.0, requires_grad=True)", "    c = b * 2", ""]);
    const s = await traceText(src, { selection: { startLine: 4, endLine: 5 } });
    expect(s.error).toBeUndefined();
    expect(s.tensors.map((t) => t.name)).toEqual(["b", "c"]);
    expect(byName(s, "c").boundAt).toEqual({ line: 5, column: 5 });
  });

  it("the node cap stops recording; the program runs on and the snapshot stays valid", async () => {
    const src = "import torch\nx = torch.ones(2, requires_grad=True)\nfor i in range(50):\n    x = x * 1.01\nx.sum().backward()\nprint('done')\n";
    const s = await traceText(src, { limits: { nodeCap: 10 } });
    expect(s.error).toBeUndefined();
    expect(s.nodesTruncated).toBe(true);
    expect(s.nodes.filter((n) => n.kind === "function").length).toBeLessThanOrEqual(10);
    expect(s.console.map((c) => c.text)).toEqual(["done"]);
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
  });

  it("the command line: trace FILE.py --python PATH writes the snapshot; a failing file exits 1 with file:line:col", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lens-cli-")), "t.json");
    const ok = spawnSync(process.execPath, ["dist/cli.js", "trace", "examples/autograd-basics.py", "--python", PYTHON, "--json", out], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("output x7 = -3.4 (grad_fn SubBackward0)");
    // The file holds the snapshot as it travels (values in a base64 table).
    const s = JSON.parse(fs.readFileSync(out, "utf8")) as SnapshotWire;
    expect(s.version).toBe(2);
    expect(snapshotProblem(s)).toBeUndefined();
    expect(s.language).toBe("python");
    const bad = spawnSync(process.execPath, ["dist/cli.js", "trace", "test/runner/python/shape_error.py", "--python", PYTHON], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("test/runner/python/shape_error.py:6:5: error: RuntimeError: mat1 and mat2 shapes cannot be multiplied");
    const none = spawnSync(process.execPath, ["dist/cli.js", "trace", "examples/autograd-basics.py", "--python", "/nonexistent/python3"], { encoding: "utf8" });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('The Python interpreter "/nonexistent/python3" was not found');
    expect(none.stderr).toContain("--python PATH");
  });

  it("hostile output: garbage or a forged snapshot on the result channel gets an error, not a crash", async () => {
    const writeAll = (data: string) =>
      `import os\nfor fd in range(3, 256):\n    try:\n        os.write(fd, ${JSON.stringify(data)}.encode())\n    except OSError:\n        pass\nos._exit(0)\n`;
    const garbage = await traceText(writeAll("{not json\n"));
    expect(garbage.error?.kind).toBe("internal");
    expect(garbage.error?.message).toMatch(/invalid result \(a line that is not JSON\)/);
    const forged = await traceText(writeAll(JSON.stringify({ type: "result", snapshot: { version: 2, tensors: "all of them" } }) + "\n"));
    expect(forged.error?.kind).toBe("internal");
    expect(forged.error?.message).toMatch(/invalid result \(snapshot\.limits: must be an object, not /);
  });
});

function paramOracle(file: string): Record<string, { value: number[]; grad: number[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-oracle-"));
  const script = path.join(dir, "params.py");
  fs.writeFileSync(
    script,
    `${fs.readFileSync(file, "utf8")}
import json as _json
print("@@ORACLE" + _json.dumps({n: {"value": p.detach().reshape(-1).double().tolist(), "grad": p.grad.reshape(-1).double().tolist()} for n, p in model.named_parameters()}))
`,
  );
  const r = spawnSync(PYTHON, [script], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@ORACLE"));
  if (!line) throw new Error(`the oracle failed: ${r.stderr}`);
  return JSON.parse(line.slice("@@ORACLE".length)) as Record<string, { value: number[]; grad: number[] }>;
}

describe("one contract for both front ends", () => {
  let ts: GraphSnapshot;
  beforeAll(async () => {
    ts = await runSnippet({ source: fs.readFileSync("examples/autograd-basics.ts", "utf8"), language: "typescript", fileName: path.resolve("examples/autograd-basics.ts") }, { distDir: path.resolve("dist") });
  });
  afterAll(() => undefined);

  it("the TypeScript runner's snapshot passes the same check as the Python tracer's", () => {
    expect(ts.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(ts))).toBeUndefined();
  });

  it("the check names what is wrong: a dangling id, a bad version, a wrong type", () => {
    const clone = () => JSON.parse(JSON.stringify(encodeSnapshot(ts))) as SnapshotWire;
    const a = clone();
    a.edges[0]!.to = "n999999";
    expect(snapshotProblem(a)).toMatch(/^snapshot\.edges\[0\]\.to: refers to a node that is not in the snapshot/);
    const b = clone() as unknown as { version: number };
    b.version = 999;
    expect(snapshotProblem(b)).toMatch(/^snapshot\.version: version 999 is not one this Autograd Lens reads/);
    const c = clone();
    c.values[c.tensors[0]!.value]!.count = 99;
    expect(snapshotProblem(c)).toMatch(/^snapshot\.values\[\d+\]\.count: 99 is out of range \[0, \d+\]/);
    const d = clone();
    (d.tensors[0] as unknown as { value: unknown }).value = { shape: [2], dtype: "float32", numel: 3, values: [], truncated: false };
    expect(snapshotProblem(d)).toMatch(/^snapshot\.tensors\[0\]\.value: must be an index into snapshot\.values/);
    expect(snapshotProblem("nope")).toMatch(/^snapshot: must be an object, not /);
  });
});
