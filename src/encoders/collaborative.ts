// The collaborative encoder E_C: LightGCN over the item–attribute graph (item-graph.ts), trained with BPR
// (positive: an item and one of its attributes, or two co-mentioned items; negative: an unrelated attribute
// of the same kind, or an unrelated item), then frozen. After training everything is plain Float32Arrays:
// look-ups and mean-pooling need no tfjs, and the table can be sent to worker threads as is.
import { join } from 'node:path';
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { Rng, type Seed } from '../core/rng.js';
import type { AttributeKind, Dataset, ItemId } from '../data/types.js';
import { Adam } from '../nn/adam.js';
import { miniBatches } from '../nn/batches.js';
import { embeddingLookup } from '../nn/embedding.js';
import { normalValues } from '../nn/init.js';
import { bprLoss } from '../nn/losses.js';
import { makePropagation, type PropagationImpl, type PropagationOp } from '../nn/sparse.js';
import { getTf, tf, type TfBackend } from '../nn/tf.js';
import { loadWeights, saveWeights, WEIGHTS_JSON } from '../nn/weights-io.js';
import { buildItemGraph, EntityIndex, type ItemGraph, type ItemGraphOptions } from './item-graph.js';

export interface LightGcnOptions {
  seed: Seed;
  /** Embedding size. Default 64. */
  dim?: number;
  /** Propagation layers K; the output is the mean of layers 0..K. Default 2. */
  layers?: number;
  /** Passes over the positive pairs. Default 20 (held-out AUC on INSPIRED is flat from ~5 epochs on). */
  epochs?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** BPR triples per step. Default 1024. */
  batchSize?: number;
  /** L2 weight on the layer-0 embeddings of each batch's nodes (LightGCN's regularizer). Default 1e-4. */
  l2?: number;
  /** Std of the normal initialization. Default 0.1. */
  initStd?: number;
  /** Called after every epoch with the mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** tfjs backend for training. Default 'wasm'. */
  backend?: TfBackend;
  /** Sparse propagation kernel (nn/sparse.ts). Default 'segment'. */
  propagation?: PropagationImpl;
}

interface ResolvedOptions {
  dim: number;
  layers: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  l2: number;
  initStd: number;
}

function resolve(options: LightGcnOptions): ResolvedOptions {
  const o = {
    dim: options.dim ?? 64,
    layers: options.layers ?? 2,
    epochs: options.epochs ?? 20,
    learningRate: options.learningRate ?? 0.01,
    batchSize: options.batchSize ?? 1024,
    l2: options.l2 ?? 1e-4,
    initStd: options.initStd ?? 0.1,
  };
  for (const [name, value] of Object.entries(o)) {
    const integer = name === 'dim' || name === 'layers' || name === 'epochs' || name === 'batchSize';
    const ok = integer ? Number.isInteger(value) && value >= (name === 'dim' || name === 'batchSize' ? 1 : 0) : Number.isFinite(value) && value >= 0;
    if (!ok) throw new RangeError(`LightGCN option ${name} must be ${integer ? 'a non-negative integer' : 'a finite number >= 0'}, got ${value}`);
  }
  return o;
}

/** Positive pairs of one epoch and a sampler of matching negatives. */
class PairSampler {
  readonly anchors: Int32Array;
  readonly positives: Int32Array;
  /** For attribute positives the kind's node list; for item positives the item range. */
  private readonly pools: Int32Array[];
  private readonly poolOf: Uint16Array;

  constructor(private readonly graph: ItemGraph) {
    const { attributeEdges: attr, coMentionEdges: co } = graph;
    const kindIndex = new Map(graph.kinds.map((k, i) => [k, i]));
    this.pools = [...graph.kinds.map((k) => graph.nodesOfKind(k)), Int32Array.from({ length: graph.itemCount }, (_, i) => i)];
    const itemPool = graph.kinds.length;
    // Co-mention pairs go both ways, so each item of a pair is the anchor once.
    const n = attr.src.length + 2 * co.src.length;
    this.anchors = new Int32Array(n);
    this.positives = new Int32Array(n);
    this.poolOf = new Uint16Array(n);
    let k = 0;
    for (let e = 0; e < attr.src.length; e++, k++) {
      this.anchors[k] = attr.src[e]!;
      this.positives[k] = attr.dst[e]!;
      const kind = graph.nodes[attr.dst[e]!]!.kind;
      this.poolOf[k] = kindIndex.get(kind as AttributeKind) ?? 0;
    }
    for (let e = 0; e < co.src.length; e++) {
      for (const [a, b] of [
        [co.src[e]!, co.dst[e]!],
        [co.dst[e]!, co.src[e]!],
      ] as const) {
        this.anchors[k] = a;
        this.positives[k] = b;
        this.poolOf[k] = itemPool;
        k++;
      }
    }
  }

