// The graph LightGCN propagates over: items and attribute values (genre, director, actor, writer) as nodes,
// item–attribute edges from the catalog, and item–item co-mention edges from TRAIN dialogues only (valid and
// test dialogues must not leak into a frozen encoder): the dataset's train signals (data/signals.ts), which
// are its train dialogues unless the loader knows more train-portion dialogues (ReDial's text-only ones).
// Nodes 0..items-1 are the items, by item.index.
import { Rng, type Seed } from '../core/rng.js';
import { genresOfLabel, matchGenres } from '../data/genres.js';
import { trainSignals } from '../data/signals.js';
import { nameKey } from '../data/text.js';
import type { AttributeKind, Dataset } from '../data/types.js';
import { normalizedAdjacency, type NormalizedAdjacency } from '../nn/sparse.js';

export type NodeKind = 'item' | AttributeKind;

export interface GraphNode {
  /** Unique: `item:<itemId>` or `<kind>:<name key>` (lower case, ASCII, e.g. `director:danny devito`). */
  key: string;
  kind: NodeKind;
  /** Display name: the item title, or the attribute value as first seen ("Danny DeVito"). */
  label: string;
}

export const DEFAULT_GRAPH_KINDS: readonly AttributeKind[] = ['genre', 'director', 'actor', 'writer'];

export interface ItemGraphOptions {
  /** Attribute kinds that become nodes. Default genre, director, actor, writer. */
  kinds?: readonly AttributeKind[];
  /**
   * Item–item edges between items mentioned in the same train dialogue (`trainSignals(dataset)`). Each item
   * keeps its `maxPerItem` most frequent partners (default 10), which keeps the graph sparse on ReDial; false
   * to leave them out.
   */
  coMention?: { maxPerItem?: number } | false;
  /**
   * Hold out this fraction of item–attribute edges for link-prediction evaluation. Only edges whose two
   * ends keep another edge are held out, so every held-out pair stays predictable from the graph.
   */
  holdOut?: { fraction: number; seed: Seed };
}

/** Undirected edges as parallel arrays; `src` is always the item for item–attribute edges. */
export interface EdgeList {
  src: Int32Array;
  dst: Int32Array;
}

export function nodeKey(kind: NodeKind, name: string): string {
  return `${kind}:${nameKey(name)}`;
}

/**
 * Finds attribute nodes for a free-text entity ("Tom Hanks", "comedy", "Science fiction"): the same name
 * key under any kind, else the genre vocabulary entries the name denotes (data/genres.ts).
 */
export class EntityIndex {
  private readonly byKey: Map<string, number>;
  private readonly kinds: readonly NodeKind[];

  constructor(keys: readonly string[]) {
    this.byKey = new Map(keys.map((k, i) => [k, i]));
    this.kinds = [...new Set(keys.map((k) => k.slice(0, k.indexOf(':')) as NodeKind))].filter((k) => k !== 'item');
  }

  node(key: string): number | undefined {
    return this.byKey.get(key);
  }

  /** Attribute node indices for an entity name, [] when unknown. */
  entityNodes(name: string): number[] {
    const key = nameKey(name);
    if (key === '') return [];
    const out: number[] = [];
    for (const kind of this.kinds) {
      const node = this.byKey.get(`${kind}:${key}`);
      if (node !== undefined) out.push(node);
    }
    if (out.length === 0) {
      // A genre label ("Action film") or genre words ("Science fiction", "romantic comedy").
      const genres = genresOfLabel(name);
      for (const genre of genres.length > 0 ? genres : matchGenres(name)) {
        const node = this.byKey.get(`genre:${nameKey(genre)}`);
        if (node !== undefined && !out.includes(node)) out.push(node);
      }
    }
    return out;
  }
}

