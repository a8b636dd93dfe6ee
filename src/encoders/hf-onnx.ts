// Sentence-transformers models in ONNX form (bge, MiniLM, e5, ...) through @huggingface/transformers,
// which runs them on onnxruntime-node. Loads from a local folder; the hub is only used when allowed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkBatchSize, l2NormalizeInPlace, type TextEncoder } from './text-encoder.js';
import { errorMessage } from '../core/errors.js';

export type HfPooling = 'mean' | 'cls';
export type HfDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export type HfOnnxOptions = {
  /**
   * A local model folder (absolute, or relative to the working directory) holding config.json,
   * tokenizer.json, tokenizer_config.json and onnx/model.onnx; or a name inside `localModelPath`;
   * or, with `allowRemote`, a hub id such as 'Xenova/bge-base-en-v1.5'.
   */
  model: string;
  /** Folder that holds model folders, when `model` is a name. */
  localModelPath?: string;
  /** 'mean' over non-padding tokens (MiniLM, e5) or the first token 'cls' (bge). Default 'mean'. */
  pooling?: HfPooling;
  /** Which ONNX file: 'fp32' = onnx/model.onnx (default), 'q8' = onnx/model_quantized.onnx, ... */
  dtype?: HfDtype;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Prepended to every text, e.g. bge's query instruction "Represent this sentence for searching relevant passages: ". */
  prefix?: string;
  /** Output size; read from config.json (`hidden_size`) when the folder is local. */
  dim?: number;
  /** Cache key override; by default derived from the folder name, pooling, dtype and prefix. */
  id?: string;
  /** Let @huggingface/transformers download from the hub (needs internet). Default false. */
  allowRemote?: boolean;
};

type Extractor = ((texts: string[], options: { pooling: HfPooling; normalize: boolean }) => Promise<{ data: ArrayLike<number>; dims: number[] }>) & {
  dispose(): Promise<unknown>;
};

/**
 * A TextEncoder over a Hugging Face feature-extraction pipeline with mean or CLS pooling and L2
 * normalization. Constructing reads only config.json (for `dim`); the first `encode` loads the model.
 *
 * Offline, point `model` at a local folder (config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model.onnx). With internet, a user can name the paper's encoder directly:
 * `new HfOnnxEncoder({ model: 'Xenova/bge-base-en-v1.5', pooling: 'cls', allowRemote: true, dim: 768 })`.
 * transformers.js keeps the download in its own cache (`env.cacheDir`); to run offline later, copy
 * those files into a folder and pass that folder as `model`.
 */
export class HfOnnxEncoder implements TextEncoder {
  readonly id: string;
  readonly dim: number;
  readonly pooling: HfPooling;
  readonly batchSize: number;
  private readonly location: { root: string | undefined; name: string };
  private readonly dtype: HfDtype;
  private readonly prefix: string;
  private readonly allowRemote: boolean;
  private loading: Promise<Extractor> | undefined;

  constructor(options: HfOnnxOptions) {
    if (!options.model) throw new Error('HfOnnxEncoder: option `model` is required');
    this.pooling = options.pooling ?? 'mean';
    if (this.pooling !== 'mean' && this.pooling !== 'cls') {
      throw new Error(`HfOnnxEncoder: pooling must be 'mean' or 'cls', got '${String(this.pooling)}'`);
    }
    this.dtype = options.dtype ?? 'fp32';
    this.prefix = options.prefix ?? '';
    this.allowRemote = options.allowRemote ?? false;
    this.batchSize = checkBatchSize(options.batchSize ?? 32, 'HfOnnxEncoder');
    this.location = locate(options.model, options.localModelPath);
    const folder = this.location.root === undefined ? undefined : join(this.location.root, this.location.name);
    if (folder === undefined && !this.allowRemote) {
      throw new Error(
        `HfOnnxEncoder: no local model folder '${options.model}'` +
          (options.localModelPath ? ` under '${options.localModelPath}'` : '') +
          ' (give a folder with config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, or set allowRemote)',
      );
    }
    this.dim = options.dim ?? (folder ? hiddenSize(folder) : missingDim(options.model));
    const extras = [this.dtype === 'fp32' ? '' : `-${this.dtype}`, this.prefix ? `-p${sha1(this.prefix).slice(0, 8)}` : ''];
    this.id = options.id ?? `hf-${this.location.name.replaceAll('/', '--')}-${this.pooling}${extras.join('')}`;
  }

  /** Loads tokenizer and ONNX session now (the first `encode` does it otherwise). */
  async load(): Promise<void> {
    await this.ensureLoaded();
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const extractor = await this.ensureLoaded();
    const out: Float32Array[] = [];
    for (let from = 0; from < texts.length; from += this.batchSize) {
      const batch = texts.slice(from, from + this.batchSize).map((t) => this.prefix + t);
      const result = await extractor(batch, { pooling: this.pooling, normalize: true });
      const [rows, cols] = result.dims;
      if (result.dims.length !== 2 || rows !== batch.length || cols !== this.dim) {
        throw new Error(`${this.id}: model returned shape [${result.dims.join(', ')}], expected [${batch.length}, ${this.dim}]`);
      }
      for (let r = 0; r < rows; r++) {
        const vec = new Float32Array(this.dim);
        for (let c = 0; c < this.dim; c++) vec[c] = Number(result.data[r * this.dim + c]);
        out.push(l2NormalizeInPlace(vec));
      }
    }
    return out;
  }

  /** Releases the ONNX session; a later `encode` loads it again. */
  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (loading) await (await loading).dispose();
  }

  private ensureLoaded(): Promise<Extractor> {
    this.loading ??= serialLoad(() => this.loadPipeline()).catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async loadPipeline(): Promise<Extractor> {
    const { env, pipeline } = await import('@huggingface/transformers');
    // `env` is global to the library: set it right before this load (loads are serialized below).
    env.allowRemoteModels = this.allowRemote;
    env.allowLocalModels = true;
    if (this.location.root !== undefined) env.localModelPath = this.location.root + '/';
    try {
      const extractor = await pipeline('feature-extraction', this.location.name, { dtype: this.dtype, device: 'cpu' });
      return extractor as unknown as Extractor;
    } catch (err) {
      const where = this.location.root === undefined ? this.location.name : join(this.location.root, this.location.name);
      throw new Error(`${where}: could not load the ONNX model (${errorMessage(err)})`);
    }
  }
}

// transformers.js reads its global `env` during loading, so two loads with different folders must not overlap.
let loadQueue: Promise<unknown> = Promise.resolve();
function serialLoad<T>(task: () => Promise<T>): Promise<T> {
  const run = loadQueue.then(task, task);
  loadQueue = run.catch(() => undefined);
  return run;
}

function locate(model: string, localModelPath: string | undefined): { root: string | undefined; name: string } {
  if (localModelPath !== undefined) {
    const folder = resolve(localModelPath, model);
    if (isDir(folder)) return { root: dirname(folder), name: basename(folder) };
  }
  const direct = resolve(model);
  if (isDir(direct)) return { root: dirname(direct), name: basename(direct) };
  return { root: undefined, name: model };
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function hiddenSize(folder: string): number {
  const file = join(folder, 'config.json');
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the model config (${errorMessage(err)})`);
  }
  const size = (config as { hidden_size?: unknown; d_model?: unknown }).hidden_size ?? (config as { d_model?: unknown }).d_model;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new Error(`${file}: no positive integer hidden_size; pass the output size as option \`dim\``);
  }
  return size;
}

function missingDim(model: string): never {
  throw new Error(`HfOnnxEncoder: '${model}' is not a local folder, so its output size is unknown: pass option \`dim\``);
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
