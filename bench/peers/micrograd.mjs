// "micrograd": a plain-JS scalar autograd engine in the style of Karpathy's micrograd
// (one object per scalar, a closure per node for the local backward, topological sort
// then reverse sweep). It is the speed floor a scalar graph can reasonably reach in JS,
// so case (a) measures our per-node overhead against it. Only runs case (a).
import { MLP_SIZES, mlpLayers } from '../lib/common.mjs';
import { scalarMlpLoss } from '../lib/scalar-mlp.mjs';

const noop = () => {};

export class Value {
  constructor(data, prev = [], op = '') {
    this.data = data;
    this.grad = 0;
    this._prev = prev;
    this._op = op;
    this._backward = noop;
  }

  add(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data + other.data, [this, other], '+');
    out._backward = () => {
      this.grad += out.grad;
      other.grad += out.grad;
    };
    return out;
  }

  sub(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data - other.data, [this, other], '-');
    out._backward = () => {
      this.grad += out.grad;
      other.grad -= out.grad;
    };
    return out;
  }

  mul(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data * other.data, [this, other], '*');
    out._backward = () => {
      this.grad += other.data * out.grad;
      other.grad += this.data * out.grad;
    };
    return out;
  }

  relu() {
    const out = new Value(this.data > 0 ? this.data : 0, [this], 'ReLU');
    out._backward = () => {
      this.grad += (out.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  tanh() {
    const t = Math.tanh(this.data);
    const out = new Value(t, [this], 'tanh');
    out._backward = () => {
      this.grad += (1 - t * t) * out.grad;
    };
    return out;
  }

  /** Topological order of the graph ending here (iterative: the graph can be deep). */
  topo() {
    const order = [];
    const visited = new Set();
    const stack = [[this, 0]];
    visited.add(this);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < v._prev.length) {
        top[1]++;
        const child = v._prev[i];
        if (!visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(v);
      }
    }
    return order;
  }

  backward() {
    const order = this.topo();
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i]._backward();
  }
}

export async function load() {
  return { Value, version: 'bench/peers/micrograd.mjs' };
}

export const cases = {
  mlp(lib, data) {
    const nin = MLP_SIZES[0];
    return {
      setup() {
        const layers = mlpLayers(data.params, (v) => new Value(v));
        return { layers, loss: null };
      },
      run(state) {
        const total = scalarMlpLoss(state.layers, data, nin);
        total.backward();
        state.loss = total;
      },
      check({ layers, loss }) {
        const out = layers[layers.length - 1][0];
        return [loss.data, layers[0][0].w[0].grad, out.b.grad];
      },
      nodes({ loss }) {
        return loss.topo().length;
      },
    };
  },
};