  get size(): number {
    return this.anchors.length;
  }

  /**
   * A node not linked to the anchor in training, from the positive's pool if possible (a few tries), else any
   * attribute. Held-out links are not consulted: training must not know them.
   */
  negative(pair: number, rng: Rng): number {
    const anchor = this.anchors[pair]!;
    const pool = this.pools[this.poolOf[pair]!]!;
    for (let t = 0; t < 10 && pool.length > 0; t++) {
      const c = pool[rng.int(0, pool.length)]!;
      if (c !== anchor && !this.graph.isTrainingLink(anchor, c)) return c;
    }
    for (let t = 0; t < 50; t++) {
      const c = rng.int(this.graph.itemCount, this.graph.nodeCount);
      if (!this.graph.isTrainingLink(anchor, c)) return c;
    }
    return rng.int(0, this.graph.nodeCount);
  }
}

/** Frozen LightGCN embeddings with look-ups by item id and entity name. */
export class LightGcnEncoder {
  readonly dim: number;
  readonly layers: number;
  /** Node embeddings, row-major [nodeCount x dim]; rows 0..itemCount-1 are the items by item.index. */
  readonly table: Float32Array;
  private readonly itemRows: Map<ItemId, number>;
  private readonly itemViews: Float32Array[];
  private readonly entities: EntityIndex;
  private readonly nodeKeys: readonly string[];

  private constructor(parts: { dim: number; layers: number; table: Float32Array; nodeKeys: readonly string[]; itemIds: readonly ItemId[]; itemRows: Map<ItemId, number> }) {
    this.dim = parts.dim;
    this.layers = parts.layers;
    this.table = parts.table;
    this.nodeKeys = parts.nodeKeys;
    this.itemRows = parts.itemRows;
    this.entities = new EntityIndex(parts.nodeKeys);
    this.itemViews = parts.itemIds.map((id) => this.row(this.itemRows.get(id) ?? -1));
  }

  /** Builds the graph of `dataset` (item-graph.ts) and trains on it. */
  static async train(dataset: Dataset, options: LightGcnOptions & { graph?: ItemGraphOptions }): Promise<LightGcnEncoder> {
    return LightGcnEncoder.trainOnGraph(buildItemGraph(dataset, options.graph), dataset, options);
  }

  /** Trains on a prepared graph (e.g. one with held-out edges for evaluation). epochs 0 gives the untrained model. */
  static async trainOnGraph(graph: ItemGraph, dataset: Dataset, options: LightGcnOptions): Promise<LightGcnEncoder> {
    const o = resolve(options);
    const itemIds = dataset.items.map((item) => item.id);
    if (graph.itemCount !== itemIds.length) throw new Error(`LightGCN: graph has ${graph.itemCount} items, dataset '${dataset.name}' ${itemIds.length}`);
    const rng = new Rng(options.seed).split('lightgcn');
    await getTf(options.backend ?? 'wasm');
    const n = graph.nodeCount;
    const initial = tf.tensor2d(normalValues(rng.split('init'), n * o.dim, o.initStd), [n, o.dim]);
    const table0 = tf.variable(initial);
    initial.dispose();
    const propagation = makePropagation(graph.adjacency, options.propagation ?? 'segment');
    const final = (): Tensor2D => propagate(table0, propagation, o.layers);
    try {
      const sampler = new PairSampler(graph);
      const adam = new Adam([table0], { learningRate: o.learningRate });
      const batchRng = rng.split('batches');
      const negRng = rng.split('negatives');
      try {
        for (let epoch = 0; epoch < o.epochs && sampler.size > 0; epoch++) {
          let lossSum = 0;
          let count = 0;
          for (const batch of miniBatches(sampler.size, o.batchSize, batchRng)) {
            const anchor = new Int32Array(batch.length);
            const pos = new Int32Array(batch.length);
            const neg = new Int32Array(batch.length);
            batch.forEach((pair, j) => {
              anchor[j] = sampler.anchors[pair]!;
              pos[j] = sampler.positives[pair]!;
              neg[j] = sampler.negative(pair, negRng);
            });
            const ids = tf.tensor1d(Int32Array.from([...anchor, ...pos, ...neg]), 'int32');
            const loss = adam.step(() => bprStepLoss(final(), table0, ids, batch.length, o.l2));
            ids.dispose();
            lossSum += loss * batch.length;
            count += batch.length;
          }
          options.onEpoch?.(epoch, lossSum / Math.max(1, count));
        }
      } finally {
        adam.dispose();
      }
      const out = tf.tidy(() => tf.clone(final()));
      const table = Float32Array.from(out.dataSync() as Float32Array);
      out.dispose();
      return new LightGcnEncoder({ dim: o.dim, layers: o.layers, table, nodeKeys: graph.nodes.map((x) => x.key), itemIds, itemRows: new Map(itemIds.map((id, i) => [id, i])) });
    } finally {
      table0.dispose();
      propagation.dispose();
    }
  }

