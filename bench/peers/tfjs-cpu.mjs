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
};
