// Issue 17: a text's USE-lite vector must not depend on what it is encoded with, or a persistent cache filled in
// another order would hold other vectors (and one seed would train other policies depending on what ran before).
import { describe, expect, it } from 'vitest';
import { planBatches, UseLiteEncoder } from '../../src/encoders/use-lite.js';

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Feedback-like, dialogue-like and item-like texts: many token counts, several texts per count. */
function texts(): string[] {
  const short = ['Not really my thing.', 'Something with Tom Hanks would be great.', 'Maybe a comedy with Jim Carrey?', 'I loved Heat!'];
  const long = [
    'User: Hi, I am looking for a movie to watch tonight with my family.\nRecommender: Sure! What kind of movies do you like?\nUser: We like animated films, something funny but with a good story.',
    'The Shawshank Redemption (1994). Genre: Drama. Director: Frank Darabont. Two imprisoned men bond over a number of years, finding solace and eventual redemption through acts of common decency.',
  ];
  const out: string[] = [];
  for (let i = 0; i < 24; i++) out.push(`${short[i % short.length]} (${i % 6})`);
  for (let i = 0; i < 6; i++) out.push(`${long[i % long.length]} ${'Also, '.repeat(i)}thanks!`);
  out.push('', 'Hi');
  return out;
}

describe('planBatches', () => {
  it('puts texts of one token count per batch, at most batchSize, every row once, shortest first', () => {
    expect(planBatches([5, 1, 3, 1, 9], 2)).toEqual([[1, 3], [2], [0], [4]]);
    expect(planBatches([2, 2, 2, 2, 2], 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(planBatches([], 4)).toEqual([]);
    const lengths = Array.from({ length: 200 }, (_, i) => (i * 37) % 23);
    const batches = planBatches(lengths, 8);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(8);
      expect(new Set(b.map((r) => lengths[r])).size).toBe(1);
    }
  });
});

describe('UseLiteEncoder vectors are independent of the batch', () => {
  it('gives every text the same bits alone, in one call with all others, in another order, in other company and with another batch size', async () => {
    const encoder = new UseLiteEncoder({ batchSize: 64 });
    const all = texts();
    const together = await encoder.encode(all);
    const alone: Float32Array[] = [];
    for (const t of all) alone.push((await encoder.encode([t]))[0]!);
    const reversed = (await encoder.encode([...all].reverse())).reverse();
    const small = await new UseLiteEncoder({ batchSize: 3 }).encode(all);
    // Half of the texts mixed with strangers of the same and other lengths.
    const half = all.filter((_, i) => i % 2 === 0);
    const strangers = ['Not really my thing. (9)', 'I loved Heat! (7)', 'A long one: '.repeat(12)];
    const mixed = (await encoder.encode([...strangers, ...half])).slice(strangers.length);
    all.forEach((t, i) => {
      const expected = bytes(alone[i]!);
      expect(bytes(together[i]!).equals(expected), `together: ${t}`).toBe(true);
      expect(bytes(reversed[i]!).equals(expected), `reversed: ${t}`).toBe(true);
      expect(bytes(small[i]!).equals(expected), `batchSize 3: ${t}`).toBe(true);
    });
    half.forEach((t, k) => expect(bytes(mixed[k]!).equals(bytes(alone[2 * k]!)), `mixed: ${t}`).toBe(true));
  }, 120_000);
});
