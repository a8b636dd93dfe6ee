import { defineConfig } from 'vitest/config';

// Default suite: unit tests plus tests on the real data in ../shared/data. Long runs
// (full training, full reproduction) live behind CRS_GYM_LONG=1 and are skipped here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
