// The package's main entry exports every layer's public API, and importing it loads no model and starts no
// worker thread.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('package entry', () => {
  it('exports the public API of every layer', async () => {
    const api = await import('../../src/index.js');
    for (const name of ['make', 'register', 'checkEnv', 'Rng', 'Discrete', 'SyncVectorEnv', 'AsyncVectorEnv', 'loadDataset', 'makeSyntheticDataset', 'CrsEnv', 'makeCrsEnv', 'parseAction', 'WeightedReward', 'processFormat', 'UseLiteEncoder', 'HashingEncoder', 'LightGcnEncoder', 'DualViewRetriever', 'Bm25Retriever', 'MultiTaskSimulator', 'NoisySimulator', 'ChatClient', 'NeuralRecommender', 'LlmAgent', 'trainSft', 'trainRl', 'evaluate', 'reproduce']) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it('loads no model and starts no worker on import (fresh process)', () => {
    const script = `
      const api = await import(${JSON.stringify(`${root}src/index.ts`)});
      const handles = process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker');
      console.log(JSON.stringify({ handles: handles.length, exports: Object.keys(api).length }));
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { handles: number; exports: number };
    expect(out.handles).toBe(0);
    expect(out.exports).toBeGreaterThan(100);
  });

  it('is importable as "crs-gym" through the package exports map after a build', () => {
    const pkg = JSON.parse(spawnSync('node', ['-e', 'process.stdout.write(require("fs").readFileSync("package.json","utf8"))'], { cwd: root, encoding: 'utf8' }).stdout) as { name: string; exports: Record<string, unknown>; bin: Record<string, string> };
    expect(pkg.name).toBe('crs-gym');
    expect(pkg.bin['crs-gym']).toBeDefined();
    expect(pkg.exports['.']).toBeDefined();
  });
});
