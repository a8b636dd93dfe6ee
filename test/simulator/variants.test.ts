import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset, Item } from '../../src/data/types.js';
import { CHITCHAT_LINES } from '../../src/simulator/chitchat.js';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { OracleSimulator } from '../../src/simulator/oracle.js';
import { DialogueRuleSimulator } from '../../src/simulator/dialogue-rule.js';
import { buildSimulatorInput, seenItemIds, type Feedback, type SimulatorInput, type UserSimulator } from '../../src/simulator/types.js';
import { BlindSimulator, NoisySimulator } from '../../src/simulator/wrappers.js';
import { realDataRoot } from '../data/real-data.js';
import { fixtureDataset, namesItem } from './fixtures.js';

const dataset = fixtureDataset();
const guard = new NameGuard(dataset.items);
const caseSample = dataset.samples.test.find((s) => s.target === '1')!;

/** Records what it was given and answers with the previous-list ids. */
class EchoSimulator implements UserSimulator {
  readonly name = 'echo';
  readonly seen: SimulatorInput[] = [];
  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    this.seen.push(input);
    return { text: `list=${input.previousList.map((v) => v.id).join(',')} r=${rng.uint32()}`, predictedAttributes: [], judgments: [], kind: 'feedback', source: this.name };
  }
}

function unseenNamed(ds: Dataset, text: string, seen: ReadonlySet<string>, skip?: string): string[] {
  return ds.items.filter((i) => !seen.has(i.id) && i.id !== skip && namesItem(text, i.title)).map((i) => i.title);
}

describe('BlindSimulator', () => {
  it('never passes R_{t-1} on: same feedback whatever the list', async () => {
    const inner = new EchoSimulator();
    const blind = new BlindSimulator(inner);
    const a = await blind.feedback(buildSimulatorInput(caseSample, dataset, ['5', '6']), new Rng(1));
    const b = await blind.feedback(buildSimulatorInput(caseSample, dataset, ['7']), new Rng(1));
    expect(a.text).toBe(b.text);
    expect(a.text).toMatch(/^list= /);
    expect(inner.seen.every((i) => i.previousList.length === 0)).toBe(true);
    expect(inner.seen[0]!.context).toBe(buildSimulatorInput(caseSample, dataset, []).context);
    expect(a.source).toBe('blind(echo)');
  });

  it('passes a target hint on to an inner oracle (and only there)', async () => {
    const blind = new BlindSimulator(new OracleSimulator({ guard }));
    blind.setTargetHint({ attributes: dataset.itemById.get('1')!.attributes });
    const fb = await blind.feedback(buildSimulatorInput(caseSample, dataset, ['5']), new Rng(1));
    expect(fb.error).toBeUndefined();
    expect(fb.predictedAttributes.map((a) => a.value)).toContain('Todd Phillips');
    expect(() => new BlindSimulator(new EchoSimulator()).setTargetHint({ attributes: {} })).not.toThrow();
  });

  it('wrapping a real simulator gives list-independent judgments (none)', async () => {
    const blind = new BlindSimulator(new DialogueRuleSimulator({ guard }));
    const fb = await blind.feedback(buildSimulatorInput(caseSample, dataset, ['5']), new Rng(2));
    expect(fb.judgments).toEqual([]);
  });
});

