// A TypeScript plugin in a folder without {"type": "module"} is loaded as CommonJS, which cannot require crs-gym's ES
// modules while they load: the one-line error must say what to do about it (seen when a user's plugin lived in a
// scratch folder). Through the real bin, since vitest itself loads any .ts file as ESM.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'crs-gym.mjs');
const dir = mkdtempSync(join(tmpdir(), 'crs-gym-cjs-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listWith(plugin: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'list', 'rewards', '--plugin', plugin], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('a TypeScript plugin outside an ES-module package', () => {
  const source = `import { rewardComponents } from '${join(root, 'rewards', 'registry.js')}';\nexport default function register(): void { void rewardComponents; }\n`;

  it('fails with one line that names the fix', { timeout: 130_000 }, () => {
    const plugin = join(dir, 'plugin.ts');
    writeFileSync(plugin, source);
    const { status, stderr } = listWith(plugin);
    expect(status).toBe(1);
    const lines = stderr.split('\n').filter((l) => l.startsWith('crs-gym:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/plugin\.ts was loaded as CommonJS: name it \.mts\/\.mjs, or put \{"type": "module"\}/);
  });

  it('loads once named .mts', { timeout: 130_000 }, () => {
    const plugin = join(dir, 'plugin.mts');
    writeFileSync(plugin, source);
    const { status, stderr } = listWith(plugin);
    expect(stderr).not.toMatch(/crs-gym:/);
    expect(status).toBe(0);
  });
});
