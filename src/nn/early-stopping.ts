// Early stopping on a validation metric, keeping a copy of the best weights to restore at the end.
import type { ParamBuffer, ParamStore } from './params.js';

export interface EarlyStoppingOptions {
  /** Checks without improvement before stopping. */
  patience: number;
  /** 'min' for a loss, 'max' for a recall. Default 'min'. */
  mode?: 'min' | 'max';
  /** An improvement must beat the best by more than this. Default 0. */
  minDelta?: number;
}

export interface EarlyStoppingUpdate {
  improved: boolean;
  /** True once `patience` checks in a row brought no improvement. */
  stop: boolean;
}

export class EarlyStopping {
  private readonly patience: number;
  private readonly sign: number;
  private readonly minDelta: number;
  private bestValue: number | undefined;
  private bestAt = -1;
  private checks = 0;
  private snapshot: ParamBuffer[] | undefined;

  constructor(options: EarlyStoppingOptions) {
    if (!(Number.isInteger(options.patience) && options.patience >= 0)) {
      throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${options.patience}`);
    }
    this.patience = options.patience;
    this.sign = options.mode === 'max' ? -1 : 1;
    this.minDelta = options.minDelta ?? 0;
  }

  /** Records one check (typically one epoch). Snapshots `params` when the value improves. */
  update(value: number, params?: ParamStore): EarlyStoppingUpdate {
    const at = this.checks++;
    const improved =
      Number.isFinite(value) &&
      (this.bestValue === undefined || this.sign * (this.bestValue - value) > this.minDelta);
    if (improved) {
      this.bestValue = value;
      this.bestAt = at;
      if (params) this.snapshot = params.toBuffers();
    }
    // Checks since the best one (all of them while nothing finite was seen).
    const waited = at - this.bestAt;
    return { improved, stop: !improved && waited >= Math.max(1, this.patience) };
  }

  /** Best value seen (undefined before the first finite value). */
  get best(): number | undefined {
    return this.bestValue;
  }

  /** 0-based index of the check that gave the best value, -1 if none. */
  get bestCheck(): number {
    return this.bestAt;
  }

  /** Writes the best snapshot back into `params`; false when there is none. */
  restoreBest(params: ParamStore): boolean {
    if (!this.snapshot) return false;
    params.assignBuffers(this.snapshot);
    return true;
  }
}