  get nodeCount(): number {
    return this.nodeKeys.length;
  }

  /** One row of the table (a view; do not modify). A zero vector for -1. */
  private row(node: number): Float32Array {
    if (node < 0) return new Float32Array(this.dim);
    return this.table.subarray(node * this.dim, (node + 1) * this.dim);
  }

  /** Embeddings of all items by item.index (views into the table; do not modify). */
  itemEmbeddings(): Float32Array[] {
    return this.itemViews;
  }

  itemEmbedding(id: ItemId): Float32Array | undefined {
    const node = this.itemRows.get(id);
    return node === undefined ? undefined : this.row(node);
  }

  /** Mean embedding of the attribute nodes an entity name maps to; undefined when unknown. */
  entityEmbedding(name: string): Float32Array | undefined {
    const nodes = this.entities.entityNodes(name);
    if (nodes.length === 0) return undefined;
    const out = new Float32Array(this.dim);
    for (const node of nodes) addInto(out, this.row(node));
    return scaleInto(out, 1 / nodes.length);
  }

  /** Mean of the known item and entity embeddings (unknown ones are skipped); zeros when none is known. */
  meanPool(itemIds: readonly ItemId[], entityNames: readonly string[]): Float32Array {
    const out = new Float32Array(this.dim);
    let count = 0;
    for (const id of itemIds) {
      const v = this.itemEmbedding(id);
      if (v) {
        addInto(out, v);
        count++;
      }
    }
    for (const name of entityNames) {
      const v = this.entityEmbedding(name);
      if (v) {
        addInto(out, v);
        count++;
      }
    }
    return count > 0 ? scaleInto(out, 1 / count) : out;
  }

  /** Writes weights.bin + weights.json into `dir` (atomically, see nn/weights-io.ts). */
  save(dir: string): void {
    const itemIds = [...this.itemRows.keys()];
    saveWeights(dir, [{ name: 'nodes', shape: [this.nodeCount, this.dim], data: this.table }], {
      model: 'lightgcn',
      dim: this.dim,
      layers: this.layers,
      nodeKeys: this.nodeKeys,
      itemIds,
      itemRows: itemIds.map((id) => this.itemRows.get(id)),
    });
  }

  /** Loads a saved encoder; every item of `dataset` must be in it (else an error naming the file). */
  static load(dir: string, dataset: Dataset): LightGcnEncoder {
    const file = join(dir, WEIGHTS_JSON);
    const { buffers, meta } = loadWeights(dir);
    const fail = (why: string): never => {
      throw new Error(`${file}: ${why}`);
    };
    if (meta['model'] !== 'lightgcn') fail(`not a LightGCN encoder (meta.model = ${JSON.stringify(meta['model'])})`);
    const dim = meta['dim'];
    const layers = meta['layers'];
    const nodeKeys = meta['nodeKeys'];
    const savedIds = meta['itemIds'];
    const savedRows = meta['itemRows'];
    if (typeof dim !== 'number' || typeof layers !== 'number') return fail('meta lacks dim/layers');
    if (!isStringArray(nodeKeys) || !isStringArray(savedIds) || !Array.isArray(savedRows) || savedRows.length !== savedIds.length) {
      return fail('meta lacks nodeKeys/itemIds/itemRows');
    }
    const nodes = buffers.find((b) => b.name === 'nodes');
    if (!nodes || nodes.shape[0] !== nodeKeys.length || nodes.shape[1] !== dim) return fail(`no 'nodes' table of shape [${nodeKeys.length}, ${dim}]`);
    const saved = new Map(savedIds.map((id, i) => [id, Number(savedRows[i])]));
    const itemRows = new Map<ItemId, number>();
    for (const item of dataset.items) {
      const row = saved.get(item.id);
      if (row === undefined || !(row >= 0 && row < nodeKeys.length)) {
        return fail(`has no embedding for item ${item.id} of dataset '${dataset.name}' (trained on another catalog?)`);
      }
      itemRows.set(item.id, row);
    }
    return new LightGcnEncoder({ dim, layers, table: nodes.data, nodeKeys, itemIds: dataset.items.map((i) => i.id), itemRows });
  }
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'string');
}

function addInto(out: Float32Array, v: Float32Array): void {
  for (let j = 0; j < out.length; j++) out[j]! += v[j]!;
}

