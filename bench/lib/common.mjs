// Shared by the harness (run.mjs) and the per-process worker (worker.mjs): case
// definitions, the seeded data generator and the MLP parameter layout, so every peer
// sees exactly the same inputs and the same network.

/** Layer widths of case (a): 2 → 16 → 16 → 1, ReLU on the hidden layers. */
export const MLP_SIZES = [2, 16, 16, 1];
/** Samples in case (a); the 100 squared errors are summed into one loss. */
export const MLP_SAMPLES = 100;
/** Elements in case (c). */
export const ELEMENTWISE_N = 1_000_000;
/** Matrix sizes of case (b). */
export const MATMUL_SIZES = [64, 256, 512];

/**
 * Case (m), a tutorial-size training loop where per-op overhead dominates: an MLP
 * x[100×3] → 32 (ReLU) → 1, summed squared error, plain SGD with in-place updates under
 * noGrad, `steps` steps per timed rep. lr keeps float32 within 1e-5 of float64 over the run.
 */
export const TRAIN = { samples: 100, nin: 3, hidden: 32, steps: 2000, lr: 5e-4 };
/**
 * Case (n): ops in a chain of small-tensor ops over `width`-element tensors, cycling
 * through CHAIN_CYCLE (h = h·w, h + x, tanh, sin), then sum() and backward().
 */
export const CHAIN = { ops: 1000, width: 4 };
/** One cycle of case (n)'s chain; w and x are the two leaves (x is also the start). */
export const CHAIN_CYCLE = ['mul_w', 'add_x', 'tanh', 'sin'];
/** (o): a batch of 8 images 1x28x28 through 8 3x3 filters, forward + backward, `steps` times (issue 12). */
export const CONV = { batch: 8, channels: 1, size: 28, filters: 8, kernel: 3, steps: 20 };
/** (p): embedding [27, 16] of 32 indices, linear to 27 classes, cross-entropy, SGD, `steps` times (issue 12). */
export const EMB = { vocab: 27, dim: 16, batch: 32, steps: 100, lr: 0.1 };

/** Snapshot nodes of the generated graph of case (f). */
export const RUNNER_GRAPH_NODES = 5000;
/** Cases (q)–(r): a two-layer net trained 300 times (1,800 grad_fn nodes), a 3,000-op chain. */
export const SNAPSHOT_LOOP = { iterations: 300 };
export const SNAPSHOT_CHAIN = { ops: 3000, width: 1000 };
/** grad_fn nodes of the generated graphs of the graph-view cases (h) and (i)/(j). */
export const VIEW_GRAPH_NODES = { h: 1000, i: 5000, j: 5000, w: 5000 };

/**
 * The benchmark cases. `peers` lists who runs each case: micrograd is only a fair
 * reference for scalar graphs and plainjs only for matmul, so they sit out the rest.
 * Cases of kind 'runner' time our snippet runner (source text to GraphSnapshot), which
 * no peer has; their size is null when there is none to speak of. Cases of kind 'graph'
 * time the graph view in Chromium on a runner snapshot (fn 'load': page load to first
 * painted graph; 'step': one backward step).
 */
