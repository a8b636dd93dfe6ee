// ReDial train-portion dialogues known only as text (`redial/derived/train_qa_10006.jsonl.gz`): each record
// holds one speaker's messages in `questions` and the other's in `answers` (the order between them is lost),
// and `context`, the questionnaire as prose: "For Title (Year) respondent like it initiator don't like it, ".
import { isRecord, isStringArray } from './read.js';

export interface TextDialogue {
  /** 1-based line in the file. */
  line: number;
  /** `pos` of the record (its place in the official order), else its line index. */
  pos: number;
  /** The recovered conversationId, null where it could not be recovered. */
  conversationId: string | null;
  /** Every message of both speakers (questions, then answers). */
  messages: string[];
  /** Titles (as written in `context`) the seeker said they liked. */
  likedTitles: string[];
}

const ANSWER = String.raw`(?:respondent|initiator) (?:like it|don't like it|has no idea)`;
const FLAGS = new RegExp(String.raw`((?: ${ANSWER})*)$`);
const ONE_FLAG = /(respondent|initiator) (like it|don't like it|has no idea)/g;

/**
 * The titles the seeker liked, from the questionnaire prose. The seeker's own answer (initiator) counts when
 * given, else the recommender's answer about the seeker (respondent), as for the raw questionnaire.
 */
export function likedTitlesOf(context: string): string[] {
  const body = context.replace(/,\s*$/, '').replace(/^For /, '');
  if (body.trim() === '') return [];
  const liked: string[] = [];
  for (const entry of body.split(', For ')) {
    const flags = FLAGS.exec(entry)?.[1] ?? '';
    const title = entry.slice(0, entry.length - flags.length).trim();
    const answers = new Map<string, string>();
    for (const m of flags.matchAll(ONE_FLAG)) answers.set(m[1]!, m[2]!);
    const answer = answers.get('initiator') ?? answers.get('respondent');
    if (answer === 'like it' && title !== '') liked.push(title);
  }
  return liked;
}

/** One record, or a message saying what is wrong with it. */
export function parseTextDialogue(line: number, value: unknown): TextDialogue | string {
  if (!isRecord(value)) return 'record is not a JSON object';
  const id = value.conversationId;
  if (!(id === null || typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)))) {
    return '"conversationId" is neither an id nor null';
  }
  if (!isStringArray(value.questions) || !isStringArray(value.answers)) return '"questions" and "answers" must be string arrays';
  if (typeof value.context !== 'string') return '"context" is not a string';
  const pos = typeof value.pos === 'number' && Number.isInteger(value.pos) ? value.pos : line - 1;
  return {
    line,
    pos,
    conversationId: id === null ? null : String(id),
    messages: [...value.questions, ...value.answers],
    likedTitles: likedTitlesOf(value.context),
  };
}
