// "js-pytorch": the PyTorch-lookalike a user might pick instead of us. Its tensors hold
// nested JS arrays of numbers; inputs are converted to that form in the untimed setup.
import { readFileSync } from 'node:fs';
import { MLP_SIZES, mlpLayers } from '../lib/common.mjs';
import { scalarMlpLoss } from '../lib/scalar-mlp.mjs';

export async function load() {
  const { torch } = await import('js-pytorch');
  // Its "exports" map hides package.json from require(), so read the file directly.
  const pkg = new URL('../node_modules/js-pytorch/package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(pkg, 'utf8'));
  return { torch, version };
}

/** Row-major Float32Array → nested number[][] (what js-pytorch stores). */
function nested(flat, rows, cols) {
  const out = [];
  for (let i = 0; i < rows; i++) out.push(Array.from(flat.subarray(i * cols, (i + 1) * cols)));
  return out;
}

export const cases = {
  mlp({ torch }, data) {
    const nin = MLP_SIZES[0];
    // js-pytorch has no tanh and its nn.ReLU is leaky (slope 1e-3); this is what nn.ReLU
    // does (multiply by a constant 0/1 mask tensor) with an exact 0 slope, so every peer
    // computes the same function and the checks agree.
    const relu = (z) => z.mul(torch.tensor(z.data[0] > 0 ? 1 : 0));
    return {
      setup() {
        // torch.tensor(number) is js-pytorch's scalar (it stores [v], shape [1]).
        return { layers: mlpLayers(data.params, (v) => torch.tensor(v, true)), loss: null };
      },
      run(state) {
        const { layers } = state;
        const total = scalarMlpLoss(layers, data, nin, relu);
        total.backward();
        state.loss = total;
      },
      check({ layers, loss }) {
        const out = layers[layers.length - 1][0];
        return [loss.data[0], layers[0][0].w[0].grad[0], out.b.grad[0]];
      },
    };
  },

  matmul({ torch }, data) {
    const n = data.n;
    return {
      setup() {
        return { a: torch.tensor(nested(data.a, n, n), true), b: torch.tensor(nested(data.b, n, n), true) };
      },
      run(state) {
        const c = state.a.matmul(state.b);
        // js-pytorch's sum() reduces one dimension at a time: two sums give the scalar.
        const loss = c.sum().sum();
        loss.backward();
        state.c = c;
        state.loss = loss;
      },
      check({ a, b, c, loss }) {
        return [loss.data[0], c.data[0][0], c.data[n - 1][n - 1], a.grad[0][0], b.grad[n - 1][n - 1]];
      },
    };
  },

  elementwise({ torch }, data) {
    return {
      setup() {
        return { x: torch.tensor(Array.from(data.x), true) };
      },
      run(state) {
        const { x } = state;
        const y = x.mul(x).mul(0.2).add(x.mul(x).mul(0.2)).sub(5).sum();
        y.backward();
        state.y = y;
      },
      check({ x, y }) {
        const g = x.grad;
        return [y.data[0], g[0], g[g.length - 1]];
      },
    };
  },
};
