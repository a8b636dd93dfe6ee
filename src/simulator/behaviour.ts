// How a Feedback is read by the evaluation: the verdict on the list as a whole and the preference it states.
import type { Feedback, Verdict } from './types.js';

/** The verdict on R_{t-1}: the simulator's own, else its best judgment's; undefined at cold start. */
export function listVerdict(fb: Feedback): Verdict | undefined {
  if (fb.verdict !== undefined) return fb.verdict;
  if (fb.judgments.length === 0) return fb.kind === 'accept' ? 'accept' : undefined;
  return fb.judgments.reduce((a, b) => (b.score > a.score ? b : a)).verdict;
}

/** The stated preference as canonical "kind:value" strings: the simulator's own, else its predicted attributes. */
export function statedPreference(fb: Feedback): string[] {
  return fb.preference ?? fb.predictedAttributes.map((a) => `${a.kind}:${a.value}`);
}
