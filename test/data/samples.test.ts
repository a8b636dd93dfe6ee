// Sample ids are opaque: agents see them and every per-sample random stream is seeded from them, so they must say
// nothing about the target, not even through a function of it that an agent could invert by trying every item.
import { describe, expect, it } from 'vitest';
import { samplesOfDialogue } from '../../src/data/samples.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dialogue } from '../../src/data/types.js';

function u(role: 'seeker' | 'recommender', text: string, items: string[] = []) {
  return { role, text, items, entities: [] };
}

const dialogue: Dialogue = {
  id: 'd7',
  split: 'test',
  utterances: [
    u('seeker', 'I liked Alien.', ['100']),
    u('recommender', 'Try Aliens or Prometheus, or Aliens again.', ['200', '300', '200']),
    u('seeker', 'Seen them.'),
    u('recommender', 'Then Sunshine.', ['400']),
  ],
};

/** The same dialogue with every item renamed. */
function renamed(d: Dialogue, rename: (id: string) => string): Dialogue {
  return { ...d, utterances: d.utterances.map((x) => ({ ...x, items: x.items.map(rename) })) };
}

describe('sample ids', () => {
  it('are dialogue, turn and the target position among the distinct items of the turn', () => {
    expect(samplesOfDialogue(dialogue).map((s) => [s.id, s.target])).toEqual([
      ['d7#1#0', '200'],
      ['d7#1#1', '300'],
      ['d7#3#0', '400'],
    ]);
  });

  it('do not change when the targets do: nothing in them depends on which item is the target', () => {
    const original = samplesOfDialogue(dialogue);
    const other = samplesOfDialogue(renamed(dialogue, (id) => `x${Number(id) * 7 + 1}`));
    expect(other.map((s) => s.id)).toEqual(original.map((s) => s.id));
    expect(other.map((s) => s.target)).not.toEqual(original.map((s) => s.target));
  });

  it('are unique within a dataset', () => {
    const dataset = makeSyntheticDataset({ seed: 5, items: 40, dialogues: 60 });
    const ids = Object.values(dataset.samples).flat().map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
