// Boot-time warm-up of the sandbox child (runner/child.ts). A spare child boots long before its run
// (sandbox.ts keeps one ready), so whatever every run goes through and does not depend on the run is
// exercised here once, on made-up input: the transpiler (parser, type blanking, name binding, loop
// guards) and the snapshot's way out (the codec, the validator in repair mode, the JSON encoder). The
// run then finds that code compiled and its type feedback in place instead of paying for it (about a
// third of a small snippet's time in the child). Nothing here touches the snippet's context or the
// engine: the engine's state (its random generator, its counters) is the run's alone.
import type { GraphSnapshot, RunLimits, ValueSummary } from "../shared/protocol";
import { encodeResult } from "./child-result";
import { prepareScript } from "./transpile";

/** A snippet with the constructs snippets use: types to blank, imports, bindings, loops, functions, classes. */
export const WARMUP_SOURCE = `// A made-up snippet: f(x) = 0.2·x² − 5 at (2, 2), its graph, and the gradients backward() computes.
// Comments are most of a textbook snippet's characters (the lexer's comment loop is hot).
import { torch, nn, type Tensor } from "autograd-lens";
/* A block comment,
 * with a second line — and non-ASCII: α, β, ∂. */
interface Options { lr: number; steps?: number } // options
/** A doc comment. */
type Pair<T> = [T, T];
const opts: Options = { lr: 0.1, steps: 3 };
function square(t: Tensor): Tensor {
  return t.mul(t);
}
const f = (a: number, b = 2): number => a * b + (opts.steps ?? 1);
class Model extends nn.Module {
  private readonly scale: number = 2;
  forward(x: Tensor): Tensor { return x.mul(this.scale).tanh(); }
}
const x1 = torch.tensor(2.0, { requiresGrad: true });
const x2 = torch.tensor([1, 2, 3] as number[], { requiresGrad: true });
const [p, q]: Pair<number> = [1, 2];
const { lr } = opts;
let total = x1.mul(0.5).add(square(x1));
for (let i = 0; i < 3; i++) {
  total = total.add(x2.sum().mul(lr * i)).sub(f(p, q));
}
for (const v of [1, 2]) console.log(\`v = \${v}\`, total.item() > 0 ? "pos" : "neg");
while (total.item() > 1e9) break;
const m = new Model();
const y = m.forward(x2).sum();
y.backward();
console.log("grads", x1.grad?.item(), x2.grad as Tensor | null); // 0.8000 = 0.4 · x1
const g = (t: typeof x1) => t.grad?.item().toFixed(4);
console.log("x1.grad", g(x1), [x1, x2, y].map((t) => t.gradFn?.name).join(", ")); // 1.0000 1.0000
await Promise.resolve(y);
`;

function value(values: number[], shape: number[] = [values.length]): ValueSummary {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    shape,
    dtype: "float32",
    numel: n,
    values,
    truncated: false,
    ...(n > 1 ? { stats: { min: Math.min(...values), max: Math.max(...values), mean: sum / n, nanCount: 0, infCount: 0 } } : {}),
  };
}

/** A small snapshot with every kind of entry a run's has (tensors, nodes with saved values, steps, console, program). */
export function sampleSnapshot(limits: RunLimits): GraphSnapshot {
  const range = (line: number) => ({ line, column: 3 });
  return {
    version: 2,
    file: "/warmup.ts",
    language: "typescript",
    producer: "autograd-lens",
    tracedAt: new Date().toISOString(),
    durationMs: 1,
    limits,
    console: [{ level: "log", text: "v = 1 pos", range: range(20) }],
    warnings: [],
    tensors: [
      { id: "t1", name: "x", label: "x", kind: "leaf", shape: [3], dtype: "float32", value: value([1, 2, 3]), grad: value([2, 4, 6]), requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null, range: range(2), boundAt: range(2) },
      { id: "t2", label: "mul @ L3", kind: "intermediate", shape: [3], dtype: "float32", value: value([1, 4, 9]), grad: null, gradNote: "not a leaf", requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n2", range: range(3) },
      { id: "t3", name: "y", label: "y", kind: "output", shape: [], dtype: "float32", value: value([14], []), grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n3", range: range(3), boundAt: range(3) },
    ],
    nodes: [
      { id: "n1", name: "AccumulateGrad", kind: "accumulate", sequenceNr: null, tensor: "t1", inputs: ["grad"], formulas: [], saved: [], released: false },
      { id: "n2", name: "MulBackward0", kind: "function", sequenceNr: 0, tensor: "t2", inputs: ["self", "other"], formulas: ["grad · other", "grad · self"], saved: [{ name: "self", tensor: "t1", value: value([1, 2, 3]) }, { name: "other", scalar: 0.5 }], released: true, range: range(3) },
      { id: "n3", name: "SumBackward0", kind: "function", sequenceNr: 1, tensor: "t3", inputs: ["self"], formulas: ["grad expanded to self's shape"], saved: [], released: true, range: range(3) },
    ],
    edges: [
      { from: "n3", to: "n2", index: 0, inputNr: 0 },
      { from: "n2", to: "n1", index: 0, inputNr: 0 },
    ],
    backward: [
      {
        index: 0,
        kind: "backward",
        roots: ["t3"],
        loss: 14,
        range: range(4),
        stepsTruncated: false,
        steps: [
          { index: 0, node: "n3", gradIn: value([1], []), gradsOut: [{ index: 0, to: "n2", grad: value([1, 1, 1]) }] },
          { index: 1, node: "n2", gradIn: value([1, 1, 1]), gradsOut: [{ index: 0, to: "n1", grad: value([2, 4, 6]) }, { index: 1, to: null, grad: null }] },
          { index: 2, node: "n1", gradIn: value([2, 4, 6]), gradsOut: [], leaf: "t1", gradAfter: value([2, 4, 6]) },
        ],
      },
    ],
    nodesTruncated: false,
    output: "t3",
    program: {
      leaves: { t1: { shape: [3], dtype: "float32", values: [1, 2, 3], label: "x" } },
      constants: {},
      ops: [
        { node: "n2", op: "MulBackward0", inputs: ["t1", "t1"], attrs: {}, out: "t2", line: 3 },
        { node: "n3", op: "SumBackward0", inputs: ["t2"], attrs: { dim: null, keepdim: false }, out: "t3", line: 3 },
      ],
    },
  };
}

/** Limits for the made-up snapshot (the defaults; the run brings its own). */
export const WARMUP_LIMITS: RunLimits = Object.freeze({ timeoutMs: 5000, nodeCap: 20_000, valueCap: 1000, stepCap: 30_000, memoryMb: 1024 });

/** What a child started for a run at once prepares: the parser's modules loaded, nothing more. */
const TINY = `import { torch } from "autograd-lens";\nconst x: number[] = [1, 2];\nfor (const v of x) { console.log(v); }\nconst { a, b } = { a: 1, b: 2 };\n`;

/**
 * Run the transpiler and the way out `rounds` times (0: only a tiny snippet through the transpiler,
 * as every child did before its run); never throws (a warm-up only).
 */
export function warmUp(limits: RunLimits, rounds = 2): void {
  try {
    if (rounds === 0) prepareScript(TINY, "typescript", "/warmup.ts", { verify: false });
    for (let i = 0; i < rounds; i++) {
      prepareScript(WARMUP_SOURCE, "typescript", "/warmup.ts", { verify: false });
      encodeResult(sampleSnapshot(limits));
    }
  } catch {
    // Warm-up only.
  }
}
