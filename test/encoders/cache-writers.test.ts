// Several processes writing one embedding cache file at once (real processes, appends of ~600 KB: more than one
// write() each), then a load that checks every record, and `crs-gym cache list`, which counts damaged records.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CachedEncoder, EmbeddingCache } from '../../src/encoders/embedding-cache.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { runTestCli } from '../export/program.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-cache-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const child = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));
const WRITERS = 4;
const TEXTS = 3000;

/** Starts a writer; `ready` resolves when it waits for the go file, `done` when it exits. */
function start(args: string[]): { ready: Promise<void>; done: Promise<{ code: number | null; err: string }> } {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve) => p.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  const done = new Promise<{ code: number | null; err: string }>((resolve) => p.on('exit', (code) => resolve({ code, err })));
  return { ready, done };
}

describe('embedding cache with concurrent writers', () => {
  it(`${WRITERS} processes appending at once leave every record sound, and a load reports none damaged`, async () => {
    const writers = Array.from({ length: WRITERS }, (_, w) => start([dir, `writer${w}`, String(TEXTS), '300']));
    await Promise.all(writers.map((w) => w.ready));
    writeFileSync(join(dir, 'go'), ''); // all append at once
    const results = await Promise.all(writers.map((w) => w.done));
    rmSync(join(dir, 'go'));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const warnings: string[] = [];
    const reference = new HashingEncoder({ dim: 512 });
    const inner = new HashingEncoder({ dim: 512 });
    let encoded = 0;
    const counting = { id: inner.id, dim: inner.dim, encode: async (texts: string[]) => ((encoded += texts.length), inner.encode(texts)) };
    const loaded = new CachedEncoder(counting, new EmbeddingCache({ dir, warn: (m) => warnings.push(m) }));
    const texts = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: TEXTS }, (_, i) => `writer${w} text number ${i}`)).flat();
    const vectors = await loaded.encode(texts);
    expect(warnings).toEqual([]);
    expect(encoded).toBe(0); // every text came from the cache
    const expected = await reference.encode(texts.slice(0, 50));
    expected.forEach((v, i) => expect(Array.from(vectors[i]!)).toEqual(Array.from(v)));
    const list = await runTestCli(['cache', 'list', '--dir', dir, '--json']);
    const files = (JSON.parse(list.out) as { files: Array<{ records: number; damaged: number }> }).files;
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ records: WRITERS * TEXTS, damaged: 0 });
    expect(readdirSync(dir).filter((n) => n.includes('.lock') || n.includes('.tmp-'))).toEqual([]);
  }, 180_000);

  it('reports damaged records at load (one warning with the count) and in `cache list`', async () => {
    const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.f32')) as string);
    const bytes = readFileSync(file);
    for (const at of [bytes.length - 100, bytes.length - 5000, bytes.length - 9000]) bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    await new EmbeddingCache({ dir, warn: (m) => warnings.push(m) }).open('hash-512', 512);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`ignored 3 corrupt record\\(s\\) of ${WRITERS * TEXTS} \\(bad checksum`));
    const list = await runTestCli(['cache', 'list', '--dir', dir]);
    expect(list.out).toContain('3 damaged record(s) (bad checksum)');
  });
});
