// Feedback generation (3.2.1) without an LLM: turns what the heads believe (attribute probabilities,
// per-item judgments on R_{t-1}) into the kind of thing a real user says ("I liked the crime angle of
// Joker, but no more superhero stuff, please."). Wording is drawn from many templates by the seeded rng.
// Only the titles handed in (items of D and R_{t-1}) can appear in the text; attribute values are
// screened by the caller (NameGuard) before they get here.
import type { Rng } from '../core/rng.js';
import type { ItemId } from '../data/types.js';
import type { ItemJudgment, PredictedAttribute, Verdict } from './types.js';
import { article, capitalize, joinAnd, spokenAttribute } from './text.js';
import type { VocabKind } from './vocab.js';

export interface Aspect {
  kind: VocabKind;
  value: string;
  score: number;
}

/** One item of R_{t-1} as phrasing sees it: how to say its title and what the user thinks of its aspects. */
export interface ListedItem {
  judgment: ItemJudgment;
  /** The title as the user says it. */
  spoken: string;
  /** The item's known aspects, the user's favourite first. */
  aspects: Aspect[];
}

export interface PhrasingInput {
  /** Wanted attributes, best first (already screened). */
  wanted: Aspect[];
  /** R_{t-1} in list order (empty at cold start). */
  listed: ListedItem[];
  /** Titles of items mentioned in D, as the user says them. */
  contextTitles: string[];
  /** An aspect at or above this probability counts as liked, below `dislikeBelow` as disliked. */
  likeAbove: number;
  dislikeBelow: number;
}

export interface Phrased {
  text: string;
  kind: 'feedback' | 'accept';
  /** Which item was accepted, when kind is 'accept'. */
  acceptedId?: ItemId;
  /** The verdict on the list (its best item's); absent at cold start. */
  verdict?: Verdict;
  /** The wanted aspects the text states (every answer states them, an acceptance too). */
  stated: Aspect[];
}

/** An aspect as the canonical "kind:value" string of Feedback.preference. */
export function aspectKey(a: Pick<Aspect, 'kind' | 'value'>): string {
  return `${a.kind}:${a.value}`;
}

// ---------------------------------------------------------------------------------------------------
// How aspects are said

function said(a: Aspect): string {
  return spokenAttribute(a.kind, a.value);
}

/** "the crime angle", "Todd Phillips' directing", "Joaquin Phoenix's performance". */
function aspectNoun(a: Aspect, rng: Rng): string {
  const v = said(a);
  switch (a.kind) {
    case 'genre':
      return rng.choice([`the ${v} angle`, `the ${v} side`, `the ${v} vibe`, `the ${v} feel`]);
    case 'director':
      return rng.choice([`${possessive(v)} directing`, `${possessive(v)} style`]);
    case 'actor':
      return rng.choice([`${possessive(v)} performance`, `${v} being in it`]);
    case 'writer':
      return rng.choice([`${possessive(v)} writing`, `the script by ${v}`]);
  }
}

/** The aspect as part of a listed item: "the crime angle of Joker", "Joaquin Phoenix's performance in Joker". */
function aspectOf(a: Aspect, title: string, rng: Rng): string {
  const v = said(a);
  switch (a.kind) {
    case 'genre':
      return `${rng.choice([`the ${v} angle`, `the ${v} side`, `the ${v} feel`])} of ${title}`;
    case 'director':
      return `${possessive(v)} ${rng.choice(['directing', 'style'])} in ${title}`;
    case 'actor':
      return `${possessive(v)} ${rng.choice(['performance', 'role'])} in ${title}`;
    case 'writer':
      return `the writing in ${title}`;
  }
}

