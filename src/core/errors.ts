// What an unknown thrown value says, for messages that name the input that failed; and the base class of the
// errors whose message says all a user needs (the CLI prints it on one line, without a stack trace).

/** The message of an Error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failure of the user's input or machine (a corrupt file, a busy run folder, a dead server), not a bug: its
 * message names the input and what to do. The CLI prints it on one line and exits 1. Lower layers throw subclasses
 * of it, since they cannot import the CLI's errors.
 */
export class OneLineError extends Error {
  override name = 'OneLineError';
}

/** Whether `err` or an error in its `cause` chain is an instance of `type`. */
export function causedBy(err: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 10 && e instanceof Error; depth++) {
    if (e instanceof type) return true;
    e = (e as Error).cause;
  }
  return false;
}

/** Bidirectional overrides and isolates: they reorder what a terminal shows. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with control characters (C0, DEL, C1, bidi overrides) shown as `\xNN` / `\uNNNN`, so text from a file or a
 * server cannot move the cursor, clear the screen or ring the bell when printed. Tabs and newlines are kept unless
 * `oneLine` is set.
 */
export function escapeControlChars(text: string, oneLine = false): string {
  const controls = oneLine ? /[\u0000-\u001f\u007f-\u009f]/g : /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
  return text
    .replace(controls, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
