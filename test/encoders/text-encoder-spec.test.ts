// Naming E_T in a config: 'use-lite', 'hash', or a sentence-transformers ONNX model ({ hf: folder }), all the way to a
// trained retriever (the self-built tiny BERT stands in for bge-base, which needs a download).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { HfOnnxEncoder } from '../../src/encoders/hf-onnx.js';
import { parseTextEncoderFlag, TextEncoderSpecSchema } from '../../src/encoders/text-encoder-spec.js';
import { retrieverRunSchema } from '../../src/retriever/train-config.js';
import { trainRetrieverToDir } from '../../src/cli/commands/train-retriever.js';
import { UserFacingError } from '../../src/cli/errors.js';
import { ComponentsConfigSchema, makeTextEncoder } from '../../envs/components.js';
import { writeTinyBert, type TinyBert } from '../fixtures/onnx/tiny-bert.js';

let root: string;
let model: TinyBert;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'crs-gym-spec-'));
  model = writeTinyBert(join(root, 'tiny-bert'), 12);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('text encoder spec', () => {
  it('takes the two names or an ONNX model with defaults, and refuses anything else', () => {
    expect(TextEncoderSpecSchema.parse('use-lite')).toBe('use-lite');
    expect(TextEncoderSpecSchema.parse({ hf: 'models/bge-base-en-v1.5', pooling: 'cls' })).toEqual({
      hf: 'models/bge-base-en-v1.5',
      pooling: 'cls',
      dtype: 'fp32',
      prefix: '',
      allowRemote: false,
    });
    expect(TextEncoderSpecSchema.safeParse('bge').success).toBe(false);
    expect(TextEncoderSpecSchema.safeParse({ hf: 'x', pooling: 'max' }).success).toBe(false);
    expect(TextEncoderSpecSchema.safeParse({ hf: 'x', polling: 'cls' }).success).toBe(false); // a typo is not ignored
    // The env components and the retriever's run config take the same forms.
    expect(ComponentsConfigSchema.parse({ textEncoder: { hf: 'm', pooling: 'cls' } }).textEncoder).toMatchObject({ hf: 'm', pooling: 'cls', dtype: 'fp32' });
    expect(ComponentsConfigSchema.parse({}).textEncoder).toBe('use-lite');
    expect(retrieverRunSchema.parse({}).textEncoder).toBe('use-lite');
    expect(ComponentsConfigSchema.safeParse({ textEncoder: { hf: '' } }).success).toBe(false);
    expect(parseTextEncoderFlag('hash')).toBe('hash');
    expect(parseTextEncoderFlag(`hf:${model.dir}`)).toMatchObject({ hf: model.dir, pooling: 'mean' });
    expect(() => parseTextEncoderFlag('hf:')).toThrow(/use-lite, hash or hf:<model folder>/);
  });

  it('makeTextEncoder builds the named ONNX model behind the embedding cache', async () => {
    const cached = makeTextEncoder({ hf: model.dir, pooling: 'cls', dtype: 'fp32', prefix: '', allowRemote: false }, join(root, 'cache'));
    expect(cached.id).toBe('hf-tiny-bert-cls');
    expect(cached.dim).toBe(12);
    const direct = new HfOnnxEncoder({ model: model.dir, pooling: 'cls' });
    const texts = ['a scary movie', 'the funny romantic comedy'];
    expect((await cached.encode(texts)).map((v) => Array.from(v))).toEqual((await direct.encode(texts)).map((v) => Array.from(v)));
  }, 30_000);

  it('a missing model folder fails when named, naming it', () => {
    expect(() => makeTextEncoder({ hf: join(root, 'no-such-model'), pooling: 'mean', dtype: 'fp32', prefix: '', allowRemote: false }, join(root, 'cache'))).toThrow(/no local model folder '.*no-such-model'/);
  });

  it('train retriever uses the ONNX model named in its config', async () => {
    const dataset = makeSyntheticDataset({ seed: 3, items: 40, dialogues: 40 });
    const config = retrieverRunSchema.parse({
      textEncoder: { hf: model.dir },
      lightgcn: { dim: 8, epochs: 2 },
      retriever: { maxEpochs: 2, patience: 2, negatives: 8, batchSize: 16 },
    });
    const outDir = join(root, 'run');
    const metrics = await trainRetrieverToDir({ dataset, outDir, config, cacheDir: join(root, 'cache') });
    expect(Object.keys(metrics).sort()).toEqual(['bm25', 'collaborativeOnly', 'dualView', 'popularity', 'semanticOnly']);
    const saved = JSON.parse(readFileSync(join(outDir, 'dualView', 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(saved)).toContain('hf-tiny-bert-mean');
    const missing = retrieverRunSchema.parse({ textEncoder: { hf: join(root, 'gone') } });
    await expect(trainRetrieverToDir({ dataset, outDir: join(root, 'run2'), config: missing, cacheDir: join(root, 'cache') })).rejects.toThrow(UserFacingError);
  }, 120_000);
});
