// The feedback-generation teacher (paper 3.2.1): writes the feedback a user with a known target would give
// on a constructed list. The paper had GPT-3.5 write it with the target in the prompt; here it is the
// template writer of the simulators (simulator/phrasing.ts) fed with what the target tells: the wanted
// aspects are the target's attributes, the target itself (when listed) is accepted, other listed items are
// liked or rejected by their attribute overlap with the target. Only titles of D and of the list can appear:
// attribute values that would name another catalog item are left out, and a NameGuard pass drops any
// sentence that still names one.
import type { Rng } from '../core/rng.js';
import type { ItemId } from '../data/types.js';
import { ACCEPT_MARKER } from '../simulator/llm.js';
import type { NameGuard } from '../simulator/name-guard.js';
import { phraseFeedback, type Aspect, type ListedItem } from '../simulator/phrasing.js';
import type { ItemJudgment, ItemView, SimulatorInput, Verdict } from '../simulator/types.js';
import { seenItemIds } from '../simulator/types.js';
import { VOCAB_KINDS, type VocabKind } from '../simulator/vocab.js';

/** Rarer kinds weigh more: sharing a director says more than sharing a genre (as the oracle simulator). */
const KIND_WEIGHT: Record<VocabKind, number> = { genre: 1, director: 3, actor: 1.5, writer: 2 };
/** How many values of each kind the teacher says it wants. */
const WANTED_PER_KIND: Record<VocabKind, number> = { genre: 2, director: 1, actor: 2, writer: 1 };
/** A non-target item at or above this weighted overlap is "partly right". */
const PARTIAL_AT = 0.2;
/** Non-target scores stay below every accept threshold: only the target is ever accepted. */
const NON_TARGET_CAP = 0.79;

export interface TeacherFeedback {
  /** The assistant answer: `[ACCEPT] ...` when the target is listed, as the LLM simulator's prompt asks. */
  text: string;
  accepted: boolean;
  /** Items the text may name: those of D (by id and by name in its text) and of the list. */
  allowed: Set<ItemId>;
}

/** Weighted Jaccard overlap of two attribute sets over the vocab kinds, in [0, 1]. */
export function weightedOverlap(a: ItemView['attributes'], b: ItemView['attributes']): number {
  let shared = 0;
  let union = 0;
  for (const kind of VOCAB_KINDS) {
    const as = new Set(a[kind] ?? []);
    const bs = new Set(b[kind] ?? []);
    const w = KIND_WEIGHT[kind];
    for (const v of as) if (bs.has(v)) shared += w;
    union += w * new Set([...as, ...bs]).size;
  }
  return union > 0 ? shared / union : 0;
}

/** Items the user may name: seen ids (D, R_{t-1}) plus any catalog name written in D's text. */
export function allowedItems(input: SimulatorInput, guard: NameGuard): Set<ItemId> {
  const allowed = seenItemIds(input);
  for (const id of guard.mentions(input.context.map((u) => u.text).join('\n'))) allowed.add(id);
  return allowed;
}

/** Feedback on `input.previousList` from a user whose target is `target`. */
export function teacherFeedback(input: SimulatorInput, target: ItemView, guard: NameGuard, rng: Rng): TeacherFeedback {
  const allowed = allowedItems(input, guard);
  const targetValues = new Set<string>();
  const wanted: Aspect[] = [];
  for (const kind of VOCAB_KINDS) {
    let taken = 0;
    for (const value of target.attributes[kind] ?? []) {
      targetValues.add(`${kind}\u0000${value}`);
      if (taken >= WANTED_PER_KIND[kind] || !guard.allowsValue(value, allowed)) continue;
      wanted.push({ kind, value, score: 1 });
      taken++;
    }
  }
  const listed: ListedItem[] = input.previousList.map((view) => {
    const isTarget = view.id === target.id;
    const score = isTarget ? 1 : Math.min(NON_TARGET_CAP, weightedOverlap(view.attributes, target.attributes));
    const verdict: Verdict = isTarget ? 'accept' : score >= PARTIAL_AT ? 'partial' : 'reject';
    const judgment: ItemJudgment = { itemId: view.id, title: view.title, score, verdict };
    const aspects: Aspect[] = [];
    for (const kind of VOCAB_KINDS) {
      for (const value of view.attributes[kind] ?? []) {
        if (!guard.allowsValue(value, allowed)) continue;
        aspects.push({ kind, value, score: targetValues.has(`${kind}\u0000${value}`) ? 1 : 0 });
      }
    }
    aspects.sort((a, b) => b.score - a.score);
    return { judgment, spoken: guard.sayTitle(view, allowed), aspects };
  });
  const phrased = phraseFeedback(
    { wanted, listed, contextTitles: input.contextItems.map((v) => guard.sayTitle(v, allowed)), likeAbove: 0.5, dislikeBelow: 0.5 },
    rng,
  );
  const safe = guard.sanitize(phrased.text, allowed) || 'Could you show me a few different options?';
  const accepted = phrased.kind === 'accept';
  return { text: accepted ? `${ACCEPT_MARKER} ${safe}` : safe, accepted, allowed };
}
