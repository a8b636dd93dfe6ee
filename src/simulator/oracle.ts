// The oracle simulator of iEvaLM-style evaluations: it is told the target's ATTRIBUTES at the start of
// each episode and judges R_{t-1} against them. Not label-free, so it is a reference point, not SMTPO's
// simulator. It cannot reveal the target's title: it never receives it. `setTargetHint` copies only the
// attribute lists out of whatever it is given, and values that would name an unseen catalog item are
// screened by a NameGuard built from the whole catalog (which says nothing about which item is the target).
import type { Rng } from '../core/rng.js';
import type { AttributeKind, ItemId } from '../data/types.js';
import type { NameGuard } from './name-guard.js';
import { aspectKey, phraseFeedback, type Aspect, type ListedItem } from './phrasing.js';
import type { Feedback, HintedSimulator, ItemJudgment, PredictedAttribute, SimulatorInput, TargetHint, Verdict } from './types.js';
import { seenItemIds } from './types.js';
import type { VocabKind } from './vocab.js';
import { VOCAB_KINDS } from './vocab.js';

/** Rarer kinds weigh more: sharing a director says more than sharing a genre. */
const KIND_WEIGHT: Record<VocabKind, number> = { genre: 1, director: 3, actor: 1.5, writer: 2 };

export interface OracleOptions {
  /** Screens attribute values that would name unseen items; build it from the catalog. */
  guard?: NameGuard;
  /** Weighted attribute overlap (0..1) at which a listed item is accepted / partially liked. */
  acceptAt?: number;
  partialAt?: number;
}

type HintAttributes = Readonly<Partial<Record<VocabKind, readonly string[]>>>;

export class OracleSimulator implements HintedSimulator {
  readonly name = 'oracle';
  private hint: HintAttributes | undefined;
  private readonly guard: NameGuard | undefined;
  private readonly acceptAt: number;
  private readonly partialAt: number;

  constructor(options: OracleOptions = {}) {
    this.guard = options.guard;
    this.acceptAt = options.acceptAt ?? 0.8;
    this.partialAt = options.partialAt ?? 0.2;
  }

  /** Sets the episode's target attributes. Only `hint.attributes` is read, and only its attribute lists. */
  setTargetHint(hint: TargetHint): void {
    const copy: Partial<Record<VocabKind, readonly string[]>> = {};
    const attributes = (hint?.attributes ?? {}) as Partial<Record<AttributeKind, unknown>>;
    for (const kind of VOCAB_KINDS) {
      const values = attributes[kind];
      if (Array.isArray(values)) copy[kind] = Object.freeze(values.filter((v): v is string => typeof v === 'string'));
    }
    this.hint = Object.freeze(copy);
  }

  private allowed(value: string, allowed: ReadonlySet<ItemId>): boolean {
    return this.guard ? this.guard.allowsValue(value, allowed) : true;
  }

  private overlap(attributes: SimulatorInput['previousList'][number]['attributes'], hint: HintAttributes): number {
    let shared = 0;
    let union = 0;
    for (const kind of VOCAB_KINDS) {
      const a = new Set(attributes[kind] ?? []);
      const b = new Set(hint[kind] ?? []);
      const w = KIND_WEIGHT[kind];
      for (const v of a) if (b.has(v)) shared += w;
      union += w * new Set([...a, ...b]).size;
    }
    return union > 0 ? shared / union : 0;
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    const hint = this.hint;
    if (!hint) {
      return {
        text: 'Could you show me a few different options?',
        predictedAttributes: [],
        judgments: [],
        kind: 'feedback',
        source: this.name,
        error: 'OracleSimulator: no target hint set for this episode (call setTargetHint at reset)',
      };
    }
    const allowed = seenItemIds(input);
    const wantedValues = new Set<string>();
    const wanted: Aspect[] = [];
    for (const kind of VOCAB_KINDS) {
      for (const value of (hint[kind] ?? []).slice(0, kind === 'actor' ? 3 : 2)) {
        if (!this.allowed(value, allowed)) continue;
        wanted.push({ kind, value, score: 1 });
        wantedValues.add(`${kind}:${value}`);
      }
    }
    const predictedAttributes: PredictedAttribute[] = wanted.map((a) => ({ kind: a.kind, value: a.value, score: 1 }));
    const judgments: ItemJudgment[] = input.previousList.map((view) => {
      const score = this.overlap(view.attributes, hint);
      const verdict: Verdict = score >= this.acceptAt ? 'accept' : score >= this.partialAt ? 'partial' : 'reject';
      return { itemId: view.id, title: view.title, score, verdict };
    });
    const say = (view: { id: ItemId; title: string }): string => (this.guard ? this.guard.sayTitle(view, allowed) : view.title);
    const listed: ListedItem[] = input.previousList.map((view, j) => {
      const aspects: Aspect[] = [];
      for (const kind of VOCAB_KINDS) {
        for (const value of view.attributes[kind] ?? []) {
          if (!this.allowed(value, allowed)) continue;
          aspects.push({ kind, value, score: wantedValues.has(`${kind}:${value}`) || (hint[kind] ?? []).includes(value) ? 1 : 0 });
        }
      }
      aspects.sort((a, b) => b.score - a.score);
      return { judgment: judgments[j] as ItemJudgment, spoken: say(view), aspects };
    });
    const phrased = phraseFeedback(
      { wanted, listed, contextTitles: input.contextItems.map(say), likeAbove: 0.5, dislikeBelow: 0.5 },
      rng,
    );
    return { text: phrased.text, predictedAttributes, judgments, kind: phrased.kind, ...(phrased.verdict ? { verdict: phrased.verdict } : {}), preference: phrased.stated.map(aspectKey), source: this.name };
  }
}
