// Simulator wrappers for the paper's robustness tests (4.5, Table 3): the blind simulator (no access to
// the recommender's output) and noisy feedback (randomly replaced by irrelevant chat).
import type { Rng } from '../core/rng.js';
import { chitchat } from './chitchat.js';
import type { Feedback, SimulatorInput, TargetHint, UserSimulator } from './types.js';
import { isHintedSimulator, withPreviousList } from './types.js';

/** Sees D and I_D but never R_{t-1}: the inner simulator always gets an empty previous list. */
export class BlindSimulator implements UserSimulator {
  readonly name: string;

  constructor(private readonly inner: UserSimulator) {
    this.name = `blind(${inner.name})`;
  }

  /** Passed on to an inner oracle; dropped for a label-free inner simulator. */
  setTargetHint(hint: TargetHint): void {
    if (isHintedSimulator(this.inner)) this.inner.setTargetHint(hint);
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    const fb = await this.inner.feedback(withPreviousList(input, []), rng);
    return { ...fb, source: this.name };
  }
}

/**
 * With probability `p` (seeded), replaces the inner simulator's feedback by off-topic chit-chat. The
 * inner simulator receives the same rng it would get unwrapped, so p = 0 gives its feedback unchanged.
 */
export class NoisySimulator implements UserSimulator {
  readonly name: string;

  constructor(
    private readonly inner: UserSimulator,
    readonly p: number,
  ) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`NoisySimulator: p must be in [0, 1], got ${p}`);
    this.name = `noisy(${inner.name},${p})`;
  }

  /** Passed on to an inner oracle; dropped for a label-free inner simulator. */
  setTargetHint(hint: TargetHint): void {
    if (isHintedSimulator(this.inner)) this.inner.setTargetHint(hint);
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    if (rng.split('noise').bernoulli(this.p)) return chitchat(rng.split('chitchat'), this.name);
    const fb = await this.inner.feedback(input, rng);
    return { ...fb, source: this.name };
  }
}