export class ItemGraph {
  readonly nodes: GraphNode[];
  readonly itemCount: number;
  readonly kinds: readonly AttributeKind[];
  /** Item–attribute edges used for training (held-out ones removed). */
  readonly attributeEdges: EdgeList;
  /** Item–item co-mention edges (src < dst). */
  readonly coMentionEdges: EdgeList;
  /** Item–attribute edges held out for evaluation (empty without `holdOut`). */
  readonly heldOutEdges: EdgeList;
  /** Â over attribute and co-mention edges. */
  readonly adjacency: NormalizedAdjacency;
  readonly entities: EntityIndex;
  private readonly kindNodes: Map<AttributeKind, Int32Array>;
  private readonly linked: Set<number>;
  private readonly trainingLinks: Set<number>;

  constructor(parts: {
    nodes: GraphNode[];
    itemCount: number;
    kinds: readonly AttributeKind[];
    attributeEdges: EdgeList;
    coMentionEdges: EdgeList;
    heldOutEdges: EdgeList;
  }) {
    this.nodes = parts.nodes;
    this.itemCount = parts.itemCount;
    this.kinds = parts.kinds;
    this.attributeEdges = parts.attributeEdges;
    this.coMentionEdges = parts.coMentionEdges;
    this.heldOutEdges = parts.heldOutEdges;
    const n = this.nodes.length;
    const src = Int32Array.from([...parts.attributeEdges.src, ...parts.coMentionEdges.src]);
    const dst = Int32Array.from([...parts.attributeEdges.dst, ...parts.coMentionEdges.dst]);
    this.adjacency = normalizedAdjacency(n, src, dst);
    this.entities = new EntityIndex(this.nodes.map((node) => node.key));
    this.kindNodes = new Map(
      parts.kinds.map((kind) => [kind, Int32Array.from(this.nodes.flatMap((node, i) => (node.kind === kind ? [i] : [])))]),
    );
    const pairs = (lists: EdgeList[]): Set<number> => {
      const set = new Set<number>();
      for (const list of lists) {
        for (let k = 0; k < list.src.length; k++) {
          set.add(list.src[k]! * n + list.dst[k]!);
          set.add(list.dst[k]! * n + list.src[k]!);
        }
      }
      return set;
    };
    this.trainingLinks = pairs([parts.attributeEdges, parts.coMentionEdges]);
    // Held-out pairs included, so evaluation negatives are never true links.
    this.linked = pairs([parts.attributeEdges, parts.coMentionEdges, parts.heldOutEdges]);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Number of stored entries of Â (each undirected edge counted twice). */
  get nnz(): number {
    return this.adjacency.csr.colIdx.length;
  }

  /** Attribute node indices of one kind. */
  nodesOfKind(kind: AttributeKind): Int32Array {
    return this.kindNodes.get(kind) ?? new Int32Array(0);
  }

  /** True when a and b are linked in the full graph (training or held-out edges). */
  isLinked(a: number, b: number): boolean {
    return this.linked.has(a * this.nodes.length + b);
  }

  /** True when a and b are linked by a training edge (what a trainer may know). */
  isTrainingLink(a: number, b: number): boolean {
    return this.trainingLinks.has(a * this.nodes.length + b);
  }

  /** Attribute nodes for a free-text entity name ([] when unknown). */
  entityNodes(name: string): number[] {
    return this.entities.entityNodes(name);
  }
}

function attributeNodes(dataset: Dataset, kinds: readonly AttributeKind[]): { nodes: GraphNode[]; src: number[]; dst: number[] } {
  const nodes: GraphNode[] = dataset.items.map((item) => ({ key: `item:${item.id}`, kind: 'item' as const, label: item.title }));
  const index = new Map<string, number>();
  const src: number[] = [];
  const dst: number[] = [];
  dataset.items.forEach((item, i) => {
    if (item.index !== i) throw new Error(`dataset '${dataset.name}': item ${item.id} has index ${item.index} at position ${i}`);
    const seen = new Set<number>();
    for (const kind of kinds) {
      for (const value of item.attributes[kind] ?? []) {
        const key = nodeKey(kind, value);
        if (key === `${kind}:`) continue;
        let node = index.get(key);
        if (node === undefined) {
          node = nodes.length;
          index.set(key, node);
          nodes.push({ key, kind, label: value.trim() });
        }
        if (seen.has(node)) continue;
        seen.add(node);
        src.push(i);
        dst.push(node);
      }
    }
  });
  return { nodes, src, dst };
}

function coMentions(dataset: Dataset, maxPerItem: number): EdgeList {
  const pairCounts = new Map<number, number>();
  const n = dataset.items.length;
  for (const signal of trainSignals(dataset)) {
    const mentioned = new Set<number>();
    for (const id of signal.items) {
      const item = dataset.itemById.get(id);
      if (item) mentioned.add(item.index);
    }
    const list = [...mentioned].sort((a, b) => a - b);
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const key = list[a]! * n + list[b]!;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
      }
    }
  }
  // Each item nominates its most frequent partners; an edge is kept if either end nominates it.
  const partners: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [key, count] of pairCounts) {
    const a = Math.floor(key / n);
    const b = key % n;
    partners[a]!.push([b, count]);
    partners[b]!.push([a, count]);
  }
  const kept = new Set<number>();
  partners.forEach((list, a) => {
    list.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    for (const [b] of list.slice(0, maxPerItem)) kept.add(Math.min(a, b) * n + Math.max(a, b));
  });
  const keys = [...kept].sort((x, y) => x - y);
  return { src: Int32Array.from(keys, (k) => Math.floor(k / n)), dst: Int32Array.from(keys, (k) => k % n) };
}

