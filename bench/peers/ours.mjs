// "ours": the Autograd Lens engine as built by `npm run build` (dist/engine.js, CJS).
// Written the way a user would write each case against our PyTorch-style API.
import { createRequire } from 'node:module';
import { MLP_SIZES, mlpLayers } from '../lib/common.mjs';
import { scalarMlpLoss } from '../lib/scalar-mlp.mjs';

const require = createRequire(import.meta.url);

export async function load(ctx) {
  const { torch } = require(ctx.enginePath);
  if (!torch) throw new Error(`${ctx.enginePath} has no "torch" export`);
  torch.manualSeed?.(0);
  return { torch, version: require('../../package.json').version };
}

/** Row-major Float32Array → nested number[][], the documented 2-D form of torch.tensor. */
function nested(flat, rows, cols) {
  const out = [];
  for (let i = 0; i < rows; i++) out.push(Array.from(flat.subarray(i * cols, (i + 1) * cols)));
  return out;
}

/**
 * Counts the autograd graph behind `root`: every distinct grad_fn plus every leaf that
 * requires grad. Best effort — it follows PyTorch's shape of the graph (gradFn →
 * nextFunctions) and returns undefined if the engine exposes it differently.
 */
function countNodes(root) {
  const fnOf = (t) => t?.gradFn ?? t?.grad_fn ?? null;
  const nextOf = (fn) => fn?.nextFunctions ?? fn?.next_functions ?? null;
  const start = fnOf(root);
  if (!start || !nextOf(start)) return undefined;
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const fn = stack.pop();
    for (let next of nextOf(fn) ?? []) {
      if (Array.isArray(next)) next = next[0]; // PyTorch style: [fn, outputIndex]
      if (next && !seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen.size;
}

export const cases = {
  mlp({ torch }, data) {
    const nin = MLP_SIZES[0];
    return {
      setup() {
        return { layers: mlpLayers(data.params, (v) => torch.tensor(v, { requiresGrad: true })), loss: null };
      },
      run(state) {
        const total = scalarMlpLoss(state.layers, data, nin);
        total.backward();
        state.loss = total;
      },
      check({ layers, loss }) {
        const out = layers[layers.length - 1][0];
        return [loss.item(), layers[0][0].w[0].grad?.item() ?? 0, out.b.grad?.item() ?? 0];
      },
      nodes({ loss }) {
        return countNodes(loss);
      },
    };
  },

  matmul({ torch }, data) {
    const n = data.n;
    return {
      setup() {
        return {
          a: torch.tensor(nested(data.a, n, n), { requiresGrad: true }),
          b: torch.tensor(nested(data.b, n, n), { requiresGrad: true }),
        };
      },
      run(state) {
        const c = state.a.matmul(state.b);
        const loss = c.sum();
        loss.backward();
        state.c = c;
        state.loss = loss;
      },
      check({ a, b, c, loss }) {
        const cl = c.tolist();
        return [loss.item(), cl[0][0], cl[n - 1][n - 1], a.grad.tolist()[0][0], b.grad.tolist()[n - 1][n - 1]];
      },
    };
  },

  elementwise({ torch }, data) {
    return {
      setup() {
        return { x: torch.tensor(Float32Array.from(data.x), { requiresGrad: true }) };
      },
      run(state) {
        const { x } = state;
        const y = x.mul(x).mul(0.2).add(x.mul(x).mul(0.2)).sub(5).sum();
        y.backward();
        state.y = y;
      },
      check({ x, y }) {
        const g = x.grad.tolist();
        return [y.item(), g[0], g[g.length - 1]];
      },
    };
  },

  // (m): one training step of a tutorial MLP, 2,000 times, as the tutorials write it.
  trainStep({ torch }, d) {
    const { samples: m, nin, hidden: k, steps, lr } = d;
    const x = torch.tensor(nested(d.x, m, nin));
    const y = torch.tensor(nested(d.y, m, 1));
    return {
      setup() {
        const leaf = (t) => t.requiresGrad_();
        return {
          params: [
            leaf(torch.tensor(nested(d.w1, nin, k))),
            leaf(torch.tensor(Float32Array.from(d.b1))),
            leaf(torch.tensor(nested(d.w2, k, 1))),
            leaf(torch.tensor(Float32Array.from(d.b2))),
          ],
        };
      },
      run(state) {
        const { params } = state;
        const [w1, b1, w2, b2] = params;
        let first = null;
        let loss = null;
        for (let step = 0; step < steps; step++) {
          const h = x.mm(w1).add(b1).clamp(0);
          const pred = h.mm(w2).add(b2);
          loss = pred.sub(y).pow(2).sum();
          loss.backward();
          torch.noGrad(() => {
            for (const p of params) {
              p.sub_(p.grad.mul(lr));
              p.grad.zero_();
            }
          });
          if (step === 0) first = loss;
        }
        state.first = first;
        state.loss = loss;
      },
      check({ params, first, loss }) {
        return [first.item(), loss.item(), params[0].tolist()[0][0], params[3].tolist()[0]];
      },
    };
  },

  // (n): a 1,000-op chain of ops on [4]-element tensors, then sum and backward.
  chain({ torch }, d) {
    const cycles = d.ops / d.cycle.length;
    if (d.cycle.join() !== 'mul_w,add_x,tanh,sin' || !Number.isInteger(cycles)) {
      throw new Error(`ours.mjs's chain is written for (mul_w, add_x, tanh, sin) x n, got ${d.cycle} x ${d.ops}`);
    }
    return {
      setup() {
        return {
          x: torch.tensor(Float32Array.from(d.x), { requiresGrad: true }),
          w: torch.tensor(Float32Array.from(d.w), { requiresGrad: true }),
        };
      },
      run(state) {
        const { x, w } = state;
        let h = x;
        for (let i = 0; i < cycles; i++) h = h.mul(w).add(x).tanh().sin();
        const out = h.sum();
        out.backward();
        state.out = out;
      },
      check({ x, w, out }) {
        const gx = x.grad.tolist();
        return [out.item(), gx[0], w.grad.tolist()[0], gx[gx.length - 1]];
      },
    };
  },

  // (o): Conv2d of [8, 1, 28, 28] with 8 3x3 filters, loss = mean(y²), backward, `steps` times.
  conv2dStep({ torch }, d) {
    const { batch: n, channels: c, size: hw, filters: f, kernel: k, steps } = d;
    const x = torch.tensor(Float32Array.from(d.x)).reshape([n, c, hw, hw]);
    return {
      setup() {
        return {
          w: torch.tensor(Float32Array.from(d.w)).reshape([f, c, k, k]).requiresGrad_(),
          b: torch.tensor(Float32Array.from(d.b)).requiresGrad_(),
        };
      },
      run(state) {
        const { w, b } = state;
        for (let step = 0; step < steps; step++) {
          w.grad = undefined;
          b.grad = undefined;
          const loss = torch.nn.functional.conv2d(x, w, b).square().mean();
          loss.backward();
          state.loss = loss;
        }
      },
      check({ w, b, loss }) {
        return [loss.item(), w.grad.flatten().tolist()[0], b.grad.tolist()[0], w.grad.flatten().tolist()[f * c * k * k - 1]];
      },
    };
  },

  // (p): embedding rows of 32 indices, linear to 27 classes, cross-entropy, SGD, `steps` times.
  embeddingStep({ torch }, d) {
    const { vocab: v, dim, batch: n, steps, lr } = d;
    const F = torch.nn.functional;
    const idx = torch.tensor(d.idx, { dtype: 'int64' });
    const target = torch.tensor(d.target, { dtype: 'int64' });
    return {
      setup() {
        return {
          params: [
            torch.tensor(nested(d.emb, v, dim)).requiresGrad_(),
            torch.tensor(nested(d.w, v, dim)).requiresGrad_(),
            torch.tensor(Float32Array.from(d.b)).requiresGrad_(),
          ],
        };
      },
      run(state) {
        const [emb, w, b] = state.params;
        for (let step = 0; step < steps; step++) {
          const loss = F.crossEntropy(F.linear(F.embedding(idx, emb), w, b), target);
          loss.backward();
          torch.noGrad(() => {
            for (const p of state.params) {
              p.sub_(p.grad.mul(lr));
              p.grad = undefined;
            }
          });
          if (step === 0) state.first = loss;
          state.loss = loss;
        }
        void n;
      },
      check({ params, first, loss }) {
        return [first.item(), loss.item(), params[0].tolist()[0][0], params[2].tolist()[0]];
      },
    };
  },
};
