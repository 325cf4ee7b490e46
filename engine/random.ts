// Seedable random numbers so `torch.manualSeed(n)` makes rand/randn/init reproducible, and
// `torch.Generator` objects with their own streams (`new torch.Generator().manualSeed(42)`, passed
// as `{ generator }` to the random functions). xoshiro128** (small, fast, good statistics); randn by
// Box–Muller. The streams differ from libtorch's Mersenne Twister, so the numbers differ from
// PyTorch's for the same seed.

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A random number stream (torch.Generator): seed it with manualSeed, pass it as `{ generator }`. */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | undefined = undefined;
  private seedValue = 0;

  constructor(seed: number = Date.now()) {
    this.manualSeed(seed);
  }

  /** Restart the stream from `seed`; returns the generator (as PyTorch: `torch.Generator().manualSeed(42)`). */
  manualSeed(seed: number): this {
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError(`manualSeed: expected a finite number, got ${String(seed)}.`);
    this.seedValue = Math.floor(seed);
    const next = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    this.spare = undefined;
    return this;
  }

  /** The seed last given to manualSeed (or the time-based one it started with). */
  initialSeed(): number {
    return this.seedValue;
  }

  /** Uniform in [0, 1). */
  random(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** Standard normal. */
  randomNormal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
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