function holdOutEdges(
  src: number[],
  dst: number[],
  nodeCount: number,
  fraction: number,
  rng: Rng,
): { train: EdgeList; heldOut: EdgeList } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`holdOut.fraction must be in [0, 1), got ${fraction}`);
  const degree = new Int32Array(nodeCount);
  for (let k = 0; k < src.length; k++) {
    degree[src[k]!]!++;
    degree[dst[k]!]!++;
  }
  const target = Math.round(src.length * fraction);
  const held = new Uint8Array(src.length);
  let count = 0;
  for (const k of rng.shuffle([...src.keys()])) {
    if (count >= target) break;
    const a = src[k]!;
    const b = dst[k]!;
    if (degree[a]! < 2 || degree[b]! < 2) continue;
    held[k] = 1;
    degree[a]!--;
    degree[b]!--;
    count++;
  }
  const pick = (want: number): EdgeList => {
    const s: number[] = [];
    const d: number[] = [];
    for (let k = 0; k < src.length; k++) {
      if (held[k] === want) {
        s.push(src[k]!);
        d.push(dst[k]!);
      }
    }
    return { src: Int32Array.from(s), dst: Int32Array.from(d) };
  };
  return { train: pick(0), heldOut: pick(1) };
}

/** Builds the item–attribute graph of a dataset (deterministic; random only through `holdOut.seed`). */
export function buildItemGraph(dataset: Dataset, options: ItemGraphOptions = {}): ItemGraph {
  const kinds = options.kinds ?? DEFAULT_GRAPH_KINDS;
  const { nodes, src, dst } = attributeNodes(dataset, kinds);
  const coMention = options.coMention === false ? { src: new Int32Array(0), dst: new Int32Array(0) } : coMentions(dataset, options.coMention?.maxPerItem ?? 10);
  const split = options.holdOut
    ? holdOutEdges(src, dst, nodes.length, options.holdOut.fraction, new Rng(options.holdOut.seed).split('item-graph/hold-out'))
    : { train: { src: Int32Array.from(src), dst: Int32Array.from(dst) }, heldOut: { src: new Int32Array(0), dst: new Int32Array(0) } };
  return new ItemGraph({ nodes, itemCount: dataset.items.length, kinds, attributeEdges: split.train, coMentionEdges: coMention, heldOutEdges: split.heldOut });
}
