// Text encoder speed: USE lite load and throughput (one thread, and spread over worker threads on real
// INSPIRED item texts), the hashing encoder, the Hugging Face ONNX path (through the tests' self-built tiny BERT:
// the pipeline's own cost, tokenizer and onnxruntime, not a real model's), and embedding-cache hits.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { CachedEncoder, EmbeddingCache } from '../src/encoders/embedding-cache.js';
import { HashingEncoder } from '../src/encoders/hash-encoder.js';
import { HfOnnxEncoder } from '../src/encoders/hf-onnx.js';
import { writeTinyBert } from '../test/fixtures/onnx/tiny-bert.js';
import { UseLiteEncoder } from '../src/encoders/use-lite.js';
import { ParallelUseLiteEncoder } from '../src/encoders/parallel-encoder.js';
import { loadDataset } from '../src/data/index.js';
import { itemText } from '../src/retriever/query-text.js';

const OPENERS = ['I am looking for', 'Can you recommend', 'I really enjoyed', 'Have you seen', 'My kids loved', 'I never liked'];
const THINGS = ['a scary horror movie', 'a romantic comedy with a happy ending', 'something like @12345', 'an old western',
  'a thoughtful drama about families and secrets', 'a funny animated film', 'a sci-fi thriller with aliens'];
const ENDINGS = ['.', ' tonight!', ', any ideas?', ' because it was so good.', ' with great actors and a clever plot twist at the end.'];

/** Dialogue-like sentences of varied length, all distinct. */
function sentences(n: number, seed: string): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => `${rng.choice(OPENERS)} ${rng.choice(THINGS)}${rng.choice(ENDINGS)} (${i})`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

