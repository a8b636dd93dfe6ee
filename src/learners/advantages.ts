// Advantages from per-turn rewards of rollout groups (G rollouts of one sample from the same state).
// Shapes: groups[k][i][t] = reward of rollout i of group k at its played turn t (0-based).
// An episode that ended early keeps its last reward for the rounds it did not play, so every rollout of a
// group is compared over the same T rounds (the paper's evaluation keeps a successful list the same way).

export type AdvantageMode = 'per-turn' | 'return';
export type RewardScaling = 'group' | 'batch' | 'none';
export type Baseline = 'group-mean' | 'leave-one-out';

export interface AdvantageOptions {
  mode: AdvantageMode;
  gamma: number;
  scale: RewardScaling;
  baseline: Baseline;
  /** T: rounds every rollout is compared over (at least the longest played episode). */
  rounds: number;
}

const STD_EPS = 1e-4;

/** Rewards padded to `rounds` with the last value. */
export function padRewards(rewards: readonly number[], rounds: number): number[] {
  const out = rewards.slice(0, Math.max(rounds, rewards.length));
  const last = rewards.length > 0 ? (rewards[rewards.length - 1] as number) : 0;
  while (out.length < rounds) out.push(last);
  return out;
}

/** The per-turn learning signal: the reward itself, or the discounted return-to-go. */
export function turnSignal(padded: readonly number[], mode: AdvantageMode, gamma: number): number[] {
  if (mode === 'per-turn') return padded.slice();
  const out = new Array<number>(padded.length).fill(0);
  let acc = 0;
  for (let t = padded.length - 1; t >= 0; t--) {
    acc = (padded[t] as number) + gamma * acc;
    out[t] = acc;
  }
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Unbiased standard deviation (torch.std's default); 0 for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Group-relative advantages for the played turns: the signal minus the group's mean at that turn (or the
 * mean of the other rollouts, RLOO), divided by the group's std at that turn ('group'), by the std of all
 * played signals in the batch ('batch'), or not at all ('none').
 */
export function groupAdvantages(groups: readonly (readonly (readonly number[])[])[], opts: AdvantageOptions): number[][][] {
  const signals = groups.map((group) => group.map((rewards) => turnSignal(padRewards(rewards, opts.rounds), opts.mode, opts.gamma)));
  const centered = signals.map((group) => {
    const G = group.length;
    const T = Math.max(...group.map((s) => s.length));
    const cols = Array.from({ length: T }, (_, t) => group.map((s) => s[t] ?? 0));
    return group.map((s) =>
      s.map((v, t) => {
        const col = cols[t] as number[];
        const m = mean(col);
        if (opts.baseline === 'leave-one-out') return G > 1 ? (G / (G - 1)) * (v - m) : 0;
        return v - m;
      }),
    );
  });
  let batchStd = 1;
  if (opts.scale === 'batch') {
    const played: number[] = [];
    signals.forEach((group, k) => group.forEach((s, i) => played.push(...s.slice(0, groups[k]![i]!.length))));
    batchStd = std(played) + STD_EPS;
  }
  return centered.map((group, k) =>
    group.map((a, i) => {
      const playedTurns = groups[k]![i]!.length;
      return a.slice(0, playedTurns).map((v, t) => {
        if (opts.scale === 'none') return v;
        if (opts.scale === 'batch') return v / batchStd;
        return v / (std(signals[k]!.map((s) => s[t] ?? 0)) + STD_EPS);
      });
    }),
  );
}

/** REINFORCE's baseline: a per-turn exponential moving average of the signal across iterations. */
export class MovingBaseline {
  values: number[] = [];

  constructor(readonly momentum: number) {}

  /** Advantages against the current baseline, then the baseline moves toward this batch's means. */
  advantages(groups: readonly (readonly (readonly number[])[])[], opts: Omit<AdvantageOptions, 'baseline'>): number[][][] {
    const signals = groups.map((group) => group.map((rewards) => turnSignal(padRewards(rewards, opts.rounds), opts.mode, opts.gamma)));
    const T = Math.max(opts.rounds, ...signals.flat().map((s) => s.length));
    const means = Array.from({ length: T }, (_, t) => mean(signals.flat().map((s) => s[t] ?? 0)));
    const base = means.map((m, t) => this.values[t] ?? m);
    const played: number[] = [];
    signals.forEach((group, k) => group.forEach((s, i) => s.slice(0, groups[k]![i]!.length).forEach((v, t) => played.push(v - (base[t] as number)))));
    const scale = opts.scale === 'none' ? 1 : std(played) + STD_EPS;
    const out = signals.map((group, k) => group.map((s, i) => s.slice(0, groups[k]![i]!.length).map((v, t) => (v - (base[t] as number)) / scale)));
    this.values = base.map((b, t) => this.momentum * b + (1 - this.momentum) * (means[t] as number));
    return out;
  }
}
