import { describe, expect, it } from 'vitest';
import { signalOfDialogue, trainItemCounts, trainSignals } from '../../src/data/signals.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';

describe('train signals', () => {
  it("are the train dialogues' items when the loader gave none", () => {
    const ds = makeSyntheticDataset({ seed: 3, items: 30, dialogues: 20 });
    expect(ds.trainSignals).toBeUndefined();
    const signals = trainSignals(ds);
    expect(signals.map((s) => s.dialogueId)).toEqual(ds.dialogues.train.map((d) => d.id));
    signals.forEach((signal, i) => {
      const mentioned = new Set(ds.dialogues.train[i]!.utterances.flatMap((u) => u.items));
      expect(new Set(signal.items)).toEqual(mentioned);
      expect(signal.items).toHaveLength(mentioned.size);
      expect(signal).toMatchObject({ likedItems: [], source: 'dialogue' });
    });
  });

  it('skip items outside the catalog', () => {
    const ds = makeSyntheticDataset({ seed: 3, items: 30, dialogues: 20 });
    const dialogue = { id: 'd', split: 'train' as const, utterances: [{ role: 'seeker' as const, text: '', items: ['nope', ds.items[0]!.id], entities: [] }] };
    expect(signalOfDialogue(dialogue, ds).items).toEqual([ds.items[0]!.id]);
  });

  it('count in how many train dialogues an item is mentioned or liked', () => {
    const ds = makeSyntheticDataset({ seed: 3, items: 30, dialogues: 20 });
    const [a, b] = ds.items;
    ds.trainSignals = [
      { dialogueId: '1', items: [a!.id, b!.id], likedItems: [a!.id], source: 'dialogue' },
      { dialogueId: '2', items: [a!.id], likedItems: [], source: 'text' },
    ];
    expect(Object.fromEntries(trainItemCounts(ds))).toEqual({ [a!.id]: 2, [b!.id]: 1 });
    expect(Object.fromEntries(trainItemCounts(ds, 'liked'))).toEqual({ [a!.id]: 1 });
  });
});
