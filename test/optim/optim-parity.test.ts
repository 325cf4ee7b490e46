// Optimizers and lr schedulers against real PyTorch, step by step: the same small problem (a linear
// model with a quartic penalty, so gradients change every step) runs here and in optim_parity.py
// (/usr/bin/python3 + torch), and every parameter and every group's lr is compared after every step.
// Skipped, visibly, when Python with torch is not installed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { torch, type Tensor } from "../../engine/index";
import { PYTHON, torchUnavailable } from "../parity/python";

type Options = Record<string, unknown>;
interface Case {
  name: string;
  dtype: "float32" | "float64";
  params: Record<string, { shape: number[]; values: number[] }>;
  x: number[][];
  y: number[][];
  optimizer: { type: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad"; groups: Array<{ params: string[]; options?: Options }>; defaults?: Options };
  steps: number;
  setLr?: Array<{ step: number; group: number; lr: number }>;
  setToNone?: boolean;
  scheduler?: { type: "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" | "LambdaLR" | "ReduceLROnPlateau"; options?: Options };
  metrics?: number[];
}
interface Step {
  params: Record<string, number[]>;
  lr: number[];
}

const X = [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.3, 0.8, 1.5], [0.9, -0.2, 0.6]];
const Y = [[0.2, -0.5], [1.0, 0.3], [-0.4, 0.9], [0.6, -0.1]];
const PARAMS = { w1: { shape: [3, 2], values: [0.3, -0.6, 0.8, 0.1, -0.4, 0.5] }, w2: { shape: [2], values: [0.05, -0.15] } };
const ONE_GROUP = [{ params: ["w1", "w2"] }];
const TWO_GROUPS = [{ params: ["w1"], options: { lr: 0.05 } }, { params: ["w2"] }];

function optCase(name: string, type: Case["optimizer"]["type"], defaults: Options, extra: Partial<Case> = {}): Case[] {
  return (["float64", "float32"] as const).map((dtype) => ({
    name: `${name} (${dtype})`,
    dtype,
    params: PARAMS,
    x: X,
    y: Y,
    optimizer: { type, groups: ONE_GROUP, defaults },
    steps: 12,
    ...extra,
  }));
}

