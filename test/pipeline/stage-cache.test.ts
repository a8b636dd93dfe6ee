import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedStage, stageHash, stableStringify } from '../../src/pipeline/stage-cache.js';

describe('cachedStage', () => {
  const dir = () => join(mkdtempSync(join(tmpdir(), 'crs-stage-')), 'stage');
  const build = (value: string) => async (d: string) => {
    writeFileSync(join(d, 'out.txt'), value);
    return { value };
  };
  const load = async () => 'loaded';

  it('builds once, then loads while the key is the same', async () => {
    const d = dir();
    expect((await cachedStage({ stage: 's', dir: d, key: { a: 1 }, build: build('x'), load })).cached).toBe(false);
    const again = await cachedStage({ stage: 's', dir: d, key: { a: 1 }, build: build('y'), load });
    expect(again).toMatchObject({ cached: true, value: 'loaded' });
    expect((await cachedStage({ stage: 's', dir: d, key: { a: 1 }, fresh: true, build: build('z'), load })).cached).toBe(false);
  });

  it('clears stale work of another key, keeps an interrupted build of the same key', async () => {
    const d = dir();
    await cachedStage({ stage: 's', dir: d, key: { a: 1 }, build: build('x'), load });
    writeFileSync(join(d, 'checkpoint.bin'), 'old');
    await cachedStage({ stage: 's', dir: d, key: { a: 2 }, build: async (x) => ({ value: String(existsSync(join(x, 'checkpoint.bin'))) }), load });
    expect(existsSync(join(d, 'checkpoint.bin'))).toBe(false);
    // An interrupted build (pending marker, no stage.json) of the same key keeps its files.
    await expect(cachedStage({ stage: 's', dir: d, key: { a: 3 }, build: async (x) => { writeFileSync(join(x, 'checkpoint.bin'), 'partial'); throw new Error('killed'); }, load })).rejects.toThrow('killed');
    const resumed = await cachedStage({ stage: 's', dir: d, key: { a: 3 }, build: async (x) => ({ value: String(existsSync(join(x, 'checkpoint.bin'))) }), load });
    expect(resumed.value).toBe('true');
  });

  it('loadOnly never clears a folder built for another key (it only explains what is missing)', async () => {
    const d = dir();
    await cachedStage({ stage: 's', dir: d, key: { a: 1 }, build: build('x'), load });
    const refuse = async (): Promise<never> => {
      throw new Error('not trained (loadOnly)');
    };
    await expect(cachedStage({ stage: 's', dir: d, key: { a: 2 }, loadOnly: true, build: refuse, load })).rejects.toThrow('not trained (loadOnly)');
    // ... and says that the folder holds one built with other settings.
    await expect(cachedStage({ stage: 's', dir: d, key: { a: 2 }, loadOnly: true, build: refuse, load })).rejects.toThrow(/holds a s built .* with other settings \(stage hash [0-9a-f]{16}, these settings give [0-9a-f]{16}\)/);
    await expect(cachedStage({ stage: 's', dir: dir(), key: { a: 2 }, loadOnly: true, build: refuse, load })).rejects.toThrow(/^not trained \(loadOnly\)$/);
    expect(existsSync(join(d, 'out.txt'))).toBe(true);
    expect((await cachedStage({ stage: 's', dir: d, key: { a: 1 }, loadOnly: true, build: refuse, load })).value).toBe('loaded');
  });

  it('hashes configs independently of key order', () => {
    expect(stageHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(stageHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(stableStringify({ b: 1, a: undefined })).toBe('{"b":1}');
  });
});
