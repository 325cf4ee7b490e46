// Float64 ground truth for the per-op-overhead cases (m) and (n), computed by hand (no
// autograd), against which every peer's float32 result is checked. The programs are the
// ones in lib/common.mjs (TRAIN, CHAIN_CYCLE); the peers write them in their own API.

/**
 * Case (m): `steps` SGD steps of x·w1 + b1 → clamp(0) → ·w2 + b2, loss = Σ(pred − y)²,
 * p −= lr·grad. Returns [loss of the first step, loss of the last step, w1[0][0], b2[0]]
 * (the parameters after the last update), the check vector every peer returns.
 */
export function trainReference(d) {
  const { samples: m, nin, hidden: k, steps, lr } = d;
  const w1 = Float64Array.from(d.w1);
  const b1 = Float64Array.from(d.b1);
  const w2 = Float64Array.from(d.w2);
  let b2 = d.b2[0];
  const pre = new Float64Array(m * k);
  const dpred = new Float64Array(m);
  const gw1 = new Float64Array(nin * k);
  const gb1 = new Float64Array(k);
  const gw2 = new Float64Array(k);
  let first = NaN;
  let loss = NaN;
  for (let step = 0; step < steps; step++) {
    loss = 0;
    let gb2 = 0;
    for (let i = 0; i < m; i++) {
      let pred = b2;
      for (let j = 0; j < k; j++) {
        let z = b1[j];
        for (let c = 0; c < nin; c++) z += d.x[i * nin + c] * w1[c * k + j];
        pre[i * k + j] = z;
        if (z > 0) pred += z * w2[j];
      }
      const diff = pred - d.y[i];
      loss += diff * diff;
      dpred[i] = 2 * diff;
      gb2 += 2 * diff;
    }
    gw1.fill(0);
    gb1.fill(0);
    gw2.fill(0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) {
        const z = pre[i * k + j];
        if (z <= 0) continue;
        gw2[j] += z * dpred[i];
        const dz = dpred[i] * w2[j];
        gb1[j] += dz;
        for (let c = 0; c < nin; c++) gw1[c * k + j] += d.x[i * nin + c] * dz;
      }
    }
    if (step === 0) first = loss;
    for (let i = 0; i < w1.length; i++) w1[i] -= lr * gw1[i];
    for (let j = 0; j < k; j++) {
      b1[j] -= lr * gb1[j];
      w2[j] -= lr * gw2[j];
    }
    b2 -= lr * gb2;
  }
  return [first, loss, w1[0], b2];
}

/**
 * Case (n): h = x, then `ops` ops cycling through d.cycle (h·w, h + x, tanh, sin), out =
 * Σh, backward. Returns [out, x.grad[0], w.grad[0], x.grad[last]], the check vector.
 */
export function chainReference(d) {
  const { ops, width, cycle } = d;
  let out = 0;
  const gx = new Float64Array(width);
  const gw = new Float64Array(width);
  const inputs = new Float64Array(ops);
  for (let e = 0; e < width; e++) {
    const x = d.x[e];
    const w = d.w[e];
    let h = x;
    for (let i = 0; i < ops; i++) {
      inputs[i] = h;
      const op = cycle[i % cycle.length];
      h = op === 'mul_w' ? h * w : op === 'add_x' ? h + x : op === 'tanh' ? Math.tanh(h) : Math.sin(h);
    }
    out += h;
    let g = 1;
    for (let i = ops - 1; i >= 0; i--) {
      const op = cycle[i % cycle.length];
      const a = inputs[i];
      if (op === 'mul_w') {
        gw[e] += g * a;
        g *= w;
      } else if (op === 'add_x') gx[e] += g;
      else if (op === 'tanh') g *= 1 - Math.tanh(a) ** 2;
      else g *= Math.cos(a);
    }
    gx[e] += g; // h started as x
  }
  return [out, gx[0], gw[0], gx[width - 1]];
}