const CASES: Case[] = [
  ...optCase("SGD", "SGD", { lr: 0.01 }),
  ...optCase("SGD momentum dampening weightDecay", "SGD", { lr: 0.01, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
  ...optCase("SGD nesterov maximize", "SGD", { lr: 0.005, momentum: 0.8, nesterov: true, maximize: true }),
  ...optCase("SGD param groups + lr changed at step 4", "SGD", { lr: 0.01, momentum: 0.5 }, {
    optimizer: { type: "SGD", groups: TWO_GROUPS, defaults: { lr: 0.01, momentum: 0.5 } },
    setLr: [{ step: 4, group: 0, lr: 0.002 }],
    setToNone: false,
  }),
  ...optCase("Adam", "Adam", { lr: 0.05 }),
  ...optCase("Adam amsgrad weightDecay betas", "Adam", { lr: 0.05, amsgrad: true, weightDecay: 0.1, betas: [0.8, 0.99], eps: 1e-6 }),
  ...optCase("AdamW", "AdamW", { lr: 0.05 }),
  ...optCase("AdamW amsgrad groups", "AdamW", {}, { optimizer: { type: "AdamW", groups: TWO_GROUPS, defaults: { lr: 0.02, weightDecay: 0.05, amsgrad: true } } }),
  ...optCase("RMSprop", "RMSprop", { lr: 0.01 }),
  ...optCase("RMSprop centered momentum weightDecay", "RMSprop", { lr: 0.01, centered: true, momentum: 0.9, weightDecay: 0.01, alpha: 0.9 }),
  ...optCase("Adagrad", "Adagrad", { lr: 0.1 }),
  ...optCase("Adagrad lrDecay weightDecay initialAccumulatorValue", "Adagrad", { lr: 0.1, lrDecay: 0.05, weightDecay: 0.1, initialAccumulatorValue: 0.2 }),
  ...optCase("StepLR", "SGD", { lr: 0.01, momentum: 0.9 }, { scheduler: { type: "StepLR", options: { stepSize: 3, gamma: 0.5 } } }),
  ...optCase("MultiStepLR", "SGD", { lr: 0.01 }, { scheduler: { type: "MultiStepLR", options: { milestones: [2, 5, 5, 9], gamma: 0.3 } } }),
  ...optCase("ExponentialLR", "Adam", { lr: 0.05 }, { scheduler: { type: "ExponentialLR", options: { gamma: 0.8 } } }),
  ...optCase("CosineAnnealingLR (past tMax)", "SGD", { lr: 0.02 }, { steps: 16, scheduler: { type: "CosineAnnealingLR", options: { tMax: 5, etaMin: 0.001 } } }),
  ...optCase("LambdaLR groups", "SGD", {}, { optimizer: { type: "SGD", groups: TWO_GROUPS, defaults: { lr: 0.01 } }, scheduler: { type: "LambdaLR" } }),
  ...optCase("ReduceLROnPlateau", "SGD", { lr: 0.01 }, {
    steps: 14,
    scheduler: { type: "ReduceLROnPlateau", options: { patience: 2, factor: 0.5, cooldown: 1, threshold: 0.01, minLr: 0.002 } },
    metrics: [5, 4, 4.5, 4.2, 4.1, 3.99, 3.98, 4.5, 3.5, 3.6, 3.6, 3.6, 3.6, 3.6],
  }),
  ...optCase("ReduceLROnPlateau max abs", "SGD", { lr: 0.01 }, {
    steps: 10,
    scheduler: { type: "ReduceLROnPlateau", options: { mode: "max", patience: 1, thresholdMode: "abs", threshold: 0.1 } },
    metrics: [0.5, 0.55, 0.7, 0.75, 0.79, 0.95, 0.96, 0.97, 0.98, 0.99],
  }),
];

/** The same loop as optim_parity.py, with our engine. */
function runOurs(c: Case): Step[] {
  const p: Record<string, Tensor> = {};
  for (const [n, v] of Object.entries(c.params)) p[n] = torch.tensor(v.values, { dtype: c.dtype }).reshape(v.shape).detach().requiresGrad_();
  const x = torch.tensor(c.x, { dtype: c.dtype });
  const y = torch.tensor(c.y, { dtype: c.dtype });
  const groups = c.optimizer.groups.map((g) => ({ ...(g.options ?? {}), params: g.params.map((n) => p[n]!) }));
  const Cls = torch.optim[c.optimizer.type] as unknown as new (params: unknown, options: Options) => InstanceType<typeof torch.optim.SGD>;
  const opt = new Cls(groups, c.optimizer.defaults ?? {});
  const s = c.scheduler;
  const S = torch.optim.lrScheduler;
  let sched: { step(m: number): void; getLastLr(): number[] } | null = null;
  if (s?.type === "LambdaLR") sched = new S.LambdaLR(opt, { lrLambda: (e) => 0.9 ** e + 0.01 * e });
  else if (s?.type === "ReduceLROnPlateau") sched = new S.ReduceLROnPlateau(opt, s.options);
  else if (s) {
    const C = S[s.type] as unknown as new (o: unknown, options: unknown) => { step(m?: number): void; getLastLr(): number[] };
    sched = new C(opt, s.options);
  }
  const steps: Step[] = [];
  for (let t = 0; t < c.steps; t++) {
    for (const st of c.setLr ?? []) if (st.step === t) opt.paramGroups[st.group]!.lr = st.lr;
    opt.zeroGrad({ setToNone: c.setToNone ?? true });
    const { w1, w2 } = p as { w1: Tensor; w2: Tensor };
    const loss = x.mm(w1).add(w2).sub(y).pow(2).sum().add(w1.mul(w1).mul(w1).mul(w1).sum().mul(0.1));
    loss.backward();
    opt.step();
    if (sched) {
      if (s!.type === "ReduceLROnPlateau") sched.step(c.metrics![t]!);
      else (sched as unknown as { step(): void }).step();
      expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
    }
    steps.push({ params: Object.fromEntries(Object.entries(p).map(([n, v]) => [n, Array.from(v._values)])), lr: opt.paramGroups.map((g) => g.lr) });
  }
  return steps;
}

/** Relative to the larger of the two values and `scale` (the tensor's largest magnitude: an element passing near zero is not held to its own few digits). */
function close(a: number, b: number, rel: number, scale = 0): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), scale, 1e-12);
}

const unavailable = torchUnavailable();
if (unavailable !== null) {
  console.warn(`[optim parity] SKIPPED: ${unavailable}`);
  describe("optimizers vs PyTorch", () => it.skip(`SKIPPED: ${unavailable}`, () => {}));
} else {
  let theirs: Step[][] = [];
  beforeAll(() => {
    const r = spawnSync(PYTHON, [fileURLToPath(new URL("./optim_parity.py", import.meta.url))], {
      input: JSON.stringify(CASES),
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, OMP_NUM_THREADS: "1" },
    });
    if (r.status !== 0) throw new Error(`optim_parity.py failed: ${r.stderr}`);
    theirs = (JSON.parse(r.stdout) as { results: Step[][] }).results;
  }, 180_000);

  describe("optimizers and lr schedulers match PyTorch step by step", () => {
    CASES.forEach((c, i) => {
      it(c.name, () => {
        const ours = runOurs(c);
        const ref = theirs[i]!;
        expect(ours.length).toBe(ref.length);
        // float64 agrees to rounding; float32 to a few ulps (PyTorch 1.13 uses mul+add where 2.x uses lerp).
        const rel = c.dtype === "float64" ? 1e-10 : 1e-6;
        ours.forEach((step, t) => {
          step.lr.forEach((lr, g) => expect(close(lr, ref[t]!.lr[g]!, 1e-12), `step ${t} lr of group ${g}: ${lr} vs ${ref[t]!.lr[g]}`).toBe(true));
          for (const [n, vals] of Object.entries(step.params)) {
            const scale = Math.max(...ref[t]!.params[n]!.map(Math.abs));
            vals.forEach((v, k) => {
              const w = ref[t]!.params[n]![k]!;
              expect(close(v, w, rel, scale), `step ${t} ${n}[${k}]: ours ${v}, PyTorch ${w}`).toBe(true);
            });
          }
        });
        // The problem is not trivial: the parameters moved.
        expect(ours[ours.length - 1]!.params["w1"]).not.toEqual(PARAMS.w1.values.map((v) => (c.dtype === "float32" ? Math.fround(v) : v)));
      });
    });
  });
}
