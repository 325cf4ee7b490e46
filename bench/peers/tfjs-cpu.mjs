// "tfjs-cpu": @tensorflow/tfjs-core + @tensorflow/tfjs-backend-cpu, the pure-JS backend
// (tfjs-node's native binding is not something a user of a VS Code extension gets).
// Loaded from the esbuild bundle of tfjs-entry.mjs that run.mjs builds, because the
// CommonJS build of tfjs-core registers no gradients.
import { createRequire } from 'node:module';
import { MLP_SIZES, mlpLayers } from '../lib/common.mjs';
import { scalarMlpLoss } from '../lib/scalar-mlp.mjs';

const require = createRequire(import.meta.url);

export async function load(ctx) {
  if (!ctx.tfjsBundle) throw new Error(ctx.tfjsError || 'tfjs bundle was not built');
  const { tf } = require(ctx.tfjsBundle);
  await tf.setBackend('cpu');
  await tf.ready();
  // Production mode skips tfjs's debug-time validation: give the peer its best shot.
  tf.enableProdMode();
  return { tf, version: tf.version_core };
}

export const cases = {
  mlp({ tf }, data) {
    const nin = MLP_SIZES[0];
    return {
      setup() {
        // Parameters are scalar variables; tf.variableGrads differentiates w.r.t. them.
        const vars = [];
        const layers = mlpLayers(data.params, (v) => {
          const t = tf.variable(tf.scalar(v));
          vars.push(t);
          return t;
        });
        return { vars, layers };
      },
      run(state) {
        const { layers, vars } = state;
        const f = () => scalarMlpLoss(layers, data, nin);
        state.result = tf.variableGrads(f, vars);
      },
      check({ result, layers }) {
        const out = layers[layers.length - 1][0];
        return [
          result.value.dataSync()[0],
          result.grads[layers[0][0].w[0].name].dataSync()[0],
          result.grads[out.b.name].dataSync()[0],
        ];
      },
      teardown({ result, vars }) {
        result.value.dispose();
        tf.dispose(Object.values(result.grads));
        tf.dispose(vars);
      },
    };
  },

  matmul({ tf }, data) {
    const n = data.n;
    return {
      setup() {
        return { a: tf.tensor2d(data.a, [n, n]), b: tf.tensor2d(data.b, [n, n]) };
      },
      run(state) {
        const { value, grads } = tf.valueAndGrads((a, b) => a.matMul(b).sum())([state.a, state.b]);
        state.value = value;
        state.grads = grads;
      },
      check({ value, grads }) {
        const da = grads[0].dataSync();
        const db = grads[1].dataSync();
        // C itself is not returned by valueAndGrads; recompute it (untimed) for the check.
        const a = tf.tensor2d(data.a, [n, n]);
        const b = tf.tensor2d(data.b, [n, n]);
        const ct = tf.matMul(a, b);
        const c = ct.dataSync();
        tf.dispose([a, b, ct]);
        return [value.dataSync()[0], c[0], c[c.length - 1], da[0], db[db.length - 1]];
      },
      teardown(state) {
        tf.dispose([state.a, state.b, state.value, ...state.grads]);
      },
    };
  },

  elementwise({ tf }, data) {
    return {
      setup() {
        return { x: tf.tensor1d(data.x) };
      },
      run(state) {
        const f = (x) => x.mul(x).mul(0.2).add(x.mul(x).mul(0.2)).sub(5).sum();
        const { value, grads } = tf.valueAndGrads(f)([state.x]);
        state.value = value;
        state.grad = grads[0];
      },
      check({ value, grad }) {
        const g = grad.dataSync();
        return [value.dataSync()[0], g[0], g[g.length - 1]];
      },
      teardown(state) {
        tf.dispose([state.x, state.value, state.grad]);
      },
    };
  },

  // (m): the training loop as tfjs writes it: variables, variableGrads, assign (its in-place update).
  trainStep({ tf }, d) {
    const { samples: m, nin, hidden: k, steps, lr } = d;
    const x = tf.tensor2d(d.x, [m, nin]);
    const y = tf.tensor2d(d.y, [m, 1]);
    return {
      setup() {
        return {
          vars: [tf.variable(tf.tensor2d(d.w1, [nin, k])), tf.variable(tf.tensor1d(d.b1)),
            tf.variable(tf.tensor2d(d.w2, [k, 1])), tf.variable(tf.tensor1d(d.b2))],
          first: null,
          loss: null,
        };
      },
      run(state) {
        const { vars } = state;
        const [w1, b1, w2, b2] = vars;
        const f = () => {
          const h = tf.clipByValue(x.matMul(w1).add(b1), 0, Infinity);
          const pred = h.matMul(w2).add(b2);
          return pred.sub(y).square().sum();
        };
        for (let step = 0; step < steps; step++) {
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(f, vars);
            for (const v of vars) v.assign(v.sub(grads[v.name].mul(lr)));
            return value;
          });
          if (step === 0) state.first = loss;
          else if (state.loss !== null) state.loss.dispose();
          if (step > 0) state.loss = loss;
        }
        state.loss ??= state.first;
      },
      check({ vars, first, loss }) {
        return [first.dataSync()[0], loss.dataSync()[0], vars[0].dataSync()[0], vars[3].dataSync()[0]];
      },
      teardown(state) {
        tf.dispose([...state.vars, state.first, ...(state.loss !== state.first ? [state.loss] : [])]);
      },
    };
  },

  // (n): the 1,000-op chain on [4], value and gradients by tf.valueAndGrads.
  chain({ tf }, d) {
    const cycles = d.ops / d.cycle.length;
    if (d.cycle.join() !== 'mul_w,add_x,tanh,sin' || !Number.isInteger(cycles)) {
      throw new Error(`tfjs-cpu.mjs's chain is written for (mul_w, add_x, tanh, sin) x n, got ${d.cycle} x ${d.ops}`);
    }
    const f = (x, w) => {
      let h = x;
      for (let i = 0; i < cycles; i++) h = h.mul(w).add(x).tanh().sin();
      return h.sum();
    };
    return {
      setup() {
        return { x: tf.tensor1d(d.x), w: tf.tensor1d(d.w) };
      },
      run(state) {
        const { value, grads } = tf.valueAndGrads(f)([state.x, state.w]);
        state.value = value;
        state.grads = grads;
      },
      check({ value, grads }) {
        const gx = grads[0].dataSync();
        return [value.dataSync()[0], gx[0], grads[1].dataSync()[0], gx[gx.length - 1]];
      },
      teardown(state) {
        tf.dispose([state.x, state.w, state.value, ...state.grads]);
      },
    };
  },

  // (o): the same convolution step (NCHW data transposed to tfjs's NHWC once, outside the timing).
  conv2dStep({ tf }, d) {
    const { batch: n, channels: c, size: hw, filters: f, kernel: k, steps } = d;
    const x = tf.tensor4d(d.x, [n, c, hw, hw]).transpose([0, 2, 3, 1]);
    return {
      setup() {
        return {
          vars: [tf.variable(tf.tensor4d(d.w, [f, c, k, k]).transpose([2, 3, 1, 0])), tf.variable(tf.tensor1d(d.b))],
          loss: null,
          grads: null,
        };
      },
      run(state) {
        const [w, b] = state.vars;
        const fn = () => tf.conv2d(x, w, 1, 'valid').add(b).square().mean();
        for (let step = 0; step < steps; step++) {
          const out = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(fn, state.vars);
            return { value, gw: grads[w.name], gb: grads[b.name] };
          });
          if (state.loss) tf.dispose([state.loss, state.grads.gw, state.grads.gb]);
          state.loss = out.value;
          state.grads = out;
        }
      },
      check({ loss, grads }) {
        // w is [k, k, c, f] here: element [0,0,0,0] is the same; the last is [k-1, k-1, c-1, f-1].
        const gw = grads.gw.dataSync();
        return [loss.dataSync()[0], gw[0], grads.gb.dataSync()[0], gw[gw.length - 1]];
      },
      teardown(state) {
        tf.dispose([...state.vars, state.loss, state.grads?.gw, state.grads?.gb].filter(Boolean));
      },
    };
  },

  // (p): gather rows, matMul, softmax cross-entropy, SGD.
  embeddingStep({ tf }, d) {
    const { vocab: v, dim, steps, lr } = d;
    const idx = tf.tensor1d(d.idx, 'int32');
    const onehot = tf.oneHot(tf.tensor1d(d.target, 'int32'), v);
    return {
      setup() {
        return {
          vars: [tf.variable(tf.tensor2d(d.emb, [v, dim])), tf.variable(tf.tensor2d(d.w, [v, dim])), tf.variable(tf.tensor1d(d.b))],
          first: null,
          loss: null,
        };
      },
      run(state) {
        const [emb, w, b] = state.vars;
        const fn = () => tf.losses.softmaxCrossEntropy(onehot, tf.gather(emb, idx).matMul(w, false, true).add(b));
        for (let step = 0; step < steps; step++) {
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(fn, state.vars);
            for (const p of state.vars) p.assign(p.sub(grads[p.name].mul(lr)));
            return value;
          });
          if (step === 0) state.first = loss;
          else if (state.loss !== null) state.loss.dispose();
          if (step > 0) state.loss = loss;
        }
        state.loss ??= state.first;
      },
      check({ vars, first, loss }) {
        return [first.dataSync()[0], loss.dataSync()[0], vars[0].dataSync()[0], vars[2].dataSync()[0]];
      },
      teardown(state) {
        tf.dispose([...state.vars, state.first, ...(state.loss !== state.first ? [state.loss] : [])]);
      },
    };
  },
};