export const CASES = {
  a: {
    id: 'a',
    fn: 'mlp',
    title: '(a) scalar MLP 2-16-16-1 x100',
    sizes: [MLP_SAMPLES],
    peers: ['ours', 'micrograd', 'tfjs-cpu', 'js-pytorch', 'pytorch'],
  },
  b: {
    id: 'b',
    fn: 'matmul',
    title: '(b) matmul NxN fwd+bwd',
    sizes: MATMUL_SIZES,
    peers: ['ours', 'plainjs', 'tfjs-cpu', 'js-pytorch', 'pytorch'],
  },
  c: {
    id: 'c',
    fn: 'elementwise',
    title: '(c) elementwise 1e6 fwd+bwd',
    sizes: [ELEMENTWISE_N],
    peers: ['ours', 'tfjs-cpu', 'js-pytorch', 'pytorch'],
  },
  d: {
    id: 'd',
    kind: 'runner',
    fn: 'cold',
    title: '(d) runner: textbook, cold',
    sizes: [null],
    peers: ['ours'],
  },
  e: {
    id: 'e',
    kind: 'runner',
    fn: 'warm',
    title: '(e) runner: textbook, warm',
    sizes: [null],
    peers: ['ours'],
  },
  f: {
    id: 'f',
    kind: 'runner',
    fn: 'warm',
    title: '(f) runner: 5,000-node graph, warm',
    sizes: [RUNNER_GRAPH_NODES],
    peers: ['ours'],
  },
  g: {
    id: 'g',
    kind: 'graph',
    fn: 'load',
    title: '(g) view: textbook, to first paint',
    sizes: [null],
    peers: ['ours'],
  },
  h: {
    id: 'h',
    kind: 'graph',
    fn: 'load',
    title: '(h) view: 1,000 nodes, to first paint',
    sizes: [VIEW_GRAPH_NODES.h],
    peers: ['ours'],
  },
  i: {
    id: 'i',
    kind: 'graph',
    fn: 'load',
    title: '(i) view: 5,000 nodes, to first paint',
    sizes: [VIEW_GRAPH_NODES.i],
    peers: ['ours'],
  },
  j: {
    id: 'j',
    kind: 'graph',
    fn: 'step',
    title: '(j) view: 5,000 nodes, per backward step',
    sizes: [VIEW_GRAPH_NODES.j],
    peers: ['ours'],
  },
  w: {
    id: 'w',
    kind: 'graph',
    fn: 'fold',
    title: '(w) view: 5,000 nodes folded, open/close a group',
    sizes: [VIEW_GRAPH_NODES.w],
    peers: ['ours'],
  },
  // The painted-time rows of issue 13 on the snapshots of (q) and (r) (`snippet` picks the source).
  t: {
    id: 't',
    kind: 'graph',
    fn: 'load',
    snippet: 'loop',
    title: '(t) view: 300-iteration training loop, one call, to first paint',
    sizes: [SNAPSHOT_LOOP.iterations],
    peers: ['ours'],
  },
  u: {
    id: 'u',
    kind: 'graph',
    fn: 'load',
    snippet: 'chain',
    title: '(u) view: 3,000-op chain on [1000], to first paint',
    sizes: [SNAPSHOT_CHAIN.ops],
    peers: ['ours'],
  },
  v: {
    id: 'v',
    kind: 'graph',
    fn: 'switch',
    snippet: 'loop',
    title: '(v) view: 300-iteration training loop, switching calls',
    sizes: [SNAPSHOT_LOOP.iterations],
    peers: ['ours'],
  },
};

/**
 * The per-op-overhead cases against PyTorch (issue 11), tutorial-size work where the time
 * goes to dispatch, bookkeeping and the graph rather than arithmetic. run.mjs appends them
 * to CASES after the replay cases.
 */
export const PER_OP_CASES = {
  m: {
    id: 'm',
    fn: 'trainStep',
    title: '(m) MLP 100x3-32-1, 2,000 SGD steps',
    sizes: [TRAIN.samples],
    peers: ['ours', 'pytorch', 'tfjs-cpu'],
  },
  n: {
    id: 'n',
    fn: 'chain',
    title: '(n) 1,000-op chain on [4]',
    sizes: [CHAIN.ops],
    peers: ['ours', 'pytorch', 'tfjs-cpu'],
  },
  o: {
    id: 'o',
    fn: 'conv2dStep',
    title: '(o) Conv2d 8x1x28x28, 8 3x3 filters, fwd+bwd x20',
    sizes: [CONV.batch],
    peers: ['ours', 'pytorch', 'tfjs-cpu'],
  },
  p: {
    id: 'p',
    fn: 'embeddingStep',
    title: '(p) embedding + cross-entropy SGD step x100',
    sizes: [EMB.batch],
    peers: ['ours', 'pytorch', 'tfjs-cpu'],
  },
  // Compact snapshots (issue 13): time to snapshot, and the snapshot's bytes as it travels.
  q: {
    id: 'q',
    kind: 'runner',
    fn: 'warm',
    title: '(q) runner: 300-iteration training loop, warm',
    sizes: [SNAPSHOT_LOOP.iterations],
    peers: ['ours'],
  },
  r: {
    id: 'r',
    kind: 'runner',
    fn: 'warm',
    title: '(r) runner: 3,000-op chain on [1000], warm',
    sizes: [SNAPSHOT_CHAIN.ops],
    peers: ['ours'],
  },
};

export const ALL_PEERS = ['ours', 'micrograd', 'plainjs', 'tfjs-cpu', 'js-pytorch', 'pytorch'];

/** Floating-point operations of one matmul forward (2N³) plus its two backward matmuls. */
export function matmulFlops(n) {
  return 3 * 2 * n * n * n;
}

