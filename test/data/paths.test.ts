import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataNotFoundError } from '../../src/data/errors.js';
import { findPackageRoot, resolveDataRoot } from '../../src/data/paths.js';
import { tempRoot } from './fixtures.js';
import { thrownOf } from '../fixtures/thrown.js';

const roots: string[] = [];
/**
 * An empty folder one level inside a new temp root, so that everything the resolver looks at around it
 * (`../shared/data` included) is ours: nothing next to the system temp folder can change a result.
 */
function fresh(): string {
  const root = tempRoot('crs-gym-paths-');
  roots.push(root);
  const dir = join(root, 'w');
  mkdirSync(dir);
  return dir;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function dataDir(parent: string, ...datasets: string[]): string {
  for (const d of datasets) mkdirSync(join(parent, d), { recursive: true });
  return parent;
}

const thrown = (fn: () => unknown): DataNotFoundError => thrownOf(DataNotFoundError, fn);

describe('resolveDataRoot', () => {
  it('uses an explicit folder, relative to cwd', () => {
    const cwd = fresh();
    dataDir(join(cwd, 'mine'), 'redial');
    expect(resolveDataRoot('mine', { cwd, env: {}, packageRoot: null })).toBe(join(cwd, 'mine'));
    expect(resolveDataRoot('mine', { cwd, env: {}, packageRoot: null, dataset: 'redial' })).toBe(join(cwd, 'mine'));
  });

  it('rejects an explicit folder without the dataset, without falling back', () => {
    const cwd = fresh();
    dataDir(join(cwd, 'mine'), 'redial');
    dataDir(join(cwd, 'data'), 'inspired');
    const err = thrown(() => resolveDataRoot('mine', { cwd, env: {}, packageRoot: null, dataset: 'inspired' }));
    expect(err.tried).toEqual([{ source: '--data', path: join(cwd, 'mine'), reason: 'has no inspired/ folder' }]);
    expect(err.message).toContain(join(cwd, 'mine'));
  });

  it('uses CRS_GYM_DATA when no folder is given', () => {
    const cwd = fresh();
    const elsewhere = dataDir(fresh(), 'inspired');
    expect(resolveDataRoot(undefined, { cwd, env: { CRS_GYM_DATA: elsewhere }, packageRoot: null })).toBe(elsewhere);
    const err = thrown(() => resolveDataRoot(undefined, { cwd, env: { CRS_GYM_DATA: join(cwd, 'nope') }, packageRoot: null }));
    expect(err.tried[0]).toMatchObject({ source: 'CRS_GYM_DATA', reason: 'does not exist' });
  });

  it('tries ./data, then ../shared/data from cwd, then from the package root', () => {
    const base = fresh();
    const cwd = join(base, 'main');
    mkdirSync(cwd);
    dataDir(join(base, 'shared', 'data'), 'redial');
    expect(resolveDataRoot(undefined, { cwd, env: {}, packageRoot: null })).toBe(join(base, 'shared', 'data'));
    dataDir(join(cwd, 'data'), 'inspired');
    expect(resolveDataRoot(undefined, { cwd, env: {}, packageRoot: null })).toBe(join(cwd, 'data'));
    // ./data lacks redial/, so the shared copy wins for redial.
    expect(resolveDataRoot(undefined, { cwd, env: {}, packageRoot: null, dataset: 'redial' })).toBe(join(base, 'shared', 'data'));

    const pkgBase = fresh();
    dataDir(join(pkgBase, 'shared', 'data'), 'inspired');
    const deep = join(fresh(), 'a', 'b');
    mkdirSync(deep, { recursive: true });
    expect(resolveDataRoot(undefined, { cwd: deep, env: {}, packageRoot: join(pkgBase, 'main') })).toBe(join(pkgBase, 'shared', 'data'));
  });

  it('lists every path tried and why when nothing fits', () => {
    // cwd/.. is our own temp root, not the system temp folder (whose ../shared/data may exist on a dev machine).
    const cwd = fresh();
    expect(resolve(cwd, '..')).not.toBe(resolve(tmpdir()));
    writeFileSync(join(cwd, 'data'), 'not a folder');
    const pkg = fresh();
    const err = thrown(() => resolveDataRoot(undefined, { cwd, env: {}, packageRoot: join(pkg, 'main'), dataset: 'redial' }));
    expect(err.tried.map((t) => [t.path, t.reason])).toEqual([
      [join(cwd, 'data'), 'is not a directory'],
      [resolve(cwd, '..', 'shared', 'data'), 'does not exist'],
      [join(pkg, 'shared', 'data'), 'does not exist'],
    ]);
    for (const t of err.tried) expect(err.message).toContain(`${t.path} ${t.reason}`);
    expect(err.message).toContain('CRS_GYM_DATA');
  });

  it('hints when given a dataset folder instead of its parent', () => {
    const cwd = fresh();
    mkdirSync(join(cwd, 'redial'));
    const err = thrown(() => resolveDataRoot(join(cwd, 'redial'), { cwd, env: {}, dataset: 'redial' }));
    expect(err.message).toContain(`pass its parent, ${cwd}`);
  });

  it('finds the crs-gym package root from this checkout', () => {
    const root = findPackageRoot();
    expect(root).not.toBeNull();
    expect(resolve(root as string, 'src', 'data', 'paths.ts')).toMatch(/src[\\/]data[\\/]paths\.ts$/);
  });
});
