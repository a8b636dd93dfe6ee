// What the simulated user said over an evaluation, from the traces: how often it answered, its verdicts, how
// often it accepted a list that did not hold the target (a false acceptance: the user claims to be satisfied
// while the target is missing), and whether the preference it states moves from one round to the next (a user
// who reads the list should). Verdicts and preferences are read from the env's `info.feedback`; an env that
// reports no verdict counts an answer of kind 'accept' as an acceptance.
import { bootstrapRatioInterval, type Interval } from './bootstrap.js';
import type { RoundFeedback, SampleTrace } from './trace.js';

export interface FeedbackStats {
  /** Rounds whose list the simulator answered. */
  turns: number;
  /** Answers by verdict; 'unknown' when the env reported none. */
  verdicts: { accept: number; partial: number; reject: number; unknown: number };
  /** Answered rounds whose list did not hold the target. */
  turnsWithoutTarget: number;
  /** Of those, the ones the simulator accepted. */
  falseAcceptances: number;
  /** falseAcceptances / turnsWithoutTarget (null without such turns), with its 95% bootstrap interval over samples. */
  falseAcceptanceRate: number | null;
  falseAcceptanceRateCi95: Interval | null;
  /** Episodes with at least two answers that report a stated preference. */
  multiRoundEpisodes: number;
  /** Of those, the ones whose stated preference (as a set) differs between two consecutive answers. */
  preferenceChanged: number;
  /** preferenceChanged / multiRoundEpisodes (null without such episodes), with its 95% bootstrap interval over samples. */
  preferenceChangeShare: number | null;
  preferenceChangeShareCi95: Interval | null;
}

/** Whether the user took the list: its verdict, or for an env that reports none, an answer of kind 'accept'. */
export function isAcceptance(feedback: RoundFeedback): boolean {
  return feedback.verdict !== undefined ? feedback.verdict === 'accept' : feedback.kind === 'accept';
}

function preferenceKey(preference: readonly string[]): string {
  return JSON.stringify([...new Set(preference)].sort());
}

interface SampleCounts {
  withoutTarget: number;
  falseAcceptances: number;
  multiRound: number;
  changed: number;
}

function countSample(trace: SampleTrace, verdicts: FeedbackStats['verdicts']): SampleCounts & { turns: number } {
  const counts = { turns: 0, withoutTarget: 0, falseAcceptances: 0, multiRound: 0, changed: 0 };
  const stated: string[] = [];
  for (const round of trace.rounds) {
    const feedback = round.feedback;
    if (feedback === undefined) continue;
    counts.turns++;
    verdicts[feedback.verdict ?? 'unknown']++;
    if (!round.ranking.includes(trace.target)) {
      counts.withoutTarget++;
      if (isAcceptance(feedback)) counts.falseAcceptances++;
    }
    if (feedback.preference !== undefined) stated.push(preferenceKey(feedback.preference));
  }
  if (stated.length >= 2) {
    counts.multiRound = 1;
    counts.changed = stated.some((key, i) => i > 0 && key !== stated[i - 1]) ? 1 : 0;
  }
  return counts;
}

/** The statistics of a play; `seed` seeds the bootstrap intervals. */
export function feedbackStats(traces: readonly SampleTrace[], seed: number | string): FeedbackStats {
  const verdicts = { accept: 0, partial: 0, reject: 0, unknown: 0 };
  const perSample = traces.map((t) => countSample(t, verdicts));
  const sum = (key: keyof SampleCounts | 'turns') => perSample.reduce((s, c) => s + c[key], 0);
  const ratio = (num: keyof SampleCounts, den: keyof SampleCounts, name: string): [number | null, Interval | null] => {
    const total = sum(den);
    if (total === 0) return [null, null];
    const interval = bootstrapRatioInterval(
      perSample.map((c) => c[num]),
      perSample.map((c) => c[den]),
      { seed: `${String(seed)}/bootstrap/${name}` },
    );
    return [sum(num) / total, interval];
  };
  const [falseAcceptanceRate, falseAcceptanceRateCi95] = ratio('falseAcceptances', 'withoutTarget', 'false-acceptance');
  const [preferenceChangeShare, preferenceChangeShareCi95] = ratio('changed', 'multiRound', 'preference-change');
  return {
    turns: sum('turns'),
    verdicts,
    turnsWithoutTarget: sum('withoutTarget'),
    falseAcceptances: sum('falseAcceptances'),
    falseAcceptanceRate,
    falseAcceptanceRateCi95,
    multiRoundEpisodes: sum('multiRound'),
    preferenceChanged: sum('changed'),
    preferenceChangeShare,
    preferenceChangeShareCi95,
  };
}