/** The ONNX path's throughput over a 12-dim model: what tokenizing and running a graph costs apart from the model. */
async function hfOnnxFigures(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'crs-gym-bench-hf-'));
  try {
    const model = writeTinyBert(join(dir, 'tiny-bert'), 12);
    const enc = new HfOnnxEncoder({ model: model.dir, batchSize: 32 });
    const [, loadMs] = await timed(() => enc.encode(['warm up']));
    const texts = sentences(2_000, 'hf');
    const [, ms] = await timed(() => enc.encode(texts));
    await enc.dispose();
    return { 'hfOnnx.tinyBert.firstEncodeMs': loadMs, 'hfOnnx.tinyBert.encodesPerSec.batch32': texts.length / (ms / 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};

  const use = new UseLiteEncoder({ batchSize: 100 });
  figures['use.loadMs'] = (await timed(() => use.load()))[1];
  await use.encode(sentences(20, 'warmup'));
  const batchTexts = sentences(300, 'batches');
  for (const batchSize of [16, 64, 100]) {
    const enc = new UseLiteEncoder({ batchSize });
    await enc.load();
    const texts = batchTexts.map((t) => `${t} ${batchSize}`);
    figures[`use.encodesPerSec.batch${batchSize}`] = texts.length / ((await timed(() => enc.encode(texts)))[1] / 1000);
  }
  const singles = sentences(40, 'single');
  const [, singleMs] = await timed(async () => {
    for (const t of singles) await use.encode([t]);
  });
  figures['use.msPerSentence.single'] = singleMs / singles.length;

  Object.assign(figures, await parallelFigures());

  const hash = new HashingEncoder();
  const many = sentences(20_000, 'hash');
  hash.encodeSync('warm up');
  const [, hashMs] = await timed(() => hash.encode(many));
  figures['hash.encodesPerSec'] = many.length / (hashMs / 1000);

  Object.assign(figures, await hfOnnxFigures());

  const dir = mkdtempSync(join(tmpdir(), 'crs-gym-bench-cache-'));
  try {
    const cached = new CachedEncoder(use, new EmbeddingCache({ dir }));
    const texts = sentences(500, 'cache');
    figures['cache.cold.encodesPerSec'] = texts.length / ((await timed(() => cached.encode(texts)))[1] / 1000);
    figures['cache.flushMs.500'] = (await timed(() => cached.flush()))[1];
    const [, hitBatchMs] = await timed(() => cached.encode(texts));
    figures['cache.hitsPerSec.batch500'] = texts.length / (hitBatchMs / 1000);
    const [, hitSingleMs] = await timed(async () => {
      for (let round = 0; round < 20; round++) for (const t of texts) await cached.encode([t]);
    });
    figures['cache.hitsPerSec.single'] = (20 * texts.length) / (hitSingleMs / 1000);
    figures['cache.usPerHit.single'] = (hitSingleMs * 1000) / (20 * texts.length);

    // A new process: load the file, then each text's first lookup goes through sha1 (later ones do not).
    const reopened = new CachedEncoder(use, new EmbeddingCache({ dir }));
    figures['cache.reloadMs.500'] = (await timed(() => reopened.encode([texts[0]!])))[1];
    const [, firstLookupMs] = await timed(async () => {
      for (const t of texts) await reopened.encode([t]);
    });
    figures['cache.usPerHit.firstAfterReload'] = (firstLookupMs * 1000) / texts.length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** Wall time and CPU time (all threads of the process) of one call. */
async function timedCpu<T>(fn: () => Promise<T>): Promise<{ wallS: number; cpuS: number }> {
  const cpu0 = process.cpuUsage();
  const [, ms] = await timed(fn);
  const cpu = process.cpuUsage(cpu0);
  return { wallS: ms / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
}

/**
 * USE lite on 512 real INSPIRED item texts (about 150 tokens each): one thread (UseLiteEncoder, batch 64) vs
 * ParallelUseLiteEncoder with 2 threads (workers already started), alternated over two rounds so that load from
 * other processes hits both; then 2 threads through a cold CachedEncoder (chunks of 256, two in flight), as in
 * a reproduction. cpuMsPerText counts every thread: equal on both sides means the workers add no work.
 */
async function parallelFigures(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  let texts: string[];
  try {
    texts = loadDataset('inspired').items.slice(0, 512).map(itemText);
  } catch {
    return figures; // No data here: the synthetic sentences above still run.
  }
  const one = new UseLiteEncoder();
  const two = new ParallelUseLiteEncoder({ threads: 2, minParallelTexts: 1 });
  try {
    await one.encode(texts.slice(0, 2));
    figures['use.parallel.startMs'] = (await timed(() => two.encode(texts.slice(0, 2))))[1];
    const rounds = 2;
    const sums = { w1: 0, c1: 0, w2: 0, c2: 0 };
    for (let round = 0; round < rounds; round++) {
      const a = await timedCpu(() => one.encode(texts));
      const b = await timedCpu(() => two.encode(texts));
      sums.w1 += a.wallS;
      sums.c1 += a.cpuS;
      sums.w2 += b.wallS;
      sums.c2 += b.cpuS;
    }
    figures['use.inspired512.threads1.encodesPerSec'] = (rounds * texts.length) / sums.w1;
    figures['use.inspired512.threads2.encodesPerSec'] = (rounds * texts.length) / sums.w2;
    figures['use.inspired512.speedup'] = sums.w1 / sums.w2;
    figures['use.inspired512.threads1.cpuMsPerText'] = (1000 * sums.c1) / (rounds * texts.length);
    figures['use.inspired512.threads2.cpuMsPerText'] = (1000 * sums.c2) / (rounds * texts.length);
    const dir = mkdtempSync(join(tmpdir(), 'crs-gym-bench-cache-'));
    try {
      const cached = new CachedEncoder(two, new EmbeddingCache({ dir }));
      figures['use.inspired512.threads2.cachedCold.encodesPerSec'] = texts.length / ((await timed(() => cached.encode(texts)))[1] / 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    figures['loadAvg1m'] = loadavg()[0]!;
  } finally {
    await two.dispose();
    await one.dispose();
  }
  return figures;
}
