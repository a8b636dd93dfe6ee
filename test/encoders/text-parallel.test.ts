import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ParallelUseLiteEncoder } from '../../src/encoders/parallel-encoder.js';
import { defaultUseLiteDir, planBatches, UseLiteEncoder } from '../../src/encoders/use-lite.js';
import { makeTextEncoder, textEncoderThreads } from '../../envs/components.js';

const OPENERS = ['I am looking for', 'Can you recommend', 'I really enjoyed', 'Have you seen', 'My kids loved'];
const THINGS = ['a scary horror movie', 'a romantic comedy with a happy ending', 'something like @12345', 'an old western',
  'a thoughtful drama about families and old secrets, slow and quiet, with long scenes and a great cast'];

/** Distinct texts of very different lengths (so batches differ in padding), plus a duplicate and an empty text. */
function texts(n: number): string[] {
  const out = Array.from({ length: n }, (_, i) => `${OPENERS[i % OPENERS.length]} ${THINGS[(i * 3) % THINGS.length]!.repeat(1 + (i % 4))} (${i})`);
  out.push(out[3]!, '');
  return out;
}

/** Every float equal, bit for bit. */
function expectIdentical(a: Float32Array[], b: Float32Array[]): void {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => {
    expect(v).toHaveLength(b[i]!.length);
    expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength))).toBe(true);
  });
}

