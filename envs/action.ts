// What an agent sends to CrsEnv and how it is read: a structured action or raw text in the paper's
// format (`<think>` with five steps, then `RANK LIST: [Title, ..., Title]`). Nothing here throws on bad
// input: every problem becomes a reason in `ParsedAction.problems`.
import type { ItemId } from '../src/data/types.js';

export interface StructuredAction {
  ranking: ItemId[];
  preference?: string;
  reasoning?: string;
}

/** An agent's action: structured, or the raw text an LLM wrote. */
export type CrsAction = StructuredAction | string;

export interface CandidateRef {
  id: ItemId;
  title: string;
  aliases?: readonly string[];
}

export interface ParsedAction {
  /** The valid list R_t: candidate ids, deduplicated, in the agent's order, at most `maxListLength`. */
  ranking: ItemId[];
  preference: string;
  reasoning: string;
  /** Number of reasoning step markers found inside `<think>` (N_match of equation 15). */
  thinkSteps: number;
  /** Whether the answer part matched `RANK LIST: [Title, ..., Title]` (text) or was a well-formed list (structured). */
  answerWellFormed: boolean;
  /** Entries dropped from the list: not a candidate, unknown id, duplicate, wrong type. */
  dropped: string[];
  /** Human-readable reasons for anything that was wrong. */
  problems: string[];
  kind: 'text' | 'structured' | 'invalid';
}

/** The five steps the paper's recommender reasons in (section 3.4.1). */
export const REASONING_STEPS = [
  'Preference Inference',
  'Attribute Matching',
  'Scoring',
  'Ranking',
  'Explanation',
] as const;

const STEP_MARKER = /\bstep\s*\d+\s*[:.)-]/gi;
const THINK_BLOCK = /<think>([\s\S]*?)<\/think>/i;
const RANK_LIST = /RANK\s*LIST\s*:\s*\[([\s\S]*?)\]/i;

/** N_match: step markers (`Step1:`, `Step 2.` ...) inside the first `<think>...</think>` block. */
export function countThinkSteps(text: string): number {
  const block = THINK_BLOCK.exec(text);
  if (!block) return 0;
  return (block[1] ?? '').match(STEP_MARKER)?.length ?? 0;
}

