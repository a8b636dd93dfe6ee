// CrsEnv's observation codec for the vector envs: what a worker encodes, the main thread decodes to an equal
// observation (same keys in the same order, the same prompt), the wire holds ids and scores once the dialogue
// and the items were sent, both sides' tables stay in step through evictions, and an observation that is not as
// CrsEnv built it is sent whole.
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { hasDerivedPrompt } from '../../envs/crs-env.js';
import { CrsObservationCodec, MAX_RECORDS_PER_ID } from '../../envs/observation-codec.js';
import type { CrsObservation } from '../../envs/types.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import { buildSyntheticEnv, freshSyntheticComponents, scriptedAction } from './setup-synthetic.js';

/** Observations of a few episodes per seed (the same sample comes back across seeds). */
async function observations(seeds: readonly number[]): Promise<CrsObservation[]> {
  const env = await buildSyntheticEnv({ retriever: 'dual-view' });
  const out: CrsObservation[] = [];
  for (const seed of seeds) {
    let { observation } = await env.reset({ seed });
    out.push(observation);
    for (;;) {
      const r = await env.step(scriptedAction(observation));
      out.push(r.observation);
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
  }
  return out;
}

/** Worker side encodes, the wire is structured-cloned (as postMessage does), main side decodes. */
function transfer(worker: CrsObservationCodec, main: CrsObservationCodec, o: CrsObservation): { decoded: CrsObservation; wire: unknown } {
  const wire = structuredClone(worker.encode(o));
  return { decoded: main.decode(wire), wire };
}

function expectSame(decoded: CrsObservation, o: CrsObservation): void {
  expect(decoded).toEqual(o);
  expect(JSON.stringify(decoded)).toBe(JSON.stringify(o));
  expect(decoded.prompt).toBe(o.prompt);
}

describe('CrsObservationCodec', () => {
  it('decodes every observation equal to the original, sending ids and scores once the details were sent', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 1, 2, 3];
    const all = await observations(seeds);
    const worker = new CrsObservationCodec();
    const main = new CrsObservationCodec();
    const sizes: number[] = [];
    for (const o of all) {
      const { decoded, wire } = transfer(worker, main, o);
      expect(wire).toHaveProperty('compact');
      // The decoded prompt is still lazy (derived from the decoded fields), so it can be passed on compactly again.
      expect(hasDerivedPrompt(decoded)).toBe(true);
      expectSame(decoded, o);
      sizes.push(serialize(wire).length);
    }
    // Items travel as slots, with the scores (exactly, as float64), in one typed array: [n, slots, scores, previous].
    const lastObservation = all.at(-1)!;
    const numbers = (transfer(worker, main, lastObservation).wire as { compact: { numbers: unknown } }).compact.numbers;
    expect(numbers).toBeInstanceOf(Float64Array);
    const n = lastObservation.candidates.length;
    expect((numbers as Float64Array).length).toBe(1 + 2 * n + lastObservation.previousList.length);
    expect(Array.from((numbers as Float64Array).subarray(1 + n, 1 + 2 * n))).toEqual(lastObservation.candidates.map((c) => c.score));
    const whole = serialize(structuredClone(all.at(-1))).length;
    // The last observations replay samples already sent: a small fraction of a whole observation.
    expect(Math.max(...sizes.slice(-3))).toBeLessThan(whole / 4);
  });

  it('sends the previous list as ids when it names an item never sent, and stays in step', async () => {
    const all = await observations([3, 4]);
    const worker = new CrsObservationCodec();
    const main = new CrsObservationCodec();
    const later = all.find((o) => o.previousList.length > 0);
    expect(later).toBeDefined();
    later!.previousList = [...later!.previousList, 'no-such-item'];
    for (const o of all) {
      const { decoded, wire } = transfer(worker, main, o);
      const previous = (wire as { compact: { previousIds?: unknown } }).compact.previousIds;
      // (An episode's last step returns the observation it ended on, so `later` may come twice.)
      expect(previous !== undefined).toBe(o === later);
      expectSame(decoded, o);
    }
  });

  it('codecs on one thread share the item table, yet each sends an item to its own main side once', async () => {
    const all = await observations([1, 2]);
    const workerA = new CrsObservationCodec();
    const mainA = new CrsObservationCodec();
    for (const o of all) expectSame(transfer(workerA, mainA, o).decoded, o);
    // A second copy's codec has sent nothing yet: its first observation carries every item it names.
    const workerB = new CrsObservationCodec();
    const mainB = new CrsObservationCodec();
    const first = transfer(workerB, mainB, all[0]!);
    const items = (first.wire as { compact: { items?: unknown[] } }).compact.items ?? [];
    const named = new Set([...all[0]!.candidates, ...all[0]!.contextItems].map((v) => v.id));
    expect(items.length).toBe(named.size);
    expectSame(first.decoded, all[0]!);
    for (const o of all.slice(1)) expectSame(transfer(workerB, mainB, o).decoded, o);
  });

  it('an env over another copy of the catalogue (same ids, other objects) is sent compactly and decoded exactly', async () => {
    const play = async (env: CrsEnv): Promise<CrsObservation[]> => {
      const { observation } = await env.reset({ seed: 4 });
      const r = await env.step(scriptedAction(observation));
      return [observation, r.observation];
    };
    const one = await play(await buildSyntheticEnv());
    // Fresh components: a second catalogue whose items are other objects with equal content.
    const other = await play(await buildSyntheticEnv({}, await freshSyntheticComponents()));
    expect(other[0]!.candidates[0]!.id).toBe(one[0]!.candidates[0]!.id);
    expect(other[0]!.candidates[0]!.attributes).not.toBe(one[0]!.candidates[0]!.attributes);
    const worker = new CrsObservationCodec();
    const main = new CrsObservationCodec();
    for (const o of [...one, ...other, ...one]) {
      const { decoded, wire } = transfer(worker, main, o);
      expect(wire).toHaveProperty('compact');
      expectSame(decoded, o);
    }
    // A mention retitled by a wrapper (the prompt does not render mentions) is another record of that id: its own
    // title arrives, and the original's slot still decodes to the original.
    const again = await play(await buildSyntheticEnv());
    const retitled = again.find((o) => o.contextItems.length > 0);
    expect(retitled).toBeDefined();
    const original = retitled!.contextItems[0]!;
    retitled!.contextItems = [{ ...original, title: 'A Title Of My Own' }, ...retitled!.contextItems.slice(1)];
    const sent = transfer(worker, main, retitled!);
    expect(sent.wire).toHaveProperty('compact');
    expectSame(sent.decoded, retitled!);
    expect(sent.decoded.contextItems[0]!.title).toBe('A Title Of My Own');
    for (const o of one) expectSame(transfer(worker, main, o).decoded, o);
  });

  it('a mention rebuilt with equal content maps to its record; one retitled without end is sent whole past the cap', async () => {
    const all = await observations([5, 6]);
    const withMention = all.filter((o) => o.contextItems.length > 0);
    expect(withMention.length).toBeGreaterThan(0);
    const worker = new CrsObservationCodec();
    const main = new CrsObservationCodec();
    for (const o of all) expectSame(transfer(worker, main, o).decoded, o);
    // A wrapper that copies the mentions (equal content, new objects): compact, and no item details re-sent.
    const copied = withMention[0]!;
    copied.contextItems = copied.contextItems.map((v) => ({ ...v, attributes: structuredClone(v.attributes) }));
    const again = transfer(worker, main, copied);
    expect(again.wire).toHaveProperty('compact');
    expect((again.wire as { compact: { items?: unknown[] } }).compact.items).toBeUndefined();
    expectSame(again.decoded, copied);
    // A wrapper that gives a mention a new title every step: new records up to the cap, then whole; always exact.
    const kinds: string[] = [];
    for (let k = 0; k < MAX_RECORDS_PER_ID + 3; k++) {
      copied.contextItems = [{ ...copied.contextItems[0]!, title: `Title ${k}` }, ...copied.contextItems.slice(1)];
      const { decoded, wire } = transfer(worker, main, copied);
      kinds.push(Object.keys(wire as object)[0]!);
      expectSame(decoded, copied);
    }
    expect(kinds.slice(0, MAX_RECORDS_PER_ID - 1).every((k) => k === 'compact')).toBe(true);
    expect(kinds.slice(-3)).toEqual(['whole', 'whole', 'whole']);
  });

  it('keeps both sides in step when the sample table evicts (least recently used, same order on both sides)', async () => {
    const all = await observations([1, 2, 3, 1, 4, 2, 5, 1]);
    const worker = new CrsObservationCodec(2);
    const main = new CrsObservationCodec(2);
    for (const o of all) expectSame(transfer(worker, main, o).decoded, o);
  });

  it('sends an observation whole when a field or the prompt is not as CrsEnv built it, and stays in step', async () => {
    const all = await observations([7, 8]);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const worker = new CrsObservationCodec();
    const main = new CrsObservationCodec();
    const [a, b, c, d, e] = all as [CrsObservation, CrsObservation, CrsObservation, CrsObservation, CrsObservation];
    expect(transfer(worker, main, a).wire).toHaveProperty('compact');
    const assigned = b;
    assigned.prompt = 'a prompt of my own';
    const reordered = c;
    reordered.candidates = [...reordered.candidates].reverse(); // the prompt was rendered from the original order
    const retitled = d;
    retitled.candidates[0] = { ...retitled.candidates[0]!, title: 'Another Title' };
    const changed: CrsObservation[] = [
      structuredClone(a), // a plain copy: its prompt is a plain string
      { ...e, extra: 1 } as CrsObservation, // an extra key
      assigned,
      reordered,
      retitled,
    ];
    for (const o of changed) {
      const { decoded, wire } = transfer(worker, main, o);
      expect(wire).toHaveProperty('whole');
      expectSame(decoded, o);
    }
    // Whole observations left both tables alone: the rest still decodes compactly and equal.
    for (const o of await observations([7, 8, 9])) {
      const { decoded, wire } = transfer(worker, main, o);
      expect(wire).toHaveProperty('compact');
      expectSame(decoded, o);
    }
  });
});
