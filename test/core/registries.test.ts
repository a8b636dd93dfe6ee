// The registries behind make(), the CLI and plugins: a dataset registered with one call gets its env id, a
// registered simulator or retriever is usable by name in make()'s options, and an unknown name fails listing
// the registered ones.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { make } from '../../src/core/registry.js';
import { datasets, registerDataset } from '../../src/data/registry.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { loadDataset } from '../../src/data/load.js';
import { retrievers } from '../../src/retriever/registry.js';
import { PopularityRetriever } from '../../src/retriever/popularity.js';
import { simulators } from '../../src/simulator/registry.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import '../../envs/register.js';

const NAME = 'registry-test-synthetic';
// A data root holding the dataset's folder (the loader itself reads nothing).
const root = mkdtempSync(join(tmpdir(), 'crs-registries-'));
mkdirSync(join(root, 'synthetic'));
registerDataset({ name: NAME, folder: 'synthetic', files: [], load: () => makeSyntheticDataset({ seed: 3, items: 30, dialogues: 20 }) }, { source: 'test' });
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  datasets.unregister(NAME);
  simulators.unregister('registry-test-echo');
  retrievers.unregister('registry-test-popular');
});

const options = { dataRoot: root, retriever: 'bm25', simulator: 'single-task', env: { rounds: 2, rewardWeights: { preference: null } } };

describe('registries', () => {
  it('a dataset registered with one call gets CrsEnv/<name>-v0', async () => {
    const env = (await make(`CrsEnv/${NAME}-v0`, options)) as unknown as CrsEnv;
    const { observation } = await env.reset({ seed: 1 });
    expect(observation.candidates.length).toBeGreaterThan(0);
  });

  it('make() takes a registered simulator and retriever by name', async () => {
    simulators.register('registry-test-echo', { needsTrained: false, create: () => ({ name: 'echo', feedback: async () => ({ kind: 'chitchat', text: 'echo echo' }) as never }) });
    retrievers.register('registry-test-popular', { needsTrained: false, create: ({ dataset }) => new PopularityRetriever(dataset) });
    const env = (await make(`CrsEnv/${NAME}-v0`, { ...options, simulator: 'registry-test-echo', retriever: 'registry-test-popular' })) as unknown as CrsEnv;
    const { observation } = await env.reset({ seed: 1 });
    const step = await env.step({ ranking: observation.candidates.slice(0, 10).map((c) => c.id) });
    if (!step.terminated) expect(step.observation.feedback).toBe('echo echo');
  });

  it('an unknown simulator, retriever or dataset fails listing the registered ones', async () => {
    await expect(make(`CrsEnv/${NAME}-v0`, { ...options, simulator: 'singel-task' })).rejects.toThrow(/unknown simulator 'singel-task'\. Did you mean 'single-task'\?.*known: multi-task, single-task, dialogue-rule, blind, noisy, oracle, llm/);
    await expect(make(`CrsEnv/${NAME}-v0`, { ...options, retriever: 'nope' })).rejects.toThrow(/unknown retriever 'nope' \(known: dual-view, bm25, tfidf, popularity, repeat/);
    expect(() => loadDataset('movielens')).toThrow(/unknown dataset 'movielens' \(known: inspired, redial, opendialkg/);
  });
});