/** Lower-case, strip accents, punctuation and a leading article: how titles are compared after exact match. */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9()]+/g, ' ')
    .replace(/^\s*(the|a|an)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function stripYear(normalized: string): string {
  return normalized.replace(/\s*\(\d{4}\)\s*$/, '').trim();
}

/** Title lookup over the current candidates: exact title first, then normalized, then normalized without year. */
export class TitleMatcher {
  private readonly exact = new Map<string, ItemId>();
  private readonly normalized = new Map<string, ItemId>();
  private readonly withoutYear = new Map<string, ItemId>();

  constructor(candidates: readonly CandidateRef[]) {
    // Every candidate's own title is registered before any alias, so an alias can never take over another
    // candidate's exact title (e.g. an episode aliased "What Lies Beneath (2000)" vs the film of that name).
    for (const names of [candidates.map((c) => [c.id, c.title] as const), candidates.flatMap((c) => (c.aliases ?? []).map((a) => [c.id, a] as const))]) {
      for (const [id, name] of names) {
        if (!this.exact.has(name)) this.exact.set(name, id);
        const n = normalizeTitle(name);
        if (n && !this.normalized.has(n)) this.normalized.set(n, id);
        const y = stripYear(n);
        if (y && !this.withoutYear.has(y)) this.withoutYear.set(y, id);
      }
    }
  }

  match(title: string): ItemId | undefined {
    const trimmed = title.trim().replace(/^["'“”‘’]+|["'“”‘’]+$/g, '').trim();
    if (!trimmed) return undefined;
    const exact = this.exact.get(trimmed);
    if (exact !== undefined) return exact;
    const n = normalizeTitle(trimmed);
    return this.normalized.get(n) ?? this.withoutYear.get(stripYear(n));
  }
}

/**
 * Splits the inside of `[...]` into titles. Titles may contain commas ("Crazy, Stupid, Love"), so adjacent
 * comma pieces are joined greedily, longest first, whenever the joined text names a candidate.
 */
export function splitTitles(inner: string, matcher: TitleMatcher): { matched: ItemId[]; unmatched: string[] } {
  const pieces = inner.split(',');
  const matched: ItemId[] = [];
  const unmatched: string[] = [];
  let i = 0;
  while (i < pieces.length) {
    let found: { id: ItemId; end: number } | undefined;
    for (let end = Math.min(pieces.length, i + 6); end > i; end--) {
      const id = matcher.match(pieces.slice(i, end).join(','));
      if (id !== undefined) {
        found = { id, end };
        break;
      }
    }
    if (found) {
      matched.push(found.id);
      i = found.end;
    } else {
      const piece = (pieces[i] ?? '').trim();
      if (piece) unmatched.push(piece);
      i += 1;
    }
  }
  return { matched, unmatched };
}

function isStructured(action: unknown): action is { ranking: unknown } {
  return typeof action === 'object' && action !== null && !Array.isArray(action) && 'ranking' in action;
}

/** Keeps candidate ids in order, drops the rest with reasons, and cuts the list to `maxListLength`. */
function validateIds(
  raw: readonly unknown[],
  candidateIds: ReadonlySet<ItemId>,
  maxListLength: number,
  dropped: string[],
): ItemId[] {
  const seen = new Set<ItemId>();
  const out: ItemId[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'string' && typeof entry !== 'number') {
      dropped.push(`wrong type: ${describe(entry)}`);
      continue;
    }
    if (typeof entry === 'number' && !Number.isFinite(entry)) {
      dropped.push(`not an id: ${String(entry)}`);
      continue;
    }
    const id = String(entry);
    if (!candidateIds.has(id)) dropped.push(`not a candidate: ${id}`);
    else if (seen.has(id)) dropped.push(`duplicate: ${id}`);
    else if (out.length >= maxListLength) dropped.push(`beyond top-${maxListLength}: ${id}`);
    else {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `${typeof value} ${s === undefined ? '' : s.slice(0, 40)}`.trim();
}

/** Reads any value an agent sent as an action. Never throws. */
export function parseAction(action: unknown, candidates: readonly CandidateRef[], maxListLength = 10): ParsedAction {
  const candidateIds = new Set(candidates.map((c) => c.id));
  const dropped: string[] = [];
  const problems: string[] = [];

  if (typeof action === 'string') {
    const thinkSteps = countThinkSteps(action);
    if (!THINK_BLOCK.test(action)) problems.push('no <think>...</think> block');
    const afterThink = action.replace(THINK_BLOCK, '');
    const list = RANK_LIST.exec(afterThink);
    let ranking: ItemId[] = [];
    if (!list) problems.push('no "RANK LIST: [Title, ..., Title]" after the reasoning');
    else {
      const { matched, unmatched } = splitTitles(list[1] ?? '', new TitleMatcher(candidates));
      for (const title of unmatched) dropped.push(`not a candidate title: ${title.slice(0, 80)}`);
      ranking = validateIds(matched, candidateIds, maxListLength, dropped);
      if (ranking.length === 0) problems.push('RANK LIST names no candidate');
    }
    const reasoning = THINK_BLOCK.exec(action)?.[1]?.trim() ?? '';
    const preference = /preference inference\s*[.:]\s*([^\n]*)/i.exec(reasoning)?.[1]?.trim() ?? '';
    return {
      ranking,
      preference,
      reasoning,
      thinkSteps,
      answerWellFormed: list !== null && ranking.length > 0,
      dropped,
      problems: dropped.length > 0 ? [...problems, `${dropped.length} list entries dropped`] : problems,
      kind: 'text',
    };
  }

  if (isStructured(action)) {
    const raw = (action as { ranking: unknown }).ranking;
    const rec = action as { preference?: unknown; reasoning?: unknown };
    const preference = typeof rec.preference === 'string' ? rec.preference : '';
    const reasoning = typeof rec.reasoning === 'string' ? rec.reasoning : '';
    if (rec.preference !== undefined && typeof rec.preference !== 'string') problems.push('preference is not a string');
    if (rec.reasoning !== undefined && typeof rec.reasoning !== 'string') problems.push('reasoning is not a string');
    let ranking: ItemId[] = [];
    if (!Array.isArray(raw)) problems.push(`ranking is not an array (got ${describe(raw)})`);
    else {
      ranking = validateIds(raw, candidateIds, maxListLength, dropped);
      if (raw.length === 0) problems.push('ranking is empty');
      else if (ranking.length === 0) problems.push('ranking names no candidate');
      if (dropped.length > 0) problems.push(`${dropped.length} list entries dropped`);
    }
    // A structured reasoning may carry its own <think> block; plain step text counts as if wrapped in one.
    const thinkSteps = reasoning ? countThinkSteps(THINK_BLOCK.test(reasoning) ? reasoning : `<think>${reasoning}</think>`) : 0;
    return {
      ranking,
      preference,
      reasoning,
      thinkSteps,
      answerWellFormed: Array.isArray(raw) && ranking.length > 0 && dropped.length === 0,
      dropped,
      problems,
      kind: 'structured',
    };
  }

  return {
    ranking: [],
    preference: '',
    reasoning: '',
    thinkSteps: 0,
    answerWellFormed: false,
    dropped,
    problems: [`action is neither text nor { ranking: ItemId[] } (got ${describe(action)})`],
    kind: 'invalid',
  };
}

/** Writes a ranking in the paper's answer format, as an LLM would. */
export function formatRankList(titles: readonly string[]): string {
  return `RANK LIST: [${titles.join(', ')}]`;
}
