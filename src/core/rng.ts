// Seeded randomness. Every random draw in crs-gym goes through an Rng built on seedrandom.
// `split(name)` derives an independent stream from the parent's seed and the name only, so adding a
// draw in one component never shifts the numbers another component sees.
import seedrandom from 'seedrandom';

export type Seed = number | string;

export class Rng {
  readonly seed: string;
  private readonly prng: seedrandom.PRNG;

  constructor(seed: Seed) {
    this.seed = String(seed);
    this.prng = seedrandom(this.seed);
  }

  /** An independent child stream; depends on this stream's seed and `name`, not on draws made so far. */
  split(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  /**
   * A child stream seeded by a draw from this one. Unlike `split`, it depends on the draws made so far,
   * so calling it again (say, at each unseeded reset) gives a new child. The parent advances by one draw.
   */
  spawn(name: string): Rng {
    return new Rng(`${this.seed}/${name}#${this.uint32()}`);
  }

  /** Uniform float in [0, 1). */
  random(): number {
    return this.prng();
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.prng();
  }

  /** Uniform integer in [low, high) (high exclusive). */
  int(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`Rng.int: empty range [${low}, ${high})`);
    return low + Math.floor(this.prng() * (high - low));
  }

  /** A 32-bit unsigned integer, for seeding child generators or sampling spaces. */
  uint32(): number {
    return this.prng.int32() >>> 0;
  }

  /** Standard normal draw (Box-Muller). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice: empty array');
    return items[this.int(0, items.length)] as T;
  }

  /** Fisher-Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** `k` distinct elements, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.min(k, items.length));
  }

  /** Index drawn in proportion to non-negative weights. */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += Math.max(0, weights[i] as number);
    if (!(total > 0)) return this.int(0, weights.length);
    let r = this.prng() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= Math.max(0, weights[i] as number);
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

/** A seed for an unseeded call: random, but drawn once so it can be logged and replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
