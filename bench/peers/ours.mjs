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
};
