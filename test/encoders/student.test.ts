// The distilled student E_T (PieceBagEncoder): learns a teacher's vectors, is a function of the text alone, and
// saves and loads exactly. The teacher here is the hashing encoder (fast); the pipeline's teacher is USE lite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distillStudent } from '../../src/encoders/distill.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { PieceBagEncoder } from '../../src/encoders/student.js';
import { cosine } from '../../src/encoders/text-encoder.js';

const GENRES = ['action', 'comedy', 'horror', 'drama', 'romance', 'sci-fi', 'western', 'thriller'];
const PEOPLE = ['Tom Hanks', 'Meryl Streep', 'Denzel Washington', 'Emma Stone', 'Keanu Reeves', 'Viola Davis'];
const texts = Array.from({ length: 400 }, (_, i) => `I would like a ${GENRES[i % GENRES.length]} movie with ${PEOPLE[(i * 5) % PEOPLE.length]}${i % 3 === 0 ? ', nothing too long' : ''}.`);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('PieceBagEncoder distilled from a teacher', () => {
  it('comes close to the teacher on texts it did not train on, and further than at initialization', async () => {
    const teacher = new HashingEncoder({ dim: 64 });
    const train = texts.filter((_, i) => i % 4 !== 0);
    const held = texts.filter((_, i) => i % 4 === 0);
    const { encoder, report } = distillStudent(train, await teacher.encode(train), teacher.id, { seed: 1, epochs: 15, bigramBuckets: 512 });
    const untrained = distillStudent(train, await teacher.encode(train), teacher.id, { seed: 1, epochs: 1, learningRate: 1e-9, bigramBuckets: 512 }).encoder;
    const targets = await teacher.encode(held);
    const mean = async (e: PieceBagEncoder) => (await e.encode(held)).reduce((s, v, i) => s + cosine(v, targets[i]!), 0) / held.length;
    expect(report.trainCosine).toBeGreaterThan(0.9);
    expect(await mean(encoder)).toBeGreaterThan(0.8);
    expect(await mean(untrained)).toBeLessThan(0.3);
    expect(encoder.id).toMatch(/^student-hash-64-b512-[0-9a-f]{8}$/);
    expect(untrained.id).not.toBe(encoder.id);
  });

  it('gives unit vectors that depend on the text alone, and saves and loads them exactly', async () => {
    const teacher = new HashingEncoder({ dim: 32 });
    const { encoder } = distillStudent(texts.slice(0, 60), await teacher.encode(texts.slice(0, 60)), teacher.id, { seed: 2, epochs: 3, bigramBuckets: 64 });
    const together = await encoder.encode(['', 'Hi', texts[0]!, texts[1]!]);
    const alone = [encoder.encodeOne(''), encoder.encodeOne('Hi'), encoder.encodeOne(texts[0]!), encoder.encodeOne(texts[1]!)];
    together.forEach((v, i) => {
      expect(Buffer.from(v.buffer).equals(Buffer.from(alone[i]!.buffer))).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });
    const dir = mkdtempSync(join(tmpdir(), 'crs-gym-student-'));
    dirs.push(dir);
    await encoder.save(dir);
    const loaded = PieceBagEncoder.load(dir);
    expect(loaded.id).toBe(encoder.id);
    expect(Buffer.from(loaded.encodeOne(texts[5]!).buffer).equals(Buffer.from(encoder.encodeOne(texts[5]!).buffer))).toBe(true);
    writeFileSync(join(dir, 'table.f32'), Buffer.alloc(16));
    expect(() => PieceBagEncoder.load(dir)).toThrow(/table\.f32: damaged/);
    expect(() => PieceBagEncoder.load(join(dir, 'missing'))).toThrow(/student\.json: cannot read the student encoder/);
  });
});
