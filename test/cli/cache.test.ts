// `crs-gym cache list|clear` on a cache folder the test fills: two encoders' files written by the real cache, one
// with a torn append, a file that is not a cache, and an interrupted rewrite's temp file.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedEncoder, EmbeddingCache, describeCacheFile, listCacheFiles } from '../../src/encoders/embedding-cache.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { runTestCli, type CliRun } from '../export/program.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crs-cache-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function fill(): Promise<void> {
  const cache = new EmbeddingCache({ dir, warn: () => {} });
  const small = new CachedEncoder(new HashingEncoder({ dim: 8 }), cache);
  const big = new CachedEncoder(new HashingEncoder({ dim: 32 }), cache);
  await small.encode(['a film', 'another film', 'a third one']);
  await big.encode(['one text', 'two texts']);
  await cache.flush();
  const bigFile = listCacheFiles(dir).find((f) => f.dim === 32)!.file;
  appendFileSync(bigFile, Buffer.alloc(5)); // a torn append
  writeFileSync(join(dir, 'notes.f32'), 'not a cache');
  writeFileSync(join(dir, `${bigFile.split('/').pop()}.tmp-1-2-3`), 'half a rewrite');
}

function said(run: CliRun): string {
  return run.out + run.err + (run.error instanceof Error ? run.error.message : '');
}

describe('crs-gym cache', () => {
  it('lists each file with its encoder, vectors and problems', async () => {
    await fill();
    const run = await runTestCli(['cache', 'list', '--dir', dir, '--json']);
    expect(run.code).toBe(0);
    const { files } = JSON.parse(run.out) as { files: Array<{ encoderId?: string; dim?: number; records: number; problem?: string }> };
    expect(files.map((f) => [f.encoderId, f.dim, f.records, f.problem])).toEqual([
      ['hash-32', 32, 2, 'truncated tail of 5 bytes'],
      ['hash-8', 8, 3, undefined],
      [undefined, undefined, 0, 'not an embedding cache file'],
    ]);
    const table = await runTestCli(['cache', 'list', '--dir', dir]);
    expect(table.out).toMatch(/hash-8\s+3 vectors of 8 dims/);
    expect(table.out).toMatch(/^total\s+[\d.]+ MB$/m);
    expect((await runTestCli(['cache', 'list', '--dir', join(dir, 'absent')])).out).toContain('no embedding cache in');
  });

  it('clears one encoder, refuses an unknown one, then clears the rest with the temp files', async () => {
    await fill();
    const one = await runTestCli(['cache', 'clear', '--encoder', 'hash-8', '--dir', dir]);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/removed 1 file\(s\), 3 vectors/);
    expect(listCacheFiles(dir).map((f) => f.encoderId)).toEqual(['hash-32', undefined]);
    const unknown = await runTestCli(['cache', 'clear', '--encoder', 'use-lite-512', '--dir', dir]);
    expect(unknown.code).toBe(2);
    expect(said(unknown)).toContain("no cache file of 'use-lite-512'");
    expect(said(unknown)).toContain('hash-32');
    const all = await runTestCli(['cache', 'clear', '--dir', dir]);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/removed 2 file\(s\), 2 vectors/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the cleared vectors are encoded again and cached anew', async () => {
    await fill();
    await runTestCli(['cache', 'clear', '--dir', dir]);
    const cache = new EmbeddingCache({ dir, warn: () => {} });
    const encoder = new CachedEncoder(new HashingEncoder({ dim: 8 }), cache);
    const [v] = await encoder.encode(['a film']);
    expect(v).toEqual((await new HashingEncoder({ dim: 8 }).encode(['a film']))[0]);
    await cache.flush();
    const file = listCacheFiles(dir)[0]!;
    expect(existsSync(file.file)).toBe(true);
    expect(describeCacheFile(file.file)).toMatchObject({ encoderId: 'hash-8', records: 1 });
  });

  it('a --dir that is a file is a usage error; an unreadable entry is listed as such and reported when it cannot be removed', async () => {
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    for (const command of ['list', 'clear']) {
      const run = await runTestCli(['cache', command, '--dir', file]);
      expect(run.code, command).toBe(2);
      expect(said(run)).toMatch(/--dir .*plain\.txt: ENOTDIR/);
    }
    mkdirSync(join(dir, 'odd.f32')); // a folder named like a cache file: listed as unreadable, not removed
    const odd = await runTestCli(['cache', 'list', '--dir', dir]);
    expect(odd.code).toBe(0);
    expect(odd.out).toMatch(/\(unknown\).*\(unreadable: EISDIR/);
    const clear = await runTestCli(['cache', 'clear', '--dir', dir]);
    expect(clear.code).toBe(1);
    expect(said(clear)).toMatch(/could not remove .*odd\.f32 \(.*\); the other cache files were removed/);
    expect(existsSync(file)).toBe(true);
  });
});
