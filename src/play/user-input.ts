// What a typed line means: take an item of the list (its number or its title), quit, ask for something
// else (an empty line), or free-text feedback. Any string is accepted; nothing here throws.
import { TitleMatcher, type CandidateRef } from '../../envs/action.js';
import type { ItemId } from '../data/types.js';

export type UserCommand =
  | { kind: 'accept'; id: ItemId; title: string; position: number }
  | { kind: 'quit' }
  | { kind: 'more' }
  | { kind: 'feedback'; text: string }
  /** A number that is not in the list: ask again. */
  | { kind: 'invalid'; message: string };

/** Feedback sent when the person just presses Enter. */
export const MORE_TEXT = 'Show me something else.';
/** Longest feedback kept; the rest is cut so a pasted page cannot flood the retriever. */
export const MAX_FEEDBACK_CHARS = 500;

const QUIT = new Set(['q', 'quit', 'exit', ':q']);

/** Printable text only: control characters (escape sequences, NUL, tabs) become spaces. */
export function cleanLine(line: string): string {
  return line
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads one line against the list on screen (`list[i]` is item number i+1). */
export function interpretLine(line: string, list: readonly CandidateRef[]): UserCommand {
  const text = cleanLine(line);
  if (text === '') return { kind: 'more' };
  if (QUIT.has(text.toLowerCase())) return { kind: 'quit' };
  const number = /^#?\s*(\d{1,6})\s*[.)]?$/.exec(text);
  if (number) {
    const position = Number(number[1]);
    const item = list[position - 1];
    if (!item || position < 1) {
      return { kind: 'invalid', message: list.length > 0 ? `There is no #${position} in the list (1-${list.length}).` : 'The list is empty.' };
    }
    return { kind: 'accept', id: item.id, title: item.title, position };
  }
  const id = new TitleMatcher(list).match(text);
  if (id !== undefined) {
    const position = list.findIndex((c) => c.id === id) + 1;
    const item = list[position - 1] as CandidateRef;
    return { kind: 'accept', id, title: item.title, position };
  }
  return { kind: 'feedback', text: text.slice(0, MAX_FEEDBACK_CHARS) };
}
