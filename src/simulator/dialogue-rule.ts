// A simulator with no training at all: feedback from the dialogue alone by hand-written rules. It restates the
// preferences the user stated in D (genres spoken, entities, the attributes of the items they mentioned) and
// judges R_{t-1} only by how many of an item's attributes were stated. Useful where nothing may be trained (quick
// tests, serving demos); the paper's single-task ablation is the trained MultiTaskSimulator with tasks ['feedback'].
import type { Rng } from '../core/rng.js';
import { GENRE_VOCAB, matchGenres } from '../data/genres.js';
import type { ItemId } from '../data/types.js';
import type { NameGuard } from './name-guard.js';
import { aspectKey, phraseFeedback, type Aspect, type ListedItem } from './phrasing.js';
import type { ContextUtterance, Feedback, ItemJudgment, SimulatorInput, UserSimulator, Verdict } from './types.js';
import { seenItemIds } from './types.js';
import { VOCAB_KINDS, type VocabKind } from './vocab.js';

const PREFERENCE_CUE = /\b(?:i (?:really )?(?:like|love|enjoy|prefer|want|adore)|i'?m (?:into|looking for|in the mood for)|my fav(?:ou?rite)?|fan of|big fan)\b/i;
const GENRES = new Set(GENRE_VOCAB);

export interface DialogueRuleOptions {
  /** Without a guard the user's own sentences are never echoed (they could name unlinked titles). */
  guard?: NameGuard;
  /** Score (0.7 x share of the item's genres stated + 0.3 if a stated person is in it) for a partial match / an accept. */
  partialAt?: number;
  acceptAt?: number;
  /** Probability of echoing one of the user's own preference sentences from D. */
  echoRate?: number;
}

interface Stated {
  aspects: Aspect[];
  keys: Set<string>;
  statements: string[];
  /** Catalog items named in the text of D (seen by the user even when not linked). */
  namedInText: Set<ItemId>;
}

export class DialogueRuleSimulator implements UserSimulator {
  readonly name = 'dialogue-rule';
  private readonly guard: NameGuard | undefined;
  private readonly partialAt: number;
  private readonly acceptAt: number;
  private readonly echoRate: number;
  private readonly cache = new WeakMap<readonly ContextUtterance[], Stated>();

  constructor(options: DialogueRuleOptions = {}) {
    this.guard = options.guard;
    this.partialAt = options.partialAt ?? 0.4;
    this.acceptAt = options.acceptAt ?? 0.9;
    this.echoRate = options.echoRate ?? 0.5;
  }

  private stated(input: SimulatorInput): Stated {
    const hit = this.cache.get(input.context);
    if (hit) return hit;
    const aspects: Aspect[] = [];
    const keys = new Set<string>();
    const add = (kind: VocabKind, value: string): void => {
      const key = `${kind}:${value.toLowerCase()}`;
      if (keys.has(key)) return;
      keys.add(key);
      aspects.push({ kind, value, score: 1 });
    };
    const seekerText = input.context.filter((u) => u.role === 'seeker').map((u) => u.text);
    for (const text of seekerText) for (const g of matchGenres(text)) add('genre', g);
    for (const entity of input.contextEntities) if (GENRES.has(entity.toLowerCase())) add('genre', entity.toLowerCase());
    // People the user named who are attributes of items of D.
    const entities = new Set(input.contextEntities.map((e) => e.toLowerCase()));
    for (const view of input.contextItems) {
      for (const kind of VOCAB_KINDS) {
        for (const value of view.attributes[kind] ?? []) {
          if (kind === 'genre' || entities.has(value.toLowerCase())) add(kind, kind === 'genre' ? value.toLowerCase() : value);
        }
      }
    }
    const statements = seekerText
      .flatMap((t) => t.match(/[^.!?]+[.!?]?/g) ?? [])
      .map((s) => s.trim())
      .filter((s) => PREFERENCE_CUE.test(s) && /^i\b/i.test(s) && s.length >= 20 && s.length <= 160);
    const namedInText = this.guard ? this.guard.mentions(input.context.map((u) => u.text).join('\n')) : new Set<ItemId>();
    const result = { aspects, keys, statements, namedInText };
    this.cache.set(input.context, result);
    return result;
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    const stated = this.stated(input);
    const allowed = seenItemIds(input);
    for (const id of stated.namedInText) allowed.add(id);
    const ok = (value: string): boolean => (this.guard ? this.guard.allowsValue(value, allowed) : true);
    const say = (view: { id: ItemId; title: string }): string => (this.guard ? this.guard.sayTitle(view, allowed) : view.title);
    const judgments: ItemJudgment[] = [];
    const listed: ListedItem[] = input.previousList.map((view) => {
      const aspects: Aspect[] = [];
      for (const kind of VOCAB_KINDS) {
        for (const value of view.attributes[kind] ?? []) {
          if (!ok(value)) continue;
          aspects.push({ kind, value, score: stated.keys.has(`${kind}:${value.toLowerCase()}`) ? 1 : 0 });
        }
      }
      aspects.sort((a, b) => b.score - a.score);
      // Share of the item's genres the user stated, plus a bonus when a stated person is involved.
      const genres = aspects.filter((a) => a.kind === 'genre');
      const genreShare = genres.length > 0 ? genres.filter((a) => a.score > 0).length / genres.length : 0;
      const personHit = aspects.some((a) => a.kind !== 'genre' && a.score > 0) ? 1 : 0;
      const score = 0.7 * genreShare + 0.3 * personHit;
      const verdict: Verdict = score >= this.acceptAt ? 'accept' : score >= this.partialAt ? 'partial' : 'reject';
      const judgment = { itemId: view.id, title: view.title, score, verdict };
      judgments.push(judgment);
      return { judgment, spoken: say(view), aspects };
    });
    const wanted = stated.aspects.filter((a) => ok(a.value));
    const phrased = phraseFeedback(
      { wanted, listed, contextTitles: input.contextItems.map(say), likeAbove: 0.5, dislikeBelow: 0.5 },
      rng,
    );
    let text = phrased.text;
    if (this.guard && stated.statements.length > 0 && phrased.kind === 'feedback' && rng.bernoulli(this.echoRate)) {
      const echo = this.guard.sanitize(rng.choice(stated.statements), allowed);
      if (echo) text = `${text} ${rng.choice(['Like I said,', 'Again,', 'Remember,', 'As I mentioned,'])} ${lowerFirst(echo)}${/[.!?]$/.test(echo) ? '' : '.'}`;
    }
    return { text, predictedAttributes: [], judgments, kind: phrased.kind, ...(phrased.verdict ? { verdict: phrased.verdict } : {}), preference: phrased.stated.map(aspectKey), source: this.name };
  }
}

function lowerFirst(s: string): string {
  return /^I\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1);
}
