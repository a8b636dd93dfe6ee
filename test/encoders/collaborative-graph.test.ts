import { describe, expect, it } from 'vitest';
import { buildItemGraph, nodeKey } from '../../src/encoders/item-graph.js';
import type { Dataset } from '../../src/data/types.js';
import { tinyDataset } from '../nn/fixtures.js';

function withExtras(): Dataset {
  const ds = tinyDataset();
  const item0 = ds.items[0]!;
  item0.attributes = { ...item0.attributes, director: ['Danny DeVito'], actor: ['Danny DeVito', 'Tom Hanks'], genre: ['sci-fi', 'comedy'] };
  ds.items[1]!.attributes = { ...ds.items[1]!.attributes, actor: ['TOM  HANKS'] };
  return ds;
}

describe('item graph', () => {
  it('has items first, then attribute nodes keyed by kind and normalized name', () => {
    const ds = withExtras();
    const g = buildItemGraph(ds);
    expect(g.itemCount).toBe(ds.items.length);
    expect(g.nodes.slice(0, 2).map((n) => n.key)).toEqual(['item:m0', 'item:m1']);
    const hanks = g.nodes.filter((n) => n.key === 'actor:tom hanks');
    expect(hanks).toHaveLength(1); // "Tom Hanks" and "TOM  HANKS" are one node
    expect(hanks[0]!.label).toBe('Tom Hanks');
    expect(nodeKey('director', 'Danny DeVito')).toBe('director:danny devito');
    expect(g.nodes.every((n, i) => (i < g.itemCount ? n.kind === 'item' : n.kind !== 'item'))).toBe(true);
    // Every item–attribute edge goes from an item to an attribute of that item.
    const { src, dst } = g.attributeEdges;
    for (let k = 0; k < src.length; k++) {
      expect(src[k]!).toBeLessThan(g.itemCount);
      const node = g.nodes[dst[k]!]!;
      const values = (ds.items[src[k]!]!.attributes[node.kind as 'genre'] ?? []).map((v) => nodeKey(node.kind, v));
      expect(values).toContain(node.key);
    }
  });

  it('maps free-text entities to attribute nodes, case-insensitively and through genre labels', () => {
    const g = buildItemGraph(withExtras());
    const keys = (name: string) => g.entityNodes(name).map((i) => g.nodes[i]!.key).sort();
    expect(keys('danny devito')).toEqual(['actor:danny devito', 'director:danny devito']);
    expect(keys('Tom Hanks')).toEqual(['actor:tom hanks']);
    expect(keys('COMEDY')).toEqual(['genre:comedy']);
    expect(keys('Science fiction')).toEqual(['genre:sci fi']);
    expect(keys('Netflix')).toEqual([]);
    expect(keys('')).toEqual([]);
  });

  it("takes co-mention edges from the dataset's train signals when it has them", () => {
    const ds = tinyDataset();
    const [a, b, c] = ds.items;
    // Only these dialogue-level signals count (e.g. ReDial's text-only train dialogues), not dialogues.train.
    ds.trainSignals = [
      { dialogueId: 'x1', items: [a!.id, c!.id], likedItems: [], source: 'text' },
      { dialogueId: 'x2', items: [b!.id], likedItems: [], source: 'text' },
    ];
    const { src, dst } = buildItemGraph(ds).coMentionEdges;
    expect([...src].map((s, k) => [s, dst[k]])).toEqual([[Math.min(a!.index, c!.index), Math.max(a!.index, c!.index)]]);
  });

  it('takes co-mention edges from train dialogues only, capped per item', () => {
    const ds = tinyDataset();
    const g = buildItemGraph(ds);
    const trainPairs = new Set(
      ds.dialogues.train.map((d) => d.utterances.flatMap((u) => u.items).map((id) => ds.itemById.get(id)!.index).sort((a, b) => a - b).join('-')),
    );
    const { src, dst } = g.coMentionEdges;
    expect(src.length).toBeGreaterThan(0);
    for (let k = 0; k < src.length; k++) expect(trainPairs).toContain(`${src[k]}-${dst[k]}`);
    // A valid-split pairing must not appear unless train also has it.
    const valid = ds.dialogues.valid[0]!.utterances.flatMap((u) => u.items).map((id) => ds.itemById.get(id)!.index).sort((a, b) => a - b).join('-');
    const edges = new Set([...src].map((s, k) => `${s}-${dst[k]}`));
    if (!trainPairs.has(valid)) expect(edges).not.toContain(valid);
    expect(buildItemGraph(ds, { coMention: false }).coMentionEdges.src.length).toBe(0);
    const capped = buildItemGraph(ds, { coMention: { maxPerItem: 0 } });
    expect(capped.coMentionEdges.src.length).toBe(0);
  });

  it('holds out a seeded fraction of attribute edges, keeping both ends connected', () => {
    const ds = tinyDataset();
    const full = buildItemGraph(ds, { coMention: false });
    const a = buildItemGraph(ds, { coMention: false, holdOut: { fraction: 0.2, seed: 5 } });
    const b = buildItemGraph(ds, { coMention: false, holdOut: { fraction: 0.2, seed: 5 } });
    const c = buildItemGraph(ds, { coMention: false, holdOut: { fraction: 0.2, seed: 6 } });
    const total = full.attributeEdges.src.length;
    expect(a.heldOutEdges.src.length).toBe(Math.round(total * 0.2));
    expect(a.attributeEdges.src.length + a.heldOutEdges.src.length).toBe(total);
    expect(Array.from(a.heldOutEdges.dst)).toEqual(Array.from(b.heldOutEdges.dst));
    expect(Array.from(a.heldOutEdges.dst)).not.toEqual(Array.from(c.heldOutEdges.dst));
    const degree = new Map<number, number>();
    for (const v of [...a.attributeEdges.src, ...a.attributeEdges.dst]) degree.set(v, (degree.get(v) ?? 0) + 1);
    for (let k = 0; k < a.heldOutEdges.src.length; k++) {
      const [s, d] = [a.heldOutEdges.src[k]!, a.heldOutEdges.dst[k]!];
      expect(degree.get(s) ?? 0).toBeGreaterThan(0);
      expect(degree.get(d) ?? 0).toBeGreaterThan(0);
      expect(a.isLinked(s, d)).toBe(true);
      expect(a.isTrainingLink(s, d)).toBe(false);
    }
    expect(() => buildItemGraph(ds, { holdOut: { fraction: 1, seed: 1 } })).toThrow(/fraction/);
  });

  it('the adjacency is symmetric and normalized by degree', () => {
    const g = buildItemGraph(tinyDataset());
    const { rowPtr, colIdx, values } = g.adjacency.csr;
    const entry = new Map<string, number>();
    for (let r = 0; r < g.nodeCount; r++) for (let k = rowPtr[r]!; k < rowPtr[r + 1]!; k++) entry.set(`${r},${colIdx[k]}`, values[k]!);
    for (const [key, v] of entry) {
      const [r, c] = key.split(',').map(Number) as [number, number];
      expect(entry.get(`${c},${r}`)).toBeCloseTo(v, 7);
      const dr = rowPtr[r + 1]! - rowPtr[r]!;
      const dc = rowPtr[c + 1]! - rowPtr[c]!;
      expect(v).toBeCloseTo(1 / Math.sqrt(dr * dc), 6);
    }
    expect(g.nnz).toBe(2 * (g.attributeEdges.src.length + g.coMentionEdges.src.length));
  });
});
