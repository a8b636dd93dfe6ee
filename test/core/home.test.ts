// The crs-gym home: chosen by --home / $CRS_GYM_HOME, else the working directory's .crs-gym/ in a project folder,
// else the user cache folder; never inside an installed package. `crs-gym cache` lists and clears all of it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactsRoot, crsGymHome, embeddingsDir, userCacheDir, HOME_ENV_VAR } from '../../src/core/home.js';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli } from '../export/program.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crs-home-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('crsGymHome', () => {
  it('$CRS_GYM_HOME wins, resolved against the working directory', () => {
    expect(crsGymHome({ cwd: dir, env: { CRS_GYM_HOME: 'h' } })).toEqual({ dir: join(dir, 'h'), source: '$CRS_GYM_HOME' });
  });

  it('a project folder (package.json or an existing .crs-gym/) keeps it in ./.crs-gym', () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{}');
    expect(crsGymHome({ cwd: project, env: {} }).dir).toBe(join(project, '.crs-gym'));
    const other = join(dir, 'other');
    mkdirSync(join(other, '.crs-gym'), { recursive: true });
    expect(crsGymHome({ cwd: other, env: {} }).dir).toBe(join(other, '.crs-gym'));
  });

  it('anywhere else, and inside node_modules (an installed package), the user cache folder', () => {
    const env = { XDG_CACHE_HOME: join(dir, 'xdg') };
    expect(crsGymHome({ cwd: dir, env, platform: 'linux' })).toEqual({ dir: join(dir, 'xdg', 'crs-gym'), source: 'user cache folder' });
    const installed = join(dir, 'app', 'node_modules', 'crs-gym');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'package.json'), '{}');
    expect(crsGymHome({ cwd: installed, env, platform: 'linux' }).dir).toBe(join(dir, 'xdg', 'crs-gym'));
  });

  it('the user cache folder follows each platform', () => {
    expect(userCacheDir({ env: {}, platform: 'linux', userHome: '/u' })).toBe(join('/u', '.cache', 'crs-gym'));
    expect(userCacheDir({ env: {}, platform: 'darwin', userHome: '/u' })).toBe(join('/u', 'Library', 'Caches', 'crs-gym'));
    expect(userCacheDir({ env: { LOCALAPPDATA: 'C:/L' }, platform: 'win32', userHome: '/u' })).toBe(join('C:/L', 'crs-gym'));
  });

  it('artifacts and embeddings sit in the home unless their own variable moves them', () => {
    const env = { CRS_GYM_HOME: dir };
    expect(artifactsRoot({ env })).toBe(join(dir, 'artifacts'));
    expect(embeddingsDir({ env })).toBe(join(dir, 'cache', 'embeddings'));
    expect(artifactsRoot({ env: { ...env, CRS_GYM_ARTIFACTS: join(dir, 'a') } })).toBe(join(dir, 'a'));
    expect(embeddingsDir({ env: { ...env, CRS_GYM_EMBEDDINGS: join(dir, 'e') } })).toBe(join(dir, 'e'));
  });
});

describe('crs-gym --home and crs-gym cache', () => {
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = { [HOME_ENV_VAR]: process.env[HOME_ENV_VAR], CRS_GYM_ARTIFACTS: process.env.CRS_GYM_ARTIFACTS, CRS_GYM_EMBEDDINGS: process.env.CRS_GYM_EMBEDDINGS };
    delete process.env.CRS_GYM_ARTIFACTS;
    delete process.env.CRS_GYM_EMBEDDINGS;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('--home is where cache list looks, and clear --artifacts removes one dataset or all', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, 'artifacts', 'inspired', 'retriever'), { recursive: true });
    writeFileSync(join(home, 'artifacts', 'inspired', 'retriever', 'weights.bin'), Buffer.alloc(2048));
    mkdirSync(join(home, 'artifacts', 'redial', 'encoder'), { recursive: true });
    const listed = await runTestCli(['--home', home, 'cache', 'list', '--json'], buildProgram());
    expect(listed.code, listed.err).toBe(0);
    const json = JSON.parse(listed.out) as { home: { dir: string }; dir: string; artifacts: Array<{ dataset: string; stage: string; bytes: number }> };
    expect(json.home.dir).toBe(home);
    expect(json.dir).toBe(join(home, 'cache', 'embeddings'));
    expect(json.artifacts).toEqual([
      expect.objectContaining({ dataset: 'inspired', stage: 'retriever', bytes: 2048 }),
      expect.objectContaining({ dataset: 'redial', stage: 'encoder', bytes: 0 }),
    ]);
    const unknown = await runTestCli(['--home', home, 'cache', 'clear', '--artifacts', '--dataset', 'nope'], buildProgram());
    expect(unknown.code).toBe(2);
    const one = await runTestCli(['--home', home, 'cache', 'clear', '--artifacts', '--dataset', 'inspired'], buildProgram());
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/removed 1 trained stage/);
    expect(existsSync(join(home, 'artifacts', 'inspired'))).toBe(false);
    expect(existsSync(join(home, 'artifacts', 'redial'))).toBe(true);
    const all = await runTestCli(['--home', home, 'cache', 'clear', '--all'], buildProgram());
    expect(all.code).toBe(0);
    expect(existsSync(join(home, 'artifacts', 'redial'))).toBe(false);
  });
});
