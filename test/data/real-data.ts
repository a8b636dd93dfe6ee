// Shared helper for the tests on the real data in ../shared/data: the root, or null when it is absent.
import { resolveDataRoot } from '../../src/data/paths.js';
import type { DatasetName } from '../../src/data/paths.js';

export function realDataRoot(dataset: DatasetName): string | null {
  try {
    return resolveDataRoot(undefined, { dataset, env: {} });
  } catch {
    return null;
  }
}