/**
 * mulberry32: tiny, fast, good-enough seeded PRNG. Math.random cannot be seeded, and
 * the data must be identical across peers and across runs for the checks to agree.
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Uniform values in [-1, 1). Stored as Float32Array so that float32 engines (ours,
 * tfjs) and float64 ones (micrograd, js-pytorch) start from bit-identical numbers.
 */
export function uniform(rand, n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() * 2 - 1;
  return out;
}

/** Number of parameters of the MLP: per neuron nin weights and one bias. */
export function mlpParamCount(sizes = MLP_SIZES) {
  let n = 0;
  for (let l = 1; l < sizes.length; l++) n += (sizes[l - 1] + 1) * sizes[l];
  return n;
}

/**
 * Input data for one (case, size). Seeded per case and size so adding a size does
 * not change the data of the others.
 */
export function makeData(caseId, size, seed = 1234) {
  const rand = mulberry32(seed + size * 7919 + caseId.charCodeAt(0));
  if (caseId === 'a') {
    return {
      params: uniform(rand, mlpParamCount()), // micrograd-style uniform(-1, 1) init
      xs: uniform(rand, size * MLP_SIZES[0]), // size samples × 2 features, row-major
      ys: uniform(rand, size), // one target per sample
      samples: size,
      sizes: MLP_SIZES, // for the Python peer, which cannot import this module
    };
  }
  if (caseId === 'b') return { a: uniform(rand, size * size), b: uniform(rand, size * size), n: size };
  if (caseId === 'c') return { x: uniform(rand, size), n: size };
  if (caseId === 'm') {
    // PyTorch's nn.Linear init, U(-1/√fan_in, 1/√fan_in), for weights and biases.
    const { nin, hidden } = TRAIN;
    const scaled = (n, fanIn) => uniform(rand, n).map((v) => v / Math.sqrt(fanIn));
    return {
      ...TRAIN,
      samples: size,
      x: uniform(rand, size * nin), // [samples, nin], row-major
      y: uniform(rand, size), // [samples, 1]
      w1: scaled(nin * hidden, nin), // [nin, hidden]
      b1: scaled(hidden, nin), // [hidden]
      w2: scaled(hidden, hidden), // [hidden, 1]
      b2: scaled(1, hidden), // [1]
    };
  }
  if (caseId === 'n') {
    return { ops: size, width: CHAIN.width, cycle: CHAIN_CYCLE, x: uniform(rand, CHAIN.width), w: uniform(rand, CHAIN.width) };
  }
  if (caseId === 'o') {
    const { channels: c, size: hw, filters: f, kernel: k } = CONV;
    const fanIn = c * k * k;
    return {
      ...CONV,
      batch: size,
      x: uniform(rand, size * c * hw * hw), // [batch, c, hw, hw]
      w: uniform(rand, f * fanIn).map((v) => v / Math.sqrt(fanIn)), // [f, c, k, k]
      b: uniform(rand, f).map((v) => v / Math.sqrt(fanIn)), // [f]
    };
  }
  if (caseId === 'p') {
    const { vocab, dim } = EMB;
    return {
      ...EMB,
      batch: size,
      idx: Array.from({ length: size }, () => Math.floor(rand() * vocab)),
      target: Array.from({ length: size }, () => Math.floor(rand() * vocab)),
      emb: uniform(rand, vocab * dim), // [vocab, dim]
      w: uniform(rand, vocab * dim).map((v) => v / Math.sqrt(dim)), // [vocab, dim] (nn.Linear's layout)
      b: uniform(rand, vocab).map((v) => v / Math.sqrt(dim)),
    };
  }
  throw new Error(`unknown case ${caseId}`);
}

/**
 * Lays the flat parameter vector out as layers[l][j] = { w: [nin params], b: param },
 * calling make(value) for each one in a fixed order (layer, neuron, weights then bias).
 * Every peer builds its parameters through this, so they all get the same network.
 */
export function mlpLayers(flat, make, sizes = MLP_SIZES) {
  const layers = [];
  let k = 0;
  for (let l = 1; l < sizes.length; l++) {
    const neurons = [];
    for (let j = 0; j < sizes[l]; j++) {
      const w = [];
      for (let i = 0; i < sizes[l - 1]; i++) w.push(make(flat[k++]));
      neurons.push({ w, b: make(flat[k++]) });
    }
    layers.push(neurons);
  }
  return layers;
}

export function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
