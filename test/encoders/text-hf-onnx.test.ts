import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfOnnxEncoder } from '../../src/encoders/hf-onnx.js';
import { writeTinyBert, type TinyBert } from '../fixtures/onnx/tiny-bert.js';

/** What the pipeline should give: pool (word + type-0 embedding) rows of the tokens, then L2-normalize. */
function expected(model: TinyBert, tokens: string[], pooling: 'mean' | 'cls'): number[] {
  const rows = ['[CLS]', ...tokens, '[SEP]'].map((t) => {
    const word = model.wordEmbeddings[model.idOf(t)]!;
    return Array.from(word, (x, k) => x + model.typeEmbeddings[0]![k]!);
  });
  const pooled =
    pooling === 'cls' ? rows[0]! : rows[0]!.map((_, k) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length);
  const n = Math.hypot(...pooled);
  return pooled.map((x) => x / n);
}

function expectClose(actual: Float32Array, wanted: number[]): void {
  expect(actual).toHaveLength(wanted.length);
  wanted.forEach((w, k) => expect(actual[k]).toBeCloseTo(w, 5));
}

describe('HfOnnxEncoder over a self-built ONNX model', () => {
  let root: string;
  let model: TinyBert;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'crs-gym-hf-'));
    model = writeTinyBert(join(root, 'tiny-bert'), 12);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads dim from config.json and loads nothing before encode', () => {
    const enc = new HfOnnxEncoder({ model: model.dir });
    expect(enc.dim).toBe(12);
    expect(enc.id).toBe('hf-tiny-bert-mean');
  });

  it('mean-pools over real tokens only (padding excluded) and normalizes', async () => {
    const enc = new HfOnnxEncoder({ model: model.dir });
    const [short, long, sub, unk] = await enc.encode([
      'A scary movie',
      'I love the funny romantic comedy!',
      'watching films',
      'zzz',
    ]);
    expectClose(short!, expected(model, ['a', 'scary', 'movie'], 'mean'));
    expectClose(long!, expected(model, ['i', 'love', 'the', 'funny', 'romantic', 'comedy', '!'], 'mean'));
    expectClose(sub!, expected(model, ['watch', '##ing', 'film', '##s'], 'mean'));
    expectClose(unk!, expected(model, ['[UNK]'], 'mean'));
  }, 30_000);

  it('supports CLS pooling, a text prefix and a name under localModelPath', async () => {
    const cls = new HfOnnxEncoder({ model: basename(model.dir), localModelPath: root, pooling: 'cls', batchSize: 1 });
    expect(cls.id).toBe('hf-tiny-bert-cls');
    const [a, b] = await cls.encode(['a movie', 'ghost']);
    expectClose(a!, expected(model, ['a', 'movie'], 'cls'));
    expectClose(b!, expected(model, ['ghost'], 'cls'));

    const prefixed = new HfOnnxEncoder({ model: model.dir, prefix: 'the ' });
    expect(prefixed.id).toMatch(/^hf-tiny-bert-mean-p[0-9a-f]{8}$/);
    const [p] = await prefixed.encode(['ghost film']);
    expectClose(p!, expected(model, ['the', 'ghost', 'film'], 'mean'));
  }, 30_000);

  it('gives the same vectors whatever the batch size', async () => {
    const texts = ['a', 'the scary ghost movie', 'funny', 'i love comedy films', 'horror'];
    const one = await new HfOnnxEncoder({ model: model.dir, batchSize: 1 }).encode(texts);
    const all = await new HfOnnxEncoder({ model: model.dir, batchSize: 64 }).encode(texts);
    one.forEach((v, i) => expect(Array.from(v).map((x) => x.toFixed(5))).toEqual(Array.from(all[i]!).map((x) => x.toFixed(5))));
  }, 30_000);

  it('reloads after dispose', async () => {
    const enc = new HfOnnxEncoder({ model: model.dir });
    const [a] = await enc.encode(['ghost']);
    await enc.dispose();
    const [b] = await enc.encode(['ghost']);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    await enc.dispose();
  }, 30_000);

  it('names the folder when it is missing or broken', async () => {
    expect(() => new HfOnnxEncoder({ model: join(root, 'nope') })).toThrow(/no local model folder .*nope/);
    expect(() => new HfOnnxEncoder({ model: 'Xenova/bge-base-en-v1.5', allowRemote: true })).toThrow(/pass option `dim`/);
    const broken = writeTinyBert(join(root, 'broken'), 4);
    rmSync(join(broken.dir, 'onnx', 'model.onnx'));
    await expect(new HfOnnxEncoder({ model: broken.dir }).encode(['x'])).rejects.toThrow(/broken: could not load the ONNX model/);
  }, 30_000);
});