/** Something one wants more of: "some crime", "Todd Phillips behind the camera", "Joaquin Phoenix in it". */
function aspectWant(a: Aspect, rng: Rng): string {
  const v = said(a);
  switch (a.kind) {
    case 'genre':
      return rng.choice([`some ${v}`, `a bit of ${v}`, `${v}`, `a good ${v} story`]);
    case 'director':
      return rng.choice([`${v} behind the camera`, `something directed by ${v}`, `a ${v} film`]);
    case 'actor':
      return rng.choice([`${v} in it`, `${v} in the cast`, `${v} starring`]);
    case 'writer':
      return rng.choice([`a script by ${v}`, `something written by ${v}`]);
  }
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/** "no more horror", "less Adam Sandler". */
function aspectAvoid(a: Aspect, rng: Rng): string {
  const v = said(a);
  if (a.kind === 'genre') return rng.choice([`no more ${v}`, `less ${v}`, `nothing too ${v}-heavy`, `not another ${v} one`]);
  return rng.choice([`no more ${v}`, `less ${v}`, `not another ${v} movie`]);
}

/** A person aspect as a trailing qualifier: "starring X", "directed by X", "written by X". */
function personForm(a: Aspect, rng: Rng): string {
  const v = said(a);
  switch (a.kind) {
    case 'director':
      return rng.choice([`directed by ${v}`, `by ${v}`]);
    case 'actor':
      return rng.choice([`starring ${v}`, `with ${v} in it`]);
    case 'writer':
      return `written by ${v}`;
    case 'genre':
      return `with some ${v}`;
  }
}

/** The wanted aspects a preference sentence states: the first two genres and the first person. */
function statedAspects(wanted: readonly Aspect[], maxGenres = 2): Aspect[] {
  const genres = wanted.filter((a) => a.kind === 'genre').slice(0, maxGenres);
  const person = wanted.find((a) => a.kind !== 'genre');
  return person ? [...genres, person] : genres;
}

/** The wanted genres ("crime and drama") and a person qualifier (", ideally starring X"). */
function wantedParts(wanted: Aspect[], rng: Rng, maxGenres = 2): { genres: string; person: string } {
  const stated = statedAspects(wanted, maxGenres);
  const person = stated.find((a) => a.kind !== 'genre');
  return { genres: joinAnd(stated.filter((a) => a.kind === 'genre').map(said)), person: person ? personForm(person, rng) : '' };
}

// ---------------------------------------------------------------------------------------------------
// Sentences

function acceptSentence(title: string, rng: Rng): string {
  return rng.choice([
    `Oh, ${title} sounds perfect!`,
    `${title} is exactly what I was looking for!`,
    `Yes, ${title}! That's the one I want to watch.`,
    `Ooh, ${title} looks great, I'll go with that.`,
    `I think ${title} is it. Thanks!`,
    `That's it! ${title} is right up my alley.`,
    `${title}, definitely. I'm sold.`,
  ]);
}

function acceptReason(aspect: Aspect, rng: Rng): string {
  return rng.choice([
    `I love ${aspectNoun(aspect, rng)}.`,
    `${capitalize(aspectNoun(aspect, rng))} is just what I'm in the mood for.`,
    `It has ${aspectWant(aspect, rng)}, which I really like.`,
  ]);
}

function likeSentence(item: ListedItem, aspect: Aspect | undefined, rng: Rng): string {
  const t = item.spoken;
  if (!aspect) {
    return rng.choice([
      `${t} is on the right track.`,
      `${t} sounds closer to what I want.`,
      `Of those, ${t} is the one that interests me most.`,
      `I could see myself watching ${t}.`,
    ]);
  }
  const np = aspectNoun(aspect, rng);
  return rng.choice([
    `I liked ${aspectOf(aspect, t, rng)}.`,
    `${t} is closer to what I want, I like ${np}.`,
    `${t} caught my eye because of ${np}.`,
    `Out of those, ${t} sounds the best to me, mostly for ${np}.`,
    `I could see myself watching ${t}, I'm into ${np}.`,
  ]);
}

/** A rejection that can follow a like sentence after ", but". */
function rejectClause(item: ListedItem, aspect: Aspect | undefined, rng: Rng): string {
  if (aspect) {
    return rng.choice([
      `${aspectAvoid(aspect, rng)}, please`,
      `${item.spoken} isn't really my thing, too much ${said(aspect)}`,
      `I'd skip ${item.spoken}, I'm not big on ${said(aspect)}`,
      `${aspectAvoid(aspect, rng)}, so not ${item.spoken}`,
    ]);
  }
  return rng.choice([`${item.spoken} doesn't do it for me`, `I'm not feeling ${item.spoken}`, `not so sure about ${item.spoken}`]);
}

function noneLiked(rng: Rng): string {
  return rng.choice([
    `Hmm, none of these really grab me.`,
    `Those aren't quite what I had in mind.`,
    `I don't think any of those are for me.`,
    `Not really feeling these, to be honest.`,
    `I've got to pass on those.`,
  ]);
}

function preferenceSentence(wanted: Aspect[], contextTitles: string[], rng: Rng, coldStart: boolean): string {
  const { genres, person } = wantedParts(wanted, rng);
  const tail = person ? `, ${rng.choice(['ideally', 'maybe', 'preferably'])} ${person}` : '';
  const options: string[] = [];
  if (genres) {
    options.push(
      `I'm really in the mood for ${genres}${tail}.`,
      `What I really want is some ${genres}${tail}.`,
      `Something with ${genres} would be great${tail}.`,
      coldStart ? `I'm looking for ${genres}${tail}.` : `Could you find me more ${genres}${tail}?`,
    );
    const first = genres.split(/,| and /)[0]!.trim();
    options.push(`I'd love ${article(first)} ${first} movie${tail}.`, `Do you have anything in the ${first} vein${tail}?`);
  } else if (person) {
    options.push(`I'd like something ${person}.`, `Do you have anything ${person}?`);
  }
  // A reference to an item of D only when there is no attribute to state (the stated preference is always said).
  if (options.length === 0 && contextTitles.length > 0) {
    const c = rng.choice(contextTitles);
    options.push(coldStart ? `I enjoyed ${c}, so something along those lines.` : `Maybe something closer to ${c}?`);
  }
  if (options.length === 0) {
    options.push(coldStart ? `I'm open to suggestions, something I'd really enjoy.` : `Could you try something different?`);
  }
  return rng.choice(options);
}

// ---------------------------------------------------------------------------------------------------

function liked(item: ListedItem, likeAbove: number): Aspect | undefined {
  const best = item.aspects[0];
  return best && best.score >= likeAbove ? best : undefined;
}

function disliked(item: ListedItem, dislikeBelow: number): Aspect | undefined {
  // Only genres make natural complaints ("no more horror"); "no more <some actor>" sounds odd.
  const low = item.aspects.filter((a) => a.kind === 'genre' && a.score < dislikeBelow);
  return low[low.length - 1];
}

/** Writes F_t from the heads' beliefs. */
export function phraseFeedback(input: PhrasingInput, rng: Rng): Phrased {
  const { listed, wanted, contextTitles } = input;
  if (listed.length === 0) {
    const first = preferenceSentence(wanted, [], rng, true);
    // Sometimes add a reference to an item of D ("I enjoyed X, so something along those lines.").
    const second = contextTitles.length > 0 && rng.bernoulli(0.4) ? ` ${preferenceSentence([], contextTitles, rng, true)}` : '';
    return { text: first + second, kind: 'feedback', stated: statedAspects(wanted) };
  }
  const ranked = listed.slice().sort((a, b) => b.judgment.score - a.judgment.score);
  const best = ranked[0] as ListedItem;
  const verdict = best.judgment.verdict;
  if (verdict === 'accept') {
    const reasonAspect = liked(best, input.likeAbove);
    const reason = reasonAspect && rng.bernoulli(0.7) ? ` ${acceptReason(reasonAspect, rng)}` : '';
    // An acceptance still says what the user is after (the recommender learns from it either way).
    const preference = statedAspects(wanted).length > 0 ? ` ${preferenceSentence(wanted, [], rng, true)}` : '';
    return { text: acceptSentence(best.spoken, rng) + reason + preference, kind: 'accept', acceptedId: best.judgment.itemId, verdict, stated: statedAspects(wanted) };
  }

  const parts: string[] = [];
  const partial = best.judgment.verdict === 'partial' ? best : undefined;
  const rejects = ranked.filter((i) => i.judgment.verdict === 'reject');
  const rejectTarget = rejects.length > 0 ? rng.choice(rejects.slice(-3)) : undefined;
  const rejectAspect = rejectTarget ? disliked(rejectTarget, input.dislikeBelow) : undefined;
  const wantsReject = rejectTarget !== undefined && (rejectAspect !== undefined ? rng.bernoulli(0.8) : rng.bernoulli(0.35));

  if (partial) {
    const like = likeSentence(partial, liked(partial, input.likeAbove), rng);
    if (wantsReject && rejectTarget) {
      const clause = rejectClause(rejectTarget, rejectAspect, rng);
      parts.push(rng.bernoulli(0.5) ? `${like.replace(/[.!]$/, '')}, but ${clause}.` : `${like} ${capitalize(clause)}.`);
    } else {
      parts.push(like);
    }
  } else {
    parts.push(noneLiked(rng));
    if (wantsReject && rejectTarget) parts.push(`${capitalize(rejectClause(rejectTarget, rejectAspect, rng))}.`);
  }
  // Say what is wanted instead (beyond the liked aspect, when there is more).
  const likedValue = partial ? liked(partial, input.likeAbove)?.value : undefined;
  const fresh = wanted.filter((a) => a.value !== likedValue);
  const wantedNow = fresh.length > 0 ? fresh : wanted;
  parts.push(preferenceSentence(wantedNow, contextTitles, rng, false));
  return { text: parts.join(' '), kind: 'feedback', verdict, stated: statedAspects(wantedNow) };
}

/** Predicted attributes as phrasing aspects. */
export function toAspects(predicted: readonly PredictedAttribute[]): Aspect[] {
  return predicted.filter((p): p is PredictedAttribute & { kind: VocabKind } => p.kind !== 'producer').map((p) => ({ kind: p.kind, value: p.value, score: p.score }));
}