describe('NoisySimulator', () => {
  it('replaces about p of the feedback by chit-chat, deterministically per seed', async () => {
    const noisy = new NoisySimulator(new EchoSimulator(), 0.3);
    const input = buildSimulatorInput(caseSample, dataset, ['5']);
    let chit = 0;
    const n = 2000;
    for (let k = 0; k < n; k++) {
      const fb = await noisy.feedback(input, new Rng(`n${k}`));
      if (fb.kind === 'chitchat') {
        chit++;
        expect(CHITCHAT_LINES).toContain(fb.text);
      }
    }
    expect(chit / n).toBeGreaterThan(0.26);
    expect(chit / n).toBeLessThan(0.34);
    expect(await noisy.feedback(input, new Rng('same'))).toEqual(await noisy.feedback(input, new Rng('same')));
  });

  it('p = 0 is the inner simulator unchanged, p = 1 is always chit-chat', async () => {
    const inner = new EchoSimulator();
    const input = buildSimulatorInput(caseSample, dataset, ['5']);
    const plain = await inner.feedback(input, new Rng(9));
    expect((await new NoisySimulator(inner, 0).feedback(input, new Rng(9))).text).toBe(plain.text);
    expect((await new NoisySimulator(inner, 1).feedback(input, new Rng(9))).kind).toBe('chitchat');
    expect(() => new NoisySimulator(inner, 1.5)).toThrow(RangeError);
  });

  it('chit-chat lines name no item of the fixture', () => {
    for (const line of CHITCHAT_LINES) expect(guard.mentions(line).size).toBe(0);
  });
});

