import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateLinkPrediction, LightGcnEncoder } from '../../src/encoders/collaborative.js';
import { buildItemGraph, type ItemGraph } from '../../src/encoders/item-graph.js';
import { tf } from '../../src/nn/tf.js';
import { tinyDataset } from '../nn/fixtures.js';

const ds = tinyDataset();
const OPTIONS = { seed: 11, dim: 16, epochs: 30, batchSize: 128 };
let graph: ItemGraph;
let trained: LightGcnEncoder;
const losses: number[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  graph = buildItemGraph(ds, { holdOut: { fraction: 0.15, seed: 3 } });
  trained = await LightGcnEncoder.trainOnGraph(graph, ds, { ...OPTIONS, onEpoch: (epoch, loss) => losses.push(loss) });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('LightGcnEncoder', () => {
  it('reports one decreasing loss per epoch', () => {
    expect(losses).toHaveLength(OPTIONS.epochs);
    expect(losses[0]).toBeGreaterThan(0.6); // BPR starts near log 2
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
  });

  it('learns: held-out link AUC is far above the untrained model and chance', async () => {
    const untrained = await LightGcnEncoder.trainOnGraph(graph, ds, { ...OPTIONS, epochs: 0 });
    const before = evaluateLinkPrediction(untrained, graph, { seed: 1 });
    const after = evaluateLinkPrediction(trained, graph, { seed: 1 });
    expect(after.edges).toBe(graph.heldOutEdges.src.length);
    expect(before.auc).toBeLessThan(0.7);
    expect(after.auc).toBeGreaterThan(0.85);
    expect(after.auc - before.auc).toBeGreaterThan(0.2);
    expect(after.byKind.actor?.edges).toBeGreaterThan(0);
  });

  it('is deterministic for a seed and differs for another', async () => {
    const again = await LightGcnEncoder.trainOnGraph(graph, ds, OPTIONS);
    expect(Buffer.from(again.table.buffer).equals(Buffer.from(trained.table.buffer))).toBe(true);
    const other = await LightGcnEncoder.trainOnGraph(graph, ds, { ...OPTIONS, seed: 12 });
    expect(Buffer.from(other.table.buffer).equals(Buffer.from(trained.table.buffer))).toBe(false);
  });

  it('looks up items by index and id, and entities by name', () => {
    const items = trained.itemEmbeddings();
    expect(items).toHaveLength(ds.items.length);
    expect(items[5]).toEqual(trained.itemEmbedding('m5'));
    expect(items[5]!.length).toBe(16);
    expect(trained.itemEmbedding('nope')).toBeUndefined();
    const comedy = trained.entityEmbedding('Comedy');
    expect(comedy).toBeDefined();
    expect(comedy!.some((v) => v !== 0)).toBe(true);
    expect(trained.entityEmbedding('Unknown Person')).toBeUndefined();
  });

  it('meanPool averages known ids and names, skips unknown ones, and is zero when nothing is known', () => {
    const a = trained.itemEmbedding('m0')!;
    const c = trained.entityEmbedding('comedy')!;
    const pooled = trained.meanPool(['m0', 'missing'], ['comedy', 'Nobody Known']);
    pooled.forEach((v, j) => expect(v).toBeCloseTo((a[j]! + c[j]!) / 2, 6));
    const zero = trained.meanPool(['missing'], ['Nobody Known', '']);
    expect(zero).toHaveLength(16);
    expect(zero.every((v) => v === 0)).toBe(true);
    expect(trained.meanPool([], []).every((v) => v === 0)).toBe(true);
    // The result is a fresh array: writing to it leaves the table alone.
    const one = trained.meanPool(['m0'], []);
    one[0] = 99;
    expect(trained.itemEmbedding('m0')![0]).not.toBe(99);
  });

  it('saves and loads the frozen tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crs-lgcn-'));
    dirs.push(dir);
    trained.save(join(dir, 'ec'));
    const loaded = LightGcnEncoder.load(join(dir, 'ec'), ds);
    expect(loaded.dim).toBe(16);
    expect(loaded.itemEmbeddings()).toEqual(trained.itemEmbeddings());
    expect(loaded.entityEmbedding('comedy')).toEqual(trained.entityEmbedding('comedy'));
    expect(loaded.meanPool(['m3'], ['horror'])).toEqual(trained.meanPool(['m3'], ['horror']));
    // A dataset with an item the encoder never saw is refused with the file and the item named.
    const other = tinyDataset();
    other.items[2]!.id = 'zzz';
    other.itemById = new Map(other.items.map((i) => [i.id, i]));
    expect(() => LightGcnEncoder.load(join(dir, 'ec'), other)).toThrow(/weights\.json: has no embedding for item zzz/);
  });

  it('trains from a dataset directly, leaks no tensors, and rejects bad options', async () => {
    const before = tf.memory().numTensors;
    const enc = await LightGcnEncoder.train(ds, { seed: 1, dim: 8, epochs: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(enc.itemEmbeddings()[0]).toHaveLength(8);
    await expect(LightGcnEncoder.train(ds, { seed: 1, dim: 0 })).rejects.toThrow(/dim/);
  });
});
