// Errors of the dataset layer. The CLI turns them into one-line messages; library callers can catch them.
import { OneLineError } from '../core/errors.js';

/** One place a data root was looked for, and why it was not used. */
export interface TriedRoot {
  /** Where the candidate came from: `--data`, `CRS_GYM_DATA`, `./data`, ... */
  source: string;
  path: string;
  /** Why it was rejected (empty when it was accepted). */
  reason: string;
}

/** No usable data folder (or a required file inside it is missing). The message lists every path tried. */
export class DataNotFoundError extends OneLineError {
  override name = 'DataNotFoundError';
  constructor(
    message: string,
    readonly tried: TriedRoot[] = [],
  ) {
    super(message);
  }
}

/** A malformed input in strict mode, or a file that cannot be used at all. Message: `file:line: what is wrong`. */
export class DataFormatError extends OneLineError {
  override name = 'DataFormatError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}