describe('ParallelUseLiteEncoder', () => {
  const sample = texts(40);
  const parallel = new ParallelUseLiteEncoder({ threads: 2, batchSize: 8, minParallelTexts: 16 });
  afterAll(() => parallel.dispose());

  it('gives the vectors of UseLiteEncoder bit for bit, in input order, from two worker threads', async () => {
    const reference = new UseLiteEncoder({ batchSize: 8 });
    const single = await reference.encode(sample);
    const spread = await parallel.encode(sample);
    expectIdentical(spread, single);
    expect(parallel.stats()).toEqual({ parallelCalls: 1, parallelBatches: planBatches((await reference.tokenize(sample)).map((t) => t.length), 8).length });
    expect(parallel.workerThreads()).toHaveLength(2);
    // Once the workers run, small calls go to them too, with the same vectors.
    expectIdentical(await parallel.encode(sample.slice(0, 3)), await reference.encode(sample.slice(0, 3)));
    expect(parallel.stats().parallelCalls).toBe(2);
    expect(await parallel.encode([])).toEqual([]);
  }, 120_000);

  it('keeps small calls on the calling thread while no worker runs, and threads: 1 never starts one', async () => {
    const lazy = new ParallelUseLiteEncoder({ threads: 2, batchSize: 8 });
    const one = new ParallelUseLiteEncoder({ threads: 1, batchSize: 8 });
    expect(lazy.minParallelTexts).toBe(16);
    const small = await lazy.encode(sample.slice(0, 15));
    const big = await one.encode(sample);
    expect(lazy.running).toBe(false);
    expect(one.running).toBe(false);
    expect(lazy.stats().parallelCalls + one.stats().parallelCalls).toBe(0);
    const reference = new UseLiteEncoder({ batchSize: 8 });
    expectIdentical(small, await reference.encode(sample.slice(0, 15)));
    expectIdentical(big, await reference.encode(sample));
  }, 120_000);

  it('reports a worker thread that dies mid-call as an error naming the batch, and recovers on the next call', async () => {
    const many = texts(120);
    const call = parallel.encode(many);
    // Let the first batches reach the threads, then kill one.
    await new Promise((r) => setTimeout(r, 300));
    const [victim] = parallel.workerThreads();
    expect(victim).toBeDefined();
    await victim!.terminate();
    await expect(call).rejects.toThrow(/use-lite-512-v2: worker thread failed on batch \d+ of \d+ \(\d texts?\): (worker exited|Terminating worker thread)/);
    const again = await parallel.encode(sample);
    expectIdentical(again, await new UseLiteEncoder({ batchSize: 8 }).encode(sample));
  }, 180_000);

  it('fails with the file name when the model cannot load, on the calling thread or in the workers', async () => {
    const missing = new ParallelUseLiteEncoder({ threads: 2, batchSize: 2, minParallelTexts: 1, modelDir: '/nonexistent/use-lite' });
    // Tokenizing on the calling thread already needs vocab.json.
    await expect(missing.encode(['a', 'b', 'c'])).rejects.toThrow(/\/nonexistent\/use-lite\/vocab\.json/);
    await missing.dispose();
    // A folder with the vocabulary but no model: only the workers find out.
    const dir = mkdtempSync(join(tmpdir(), 'crs-gym-use-lite-'));
    try {
      symlinkSync(join(defaultUseLiteDir(), 'vocab.json'), join(dir, 'vocab.json'));
      const broken = new ParallelUseLiteEncoder({ threads: 2, batchSize: 2, minParallelTexts: 1, modelDir: dir });
      await expect(broken.encode(['a', 'b', 'c'])).rejects.toThrow(/worker thread failed on batch \d of 2 \(\d texts?\): .*model\.json: cannot read USE lite file/);
      expect(broken.running).toBe(false); // The pool is replaced after a failure.
      await broken.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stops its threads after idleTimeoutMs, then starts them again when needed', async () => {
    const quick = new ParallelUseLiteEncoder({ threads: 2, batchSize: 8, minParallelTexts: 1, idleTimeoutMs: 100 });
    const first = await quick.encode(sample.slice(0, 10));
    expect(quick.running).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(quick.running).toBe(false);
    expectIdentical(await quick.encode(sample.slice(0, 10)), first);
    await quick.close();
    expect(quick.running).toBe(false);
  }, 120_000);

  it('does not keep a process alive after its last call (no close)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crs-gym-parallel-'));
    try {
      const script = join(dir, 'run.mts');
      const encoderModule = fileURLToPath(new URL('../../src/encoders/parallel-encoder.ts', import.meta.url));
      writeFileSync(
        script,
        `import { ParallelUseLiteEncoder } from ${JSON.stringify(encoderModule)};
const enc = new ParallelUseLiteEncoder({ threads: 2, batchSize: 4, minParallelTexts: 1, idleTimeoutMs: 600000 });
const out = await enc.encode(['one text', 'another text', 'a third', 'and four', 'five']);
process.stdout.write(String(out.length) + (enc.running ? ' running' : ' stopped'));
`,
      );
      const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
      const t0 = Date.now();
      const { stdout } = await promisify(execFile)(process.execPath, [tsxCli, script], { timeout: 90_000 });
      expect(stdout).toBe('5 running');
      expect(Date.now() - t0).toBeLessThan(90_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('makeTextEncoder threads', () => {
  const saved = process.env.CRS_GYM_ENCODER_THREADS;
  afterAll(() => {
    if (saved === undefined) delete process.env.CRS_GYM_ENCODER_THREADS;
    else process.env.CRS_GYM_ENCODER_THREADS = saved;
  });

  it('reads CRS_GYM_ENCODER_THREADS (1 = the single-thread encoder), else at most 2 threads', () => {
    const dir = join(tmpdir(), 'crs-gym-threads-unused');
    delete process.env.CRS_GYM_ENCODER_THREADS;
    expect(textEncoderThreads()).toBeGreaterThanOrEqual(1);
    expect(textEncoderThreads()).toBeLessThanOrEqual(2);
    process.env.CRS_GYM_ENCODER_THREADS = '1';
    expect(makeTextEncoder('use-lite', dir).encoder).toBeInstanceOf(UseLiteEncoder);
    process.env.CRS_GYM_ENCODER_THREADS = '3';
    const three = makeTextEncoder('use-lite', dir);
    expect(three.encoder).toBeInstanceOf(ParallelUseLiteEncoder);
    expect((three.encoder as ParallelUseLiteEncoder).threads).toBe(3);
    expect(three.id).toBe('use-lite-512-v2');
    process.env.CRS_GYM_ENCODER_THREADS = 'two';
    expect(() => makeTextEncoder('use-lite', dir)).toThrow(/CRS_GYM_ENCODER_THREADS must be a positive integer, got 'two'/);
  });
});
