/**
 * Deterministic pseudo-random numbers: xoshiro128** seeded from a text label through
 * SHA-256. Only integer operations and IEEE +, -, *, / are used (no Math.exp, log or
 * cos, whose last bits could differ between engines), so every machine draws the same
 * sequence from the same label.
 */
import { createHash } from 'node:crypto';

const TWO_POW_32 = 4294967296;
const LN2 = 0.6931471805599453;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** exp(x) for |x| ≤ 40 by range reduction and a fixed-length Taylor series. */
export function detExp(x: number): number {
  if (!(Math.abs(x) <= 40)) throw new RangeError(`detExp argument out of range: ${x}`);
  const k = Math.round(x / LN2);
  const r = x - k * LN2;
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 24; n++) {
    term = (term * r) / n;
    sum += term;
  }
  let scale = 1;
  for (let i = 0; i < Math.abs(k); i++) scale *= 2;
  return k >= 0 ? sum * scale : sum / scale;
}

/** xoshiro128** generator. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(label: string) {
    const h = createHash('sha256').update(label).digest();
    this.s0 = h.readUInt32LE(0);
    this.s1 = h.readUInt32LE(4);
    this.s2 = h.readUInt32LE(8);
    this.s3 = h.readUInt32LE(12);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty array');
    return item;
  }

  /** Approximately standard normal (Irwin–Hall sum of 12 uniforms). */
  normal(): number {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += this.float();
    return sum - 6;
  }

  /** Log-normal integer with the given median and sigma, clamped to [min, max]. */
  logNormal(median: number, sigma: number, min: number, max: number): number {
    const v = Math.round(median * detExp(sigma * this.normal()));
    return Math.min(max, Math.max(min, v));
  }

  /** `count` distinct integers from [0, n), in draw order (partial Fisher–Yates). */
  sample(n: number, count: number): number[] {
    if (count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
    const pool = Array.from({ length: n }, (_, i) => i);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const j = i + this.int(n - i);
      const a = pool[i] ?? 0;
      const b = pool[j] ?? 0;
      pool[i] = b;
      pool[j] = a;
      out.push(b);
    }
    return out;
  }
}
