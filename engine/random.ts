// Seedable random numbers so `torch.manualSeed(n)` makes rand/randn/init reproducible.
// xoshiro128** (small, fast, good statistics); randn by Box–Muller. The streams differ from
// libtorch's Mersenne Twister, so the numbers differ from PyTorch's for the same seed.

let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
let spare: number | undefined;

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

export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new TypeError(`manualSeed: expected a finite number, got ${seed}.`);
  const next = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
  s0 = next(); s1 = next(); s2 = next(); s3 = next();
  spare = undefined;
}

manualSeed(Date.now());

/** Uniform in [0, 1). */
export function random(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result / 4294967296;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Standard normal. */
export function randomNormal(): number {
  if (spare !== undefined) {
    const v = spare;
    spare = undefined;
    return v;
  }
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  const r = Math.sqrt(-2 * Math.log(u));
  spare = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}
