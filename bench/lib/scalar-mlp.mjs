// Case (a)'s forward pass for engines whose scalars have add/sub/mul methods taking a scalar object
// or a plain number (every peer): the same code, so the timing compares engines only.

/**
 * Summed squared error of the MLP over all samples; `layers[l]` is a list of `{ w, b }` neurons,
 * hidden layers use `relu` (the scalar's own method unless a peer needs another). Returns the loss
 * scalar (backward is the caller's).
 */
export function scalarMlpLoss(layers, data, nin, relu = (z) => z.relu()) {
  let total = null;
  for (let s = 0; s < data.samples; s++) {
    let act = [];
    for (let i = 0; i < nin; i++) act.push(data.xs[s * nin + i]); // plain numbers
    for (let l = 0; l < layers.length; l++) {
      const last = l === layers.length - 1;
      const next = [];
      for (const { w, b } of layers[l]) {
        let z = b;
        for (let i = 0; i < w.length; i++) z = z.add(w[i].mul(act[i]));
        next.push(last ? z : relu(z));
      }
      act = next;
    }
    const d = act[0].sub(data.ys[s]);
    total = total === null ? d.mul(d) : total.add(d.mul(d));
  }
  return total;
}
