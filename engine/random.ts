// Seedable random numbers so `torch.manualSeed(n)` makes rand/randn/init reproducible, and
// `torch.Generator` objects with their own streams (`new torch.Generator().manualSeed(42)`, passed
// as `{ generator }` to the random functions).
//
// The stream is libtorch's CPU generator: a Mersenne Twister (mt19937) seeded as PyTorch seeds it,
// read through the same transformations (ATen's TransformationHelper.h and the CPU kernels in
// DistributionTemplates.h), so `torch.manualSeed(0); torch.randn(3)` prints the numbers PyTorch
// prints, and so do rand, randint, randperm, uniform_/normal_ and the default initialisation of
// Linear and Conv. Float32 results can differ from PyTorch's in the last bit where libtorch uses
// vectorised float math.

const N = 624;
const M = 397;

/** mt19937, 32-bit, as std::mt19937 and at::mt19937. */
class MersenneTwister {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = s[i - 1]! ^ (s[i - 1]! >>> 30);
      // 1812433253 · prev + i, modulo 2³², without losing bits to doubles.
      s[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  next(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i]! & 0x80000000) | (s[(i + 1) % N]! & 0x7fffffff);
      s[i] = s[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

const TWO_POW_24 = 2 ** 24;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;
const f = Math.fround;

/** Something numbers can be written into by index (a typed array of any dtype). */
export interface Writable {
  readonly length: number;
  [i: number]: number;
}

/** A random number stream (torch.Generator): seed it with manualSeed, pass it as `{ generator }`. */
export class Generator {
  private engine!: MersenneTwister;
  /** normal_distribution<double> makes two samples at a time and keeps the second, as libtorch does. */
  private nextNormal: number | undefined = undefined;
  private seedValue = 0;

  constructor(seed: number = Date.now()) {
    this.manualSeed(seed);
  }

  /** Restart the stream from `seed`; returns the generator (as PyTorch: `torch.Generator().manualSeed(42)`). */
  manualSeed(seed: number): this {
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError(`manualSeed: expected a finite number, got ${String(seed)}.`);
    this.seedValue = Math.floor(seed);
    // mt19937 takes the seed's low 32 bits (a negative seed wraps as a uint64 does).
    this.engine = new MersenneTwister(Number(BigInt.asUintN(32, BigInt(this.seedValue))));
    this.nextNormal = undefined;
    return this;
  }

  /** The seed last given to manualSeed (or the time-based one it started with). */
  initialSeed(): number {
    return this.seedValue;
  }

  /** 32 random bits (CPUGeneratorImpl::random). */
  uint32(): number {
    return this.engine.next();
  }

  /** Uniform float32 in [0, 1): 24 random bits (uniform_real_distribution<float>). */
  uniformFloat(): number {
    return (this.engine.next() & (TWO_POW_24 - 1)) / TWO_POW_24;
  }

  /** Uniform double in [0, 1): the low 53 bits of two draws, the first one high (random64). */
  uniformDouble(): number {
    const hi = this.engine.next();
    const lo = this.engine.next();
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) / TWO_POW_53;
  }

  /** An integer in [0, range): random() % range, or random64() % range when range ≥ 2³². */
  below(range: number): number {
    if (range < TWO_POW_32) return this.engine.next() % range;
    const hi = BigInt(this.engine.next());
    const lo = BigInt(this.engine.next());
    return Number(((hi << 32n) | lo) % BigInt(range));
  }

  /** Uniform in [0, 1) (double precision); for samplers with no libtorch counterpart to follow. */
  random(): number {
    return this.uniformDouble();
  }

  /** Standard normal, double precision: at::normal_distribution<double>, with its cached second sample. */
  randomNormal(): number {
    if (this.nextNormal !== undefined) {
      const v = this.nextNormal;
      this.nextNormal = undefined;
      return v;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.nextNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** uniform_(from, to) / torch.rand: one draw per element, float32 or float64 as the tensor. */
  fillUniform(out: Writable, from: number, to: number, float32: boolean): void {
    if (float32) {
      // The bounds are cast to float32, the arithmetic is in double (dist_acctype), the result rounded.
      const a = f(from);
      const span = f(to) - a;
      for (let i = 0; i < out.length; i++) out[i] = f(this.uniformFloat() * span + a);
    } else {
      for (let i = 0; i < out.length; i++) out[i] = this.uniformDouble() * (to - from) + from;
    }
  }

  /**
   * normal_(mean, std) / torch.randn, as libtorch's CPU normal_kernel: a contiguous tensor of 16 or
   * more elements is filled with uniforms first and turned into normals 16 at a time by Box–Muller
   * (the last 16 redrawn when the size is not a multiple of 16); anything else takes one
   * normal_distribution<double> sample per element.
   */
  fillNormal(out: Writable, mean: number, std: number, float32: boolean, contiguous = true): void {
    const n = out.length;
    if (n < 16 || !contiguous) {
      for (let i = 0; i < n; i++) out[i] = this.randomNormal() * std + mean;
      return;
    }
    const data = new Float64Array(n);
    const draw = float32 ? () => this.uniformFloat() : () => this.uniformDouble();
    for (let i = 0; i < n; i++) data[i] = draw();
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(data, i, mean, std, float32);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) data[i] = draw();
      boxMuller16(data, n - 16, mean, std, float32);
    }
    for (let i = 0; i < n; i++) out[i] = data[i]!;
  }
}

/** normal_fill_16: uniforms at [at, at+16) become 16 normals, pairing element j with element j+8. */
function boxMuller16(data: Float64Array, at: number, mean: number, std: number, float32: boolean): void {
  const r = float32 ? f : (x: number) => x;
  const m = r(mean);
  const s = r(std);
  for (let j = at; j < at + 8; j++) {
    const u1 = r(1 - data[j]!); // [0, 1) → (0, 1] for the log
    const u2 = data[j + 8]!;
    const radius = r(Math.sqrt(r(-2 * r(Math.log(u1)))));
    const theta = r(2 * Math.PI * u2);
    data[j] = r(r(r(radius * r(Math.cos(theta))) * s) + m);
    data[j + 8] = r(r(r(radius * r(Math.sin(theta))) * s) + m);
  }
}

/** The stream torch.manualSeed seeds and every random function uses without `{ generator }`. */
export const defaultGenerator = new Generator();

export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Uniform in [0, 1) from the default generator. */
export function random(): number {
  return defaultGenerator.random();
}

/** Standard normal from the default generator. */
export function randomNormal(): number {
  return defaultGenerator.randomNormal();
}

/** The generator of an options object (checked), or the default one. */
export function generatorOf(opts: { generator?: unknown } | undefined, op: string): Generator {
  const g = opts?.generator;
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`${op}: the generator option must be a torch.Generator (new torch.Generator().manualSeed(42)).`);
  return g;
}
