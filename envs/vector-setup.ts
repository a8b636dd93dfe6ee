// Setup module for AsyncVectorEnv workers over CrsEnv (`setup: { module: <this file>, args: { dataset, options } }`):
// each worker builds its env with makeCrsEnv, and observations cross threads through the compact codec.
import type { DatasetName } from '../src/data/paths.js';
import type { CrsEnv } from './crs-env.js';
import { makeCrsEnv } from './make.js';

/** AsyncVectorEnv sends CrsEnv observations compactly through this codec (ids and scores, details once). */
export { createObservationCodec } from './observation-codec.js';

export async function createEnv(args: { dataset: DatasetName; options?: Record<string, unknown> }): Promise<CrsEnv> {
  return makeCrsEnv(args.dataset, args.options ?? {});
}
