import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import {
  getTf,
  glorotUniform,
  initDense,
  applyDense,
  loadWeights,
  ParamStore,
  saveWeights,
  tf,
  transferList,
  WeightsFileError,
} from '../../src/nn/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'crs-nn-'));
  dirs.push(d);
  return d;
}

function sampleStore(seed: string): ParamStore {
  const store = new ParamStore();
  initDense(store, 'layer1', 4, 3, new Rng(seed));
  initDense(store, 'head', 3, 1, new Rng(seed), { bias: false });
  return store;
}

beforeAll(async () => {
  await getTf('wasm');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('seeded initialization', () => {
  it('the same seed gives the same weights, another seed other weights', () => {
    const a = sampleStore('s1').toBuffers();
    const b = sampleStore('s1').toBuffers();
    const c = sampleStore('s2').toBuffers();
    expect(a.map((x) => x.name)).toEqual(['layer1.w', 'layer1.b', 'head.w']);
    expect(a).toEqual(b);
    expect(Array.from(a[0]!.data)).not.toEqual(Array.from(c[0]!.data));
  });
  it('glorot uniform stays within its limit and is not constant', () => {
    const w = glorotUniform(new Rng(1), 30, 20);
    const limit = Math.sqrt(6 / 50);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(new Set(w).size).toBeGreaterThan(500);
  });
  it('a dense layer computes x·w + b', () => {
    const store = sampleStore('s1');
    const layer = { w: store.get('layer1.w'), b: store.get('layer1.b') };
    store.get('layer1.b').assign(tf.tensor1d([1, 2, 3]));
    const y = tf.tidy(() => applyDense(tf.ones([2, 4]), layer).arraySync());
    const w = store.get('layer1.w').arraySync() as number[][];
    for (let j = 0; j < 3; j++) expect(y[0]![j]).toBeCloseTo(w.reduce((s, row) => s + row[j]!, 0) + j + 1, 5);
    store.dispose();
  });
});

describe('ParamStore buffers', () => {
  it('round-trips through toBuffers / fromBuffers / assignBuffers', () => {
    const store = sampleStore('a');
    const buffers = store.toBuffers();
    const copy = ParamStore.fromBuffers(buffers);
    expect(copy.toBuffers()).toEqual(buffers);
    const other = sampleStore('b');
    other.assignBuffers(buffers);
    expect(other.toBuffers()).toEqual(buffers);
    // toBuffers copies: changing a buffer does not change the variable.
    buffers[0]!.data[0] = 1234;
    expect(store.get('layer1.w').dataSync()[0]).not.toBe(1234);
    for (const s of [store, copy, other]) s.dispose();
  });
  it('rejects missing, unknown and mis-shaped parameters with their names', () => {
    const store = sampleStore('a');
    const buffers = store.toBuffers();
    expect(() => store.assignBuffers(buffers.slice(1))).toThrow(/layer1\.w/);
    expect(() => store.assignBuffers([...buffers, { name: 'extra', shape: [1], data: new Float32Array(1) }])).toThrow(/extra/);
    const bad = buffers.map((b) => (b.name === 'head.w' ? { ...b, shape: [1, 3] } : b));
    expect(() => store.assignBuffers(bad)).toThrow(/head\.w.*\[3, 1\]/);
    expect(() => store.add('layer1.w', [1], new Float32Array(1))).toThrow(/already exists/);
    expect(() => store.get('nope')).toThrow(/nope/);
    store.dispose();
  });
  it('buffers are transferable to another thread (each parameter its own ArrayBuffer)', () => {
    const store = sampleStore('a');
    const buffers = store.toBuffers();
    const list = transferList(buffers);
    expect(list).toHaveLength(buffers.length);
    const moved = structuredClone(buffers, { transfer: list });
    expect(buffers[0]!.data.length).toBe(0); // detached: really transferred
    const copy = ParamStore.fromBuffers(moved);
    expect(copy.toBuffers()).toEqual(store.toBuffers());
    store.dispose();
    copy.dispose();
  });
});

describe('weights files', () => {
  it('save then load gives the same buffers and meta, and leaves no temporary files', () => {
    const dir = tempDir();
    const store = sampleStore('a');
    saveWeights(join(dir, 'model'), store.toBuffers(), { kind: 'test', dims: [4, 3] });
    expect(readdirSync(join(dir, 'model')).sort()).toEqual(['weights.bin', 'weights.json']);
    const loaded = loadWeights(join(dir, 'model'));
    expect(loaded.buffers).toEqual(store.toBuffers());
    expect(loaded.meta).toEqual({ kind: 'test', dims: [4, 3] });
    // Saving again over the same folder replaces both files.
    const other = sampleStore('b');
    saveWeights(join(dir, 'model'), other.toBuffers());
    expect(loadWeights(join(dir, 'model')).buffers).toEqual(other.toBuffers());
    store.dispose();
    other.dispose();
  });
  it('a truncated weights.bin is an error naming the file', () => {
    const dir = tempDir();
    saveWeights(dir, sampleStore('a').toBuffers());
    truncateSync(join(dir, 'weights.bin'), 20);
    expect(() => loadWeights(dir)).toThrow(WeightsFileError);
    expect(() => loadWeights(dir)).toThrow(/weights\.bin: truncated: 20 bytes/);
  });
  it('a changed byte in weights.bin is caught by the checksum', () => {
    const dir = tempDir();
    saveWeights(dir, sampleStore('a').toBuffers());
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[5] = bytes[5]! ^ 0xff;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    expect(() => loadWeights(dir)).toThrow(/weights\.bin: corrupt: sha256/);
  });
  it('a broken or foreign manifest is an error naming weights.json', () => {
    const dir = tempDir();
    saveWeights(dir, sampleStore('a').toBuffers());
    const json = readFileSync(join(dir, 'weights.json'), 'utf8');
    writeFileSync(join(dir, 'weights.json'), json.slice(0, json.length / 2));
    expect(() => loadWeights(dir)).toThrow(/weights\.json: not valid JSON/);
    writeFileSync(join(dir, 'weights.json'), JSON.stringify({ format: 'other' }));
    expect(() => loadWeights(dir)).toThrow(/weights\.json: not a crs-gym-weights manifest: format/);
    expect(() => loadWeights(join(dir, 'missing'))).toThrow(/missing[/\\]weights\.json: not found/);
  });
  it('a save with mismatched data length is refused before writing', () => {
    const dir = tempDir();
    expect(() => saveWeights(dir, [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/'w'/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