function scaleInto(out: Float32Array, s: number): Float32Array {
  for (let j = 0; j < out.length; j++) out[j]! *= s;
  return out;
}

/** Mean of e, Âe, ..., Â^K e. */
function propagate(table0: Tensor2D, op: PropagationOp, layers: number): Tensor2D {
  let layer = table0;
  let sum = table0;
  for (let k = 0; k < layers; k++) {
    layer = op.apply(layer);
    sum = tf.add(sum, layer);
  }
  return layers === 0 ? table0 : tf.div(sum, layers + 1);
}

/** BPR over (anchor, positive, negative) rows of `ids` ([3 * batch], concatenated) plus L2 on layer 0. */
function bprStepLoss(final: Tensor2D, table0: Tensor2D, ids: Tensor1D, batch: number, l2: number): Scalar {
  const e = tf.reshape(embeddingLookup(final, ids), [3, batch, final.shape[1]]);
  const [a, p, n] = tf.unstack(e) as [Tensor2D, Tensor2D, Tensor2D];
  const loss = bprLoss(tf.sum(tf.mul(a, p), 1), tf.sum(tf.mul(a, n), 1));
  if (l2 === 0) return loss;
  const reg = tf.mul(tf.sum(tf.square(embeddingLookup(table0, ids))), l2 / (2 * batch));
  return tf.add(loss, reg);
}

/** Link-prediction quality of an embedding table on held-out item–attribute edges. */
export interface LinkPredictionReport {
  /** Held-out edges evaluated. */
  edges: number;
  /** P(score(item, held-out attribute) > score(item, unlinked attribute of the same kind)); 0.5 = chance. */
  auc: number;
  /** Share of held-out attributes ranked in the top 10 among all same-kind attributes not linked in training. */
  recallAt10: number;
  /** The same figures per attribute kind. */
  byKind: Partial<Record<AttributeKind, { edges: number; auc: number; recallAt10: number }>>;
}

/**
 * Scores held-out item–attribute edges of `graph` with dot products of `encoder` rows (the encoder must have
 * been trained on this graph, whose node order it shares). `negatives` same-kind negatives per edge for AUC.
 */
export function evaluateLinkPrediction(encoder: LightGcnEncoder, graph: ItemGraph, options: { seed: Seed; negatives?: number }): LinkPredictionReport {
  if (encoder.nodeCount !== graph.nodeCount) throw new Error(`evaluateLinkPrediction: encoder has ${encoder.nodeCount} nodes, graph ${graph.nodeCount}`);
  const rng = new Rng(options.seed).split('link-prediction');
  const negatives = options.negatives ?? 20;
  const { table, dim } = encoder;
  const score = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += table[a * dim + j]! * table[b * dim + j]!;
    return s;
  };
  const { src, dst } = graph.heldOutEdges;
  const tally = new Map<AttributeKind, { edges: number; aucSum: number; aucCount: number; hits: number }>();
  for (let k = 0; k < src.length; k++) {
    const item = src[k]!;
    const attr = dst[k]!;
    const kind = graph.nodes[attr]!.kind as AttributeKind;
    const t = tally.get(kind) ?? { edges: 0, aucSum: 0, aucCount: 0, hits: 0 };
    tally.set(kind, t);
    t.edges++;
    const pool = graph.nodesOfKind(kind);
    const positive = score(item, attr);
    // Candidates for ranking: same-kind attributes not linked in training (the held-out one included).
    let better = 0;
    const unlinked: number[] = [];
    for (const c of pool) {
      if (c === attr) continue;
      if (graph.isLinked(item, c)) continue;
      unlinked.push(c);
      if (score(item, c) > positive) better++;
    }
    if (better < 10) t.hits++;
    for (let j = 0; j < negatives && unlinked.length > 0; j++) {
      const s = score(item, unlinked[rng.int(0, unlinked.length)]!);
      t.aucSum += positive > s ? 1 : positive === s ? 0.5 : 0;
      t.aucCount++;
    }
  }
  const figures = (t: { edges: number; aucSum: number; aucCount: number; hits: number }) => ({
    edges: t.edges,
    auc: t.aucCount > 0 ? t.aucSum / t.aucCount : Number.NaN,
    recallAt10: t.edges > 0 ? t.hits / t.edges : Number.NaN,
  });
  const total = { edges: 0, aucSum: 0, aucCount: 0, hits: 0 };
  const byKind: LinkPredictionReport['byKind'] = {};
  for (const [kind, t] of tally) {
    byKind[kind] = figures(t);
    total.edges += t.edges;
    total.aucSum += t.aucSum;
    total.aucCount += t.aucCount;
    total.hits += t.hits;
  }
  return { ...figures(total), byKind };
}