describe('OracleSimulator', () => {
  function oracleFor(item: Item, g = guard): OracleSimulator {
    const oracle = new OracleSimulator({ guard: g });
    oracle.setTargetHint({ attributes: item.attributes });
    return oracle;
  }

  it('keeps only the attribute lists of whatever hint it is given', () => {
    const oracle = new OracleSimulator({ guard });
    const joker = dataset.itemById.get('1')!;
    oracle.setTargetHint(joker as unknown as { attributes: Item['attributes'] }); // a whole Item, title and all
    const state = JSON.stringify(oracle, (_k, v: unknown) => (v instanceof NameGuard ? undefined : v));
    expect(state).not.toContain('Joker');
    expect(state).toContain('Todd Phillips');
  });

  it('judges the list by attribute overlap and accepts the target when listed', async () => {
    const joker = dataset.itemById.get('1')!;
    const fb = await oracleFor(joker).feedback(buildSimulatorInput(caseSample, dataset, ['1', '7', '10']), new Rng(3));
    const [j1, j7, j10] = fb.judgments;
    expect(j1!.verdict).toBe('accept');
    expect(j7!.score).toBeGreaterThan(j10!.score);
    expect(fb.kind).toBe('accept');
    expect(fb.text).toContain('Joker');
  });

  it('never reveals the target title over many seeds and lists (fixture)', async () => {
    const ids = dataset.items.map((i) => i.id);
    const samples = [...dataset.samples.train, ...dataset.samples.valid, ...dataset.samples.test];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: samples.length - 1 }), fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 5 }), fc.integer(), async (k, list, seed) => {
        const sample = samples[k]!;
        const target = dataset.itemById.get(sample.target)!;
        const input = buildSimulatorInput(sample, dataset, list.filter((id) => id !== sample.target));
        const fb = await oracleFor(target).feedback(input, new Rng(seed));
        const seen = seenItemIds(input);
        if (!seen.has(target.id)) expect(namesItem(fb.text, target.title)).toBe(false);
        expect(unseenNamed(dataset, fb.text, seen)).toEqual([]);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('does not say an attribute value that contains an unseen title (Selena Gomez)', async () => {
    const oracle = new OracleSimulator({ guard });
    oracle.setTargetHint({ attributes: { actor: ['Selena Gomez'] } });
    const said = { seen: 0, unseen: 0 };
    for (let seed = 0; seed < 50; seed++) {
      const hidden = await oracle.feedback(buildSimulatorInput(caseSample, dataset, ['9']), new Rng(seed));
      if (hidden.text.includes('Selena')) said.unseen++;
      const shown = await oracle.feedback(buildSimulatorInput(caseSample, dataset, ['8', '9']), new Rng(seed));
      if (shown.text.includes('Selena Gomez')) said.seen++;
    }
    expect(said.unseen).toBe(0);
    expect(said.seen).toBeGreaterThan(0);
  });

  it('without a hint it returns a neutral feedback with an error instead of throwing', async () => {
    const fb = await new OracleSimulator().feedback(buildSimulatorInput(caseSample, dataset, []), new Rng(1));
    expect(fb.error).toMatch(/setTargetHint/);
    expect(fb.kind).toBe('feedback');
  });

  it.skipIf(!realDataRoot('inspired'))('never reveals the target title over the INSPIRED test split', async () => {
    const inspired = loadDataset('inspired');
    const inspiredGuard = new NameGuard(inspired.items);
    const rng = new Rng('oracle-inspired');
    const bad: string[] = [];
    const ids = inspired.items.map((i) => i.id);
    for (const sample of inspired.samples.test) {
      const target = inspired.itemById.get(sample.target)!;
      const oracle = new OracleSimulator({ guard: inspiredGuard });
      oracle.setTargetHint({ attributes: target.attributes });
      for (const list of [[], rng.sample(ids, 10)]) {
        const input = buildSimulatorInput(sample, inspired, list.filter((id) => id !== sample.target));
        const seen = seenItemIds(input);
        for (const id of inspiredGuard.mentions(sample.context.map((u) => u.text).join('\n'))) seen.add(id);
        const fb = await oracle.feedback(input, rng.split(sample.id));
        // A name shared with a seen item ("Blade Runner" for the 1982 film and the franchise) is that item.
        if (!seen.has(target.id) && !inspiredGuard.allows(fb.text, seen)) bad.push(`${sample.id}: ${fb.text}`);
        if (!seen.has(target.id) && fb.text.includes(target.title)) bad.push(`${sample.id} (full title): ${fb.text}`);
        const spoken = target.title.replace(/\s*\([^)]*\)$/, '');
        const sharedWithSeen = [...seen].some((id) => {
          const other = inspired.itemById.get(id);
          return other !== undefined && [other.title, ...other.aliases].some((n) => n.includes(spoken));
        });
        if (!seen.has(target.id) && !sharedWithSeen && namesItem(fb.text, target.title)) bad.push(`${sample.id} (spoken): ${fb.text}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('DialogueRuleSimulator', () => {
  const single = new DialogueRuleSimulator({ guard });

  it('restates preferences stated in D and has no attribute head', async () => {
    const fb = await single.feedback(buildSimulatorInput(caseSample, dataset, []), new Rng(1));
    expect(fb.predictedAttributes).toEqual([]);
    expect(fb.source).toBe('dialogue-rule');
    expect(fb.text.length).toBeGreaterThan(10);
  });

  it('judges listed items by the attributes stated in D', async () => {
    // d1: crime dramas, Taxi Driver, Robert De Niro. Joker (crime drama with De Niro) beats Up (animation).
    const sample = dataset.samples.train.find((s) => s.dialogueId === 'd1' && s.target === '1')!;
    const fb = await single.feedback(buildSimulatorInput(sample, dataset, ['1', '10']), new Rng(1));
    expect(fb.judgments[0]!.score).toBeGreaterThan(0.7);
    expect(fb.judgments[1]!.score).toBe(0);
    expect(fb.judgments.map((j) => j.verdict)).toEqual(['partial', 'reject']);
  });

  it('never names an item outside D and R_{t-1}, and is deterministic per seed', async () => {
    const ids = dataset.items.map((i) => i.id);
    const samples = [...dataset.samples.train, ...dataset.samples.test];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: samples.length - 1 }), fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 5 }), fc.integer(), async (k, list, seed) => {
        const input = buildSimulatorInput(samples[k]!, dataset, list);
        const fb = await single.feedback(input, new Rng(seed));
        const seen = seenItemIds(input);
        for (const id of guard.mentions(input.context.map((u) => u.text).join('\n'))) seen.add(id);
        expect(unseenNamed(dataset, fb.text, seen)).toEqual([]);
        expect(await single.feedback(input, new Rng(seed))).toEqual(fb);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
