// ReDial's extra train-portion sources on fixture files: the extra raw dialogues and the text-only records,
// and how valid/test dialogues are kept out of train and the train signals (by id, by order, by text).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIAL_FILES, loadRedial } from '../../src/data/redial.js';
import { TargetPopularity, trainCounts } from '../../src/data/popularity.js';
import { likedTitlesOf } from '../../src/data/redial-text.js';
import { trainItemCounts } from '../../src/data/signals.js';
import { redialDialogue, tempRoots, writeLines, writeRedialFixture } from './fixtures.js';

const fresh = tempRoots();

// Long enough for the text check (10+ word 6-grams).
const VALID_TEXT: Array<[number, string]> = [
  [1, 'I am looking for a crime movie with a great heist and a clever twist at the very end'],
  [2, 'Sure, @100 is a crime movie with a great heist and a long chase through the city streets'],
];

function textRecord(pos: number, conversationId: number | null, questions: string[], answers: string[], context = '') {
  return { pos, conversationId, id_method: 'fixture', has_exact_raw: false, first_speaker_is_initiator: null, context, questions, answers };
}

/** valid 15 and 20, test 900, raw train 10 (partial) and 40, 45 (extra), and text-only records around them. */
function writeSignalFixture(root: string): string {
  writeRedialFixture(root, {
    test: [redialDialogue('900', [[1, 'I love action like @100'], [2, 'Try @101']])],
    valid: [redialDialogue('15', [[1, 'Hi'], [2, '@101']]), redialDialogue('20', VALID_TEXT)],
    partial: [
      redialDialogue('10', [[1, 'Hello'], [2, 'Have you seen @100 ?']], { initiatorQuestions: { '100': { suggested: 1, seen: 0, liked: 1 } } }),
      redialDialogue('20', VALID_TEXT),
    ],
  });
  writeLines(root, REDIAL_FILES.extraTrain, [
    redialDialogue('40', VALID_TEXT.map(([who, text]) => [who, `${text}!`])),
    redialDialogue('45', [[1, 'Something with Robert De Niro?'], [2, 'Then @101']], { respondentQuestions: { '101': { suggested: 1, seen: 0, liked: 1 } } }),
  ]);
  const copy = VALID_TEXT.map(([, text]) => text);
  writeLines(root, REDIAL_FILES.trainText, [
    textRecord(0, 10, ['Hello'], ['Have you seen @100 ?']),
    textRecord(1, null, ['Hi there'], ['Watch @102']),
    textRecord(2, 20, [copy[0]!], [copy[1]!]),
    textRecord(3, 30, ['I liked @100 a lot', 'and @102 too'], ['ok'], 'For Heat  (1995) initiator like it, For Collateral  respondent like it initiator don\'t like it, '),
    textRecord(4, null, ['Any comedy?'], ['@101 then'], 'For Ronin (1998) respondent like it, '),
    textRecord(5, 50, [copy[0]!], [copy[1]!]),
    textRecord(6, null, [copy[0]!], [copy[1]!]),
    '{"pos": 7, "conversationId": 60, "questions": "not a list", "answers": [], "context": ""}',
    textRecord(8, 70, ['Seen @100 ?'], ['yes']),
  ]);
  return root;
}

describe('ReDial train-portion sources on fixture files', () => {
  it('trains on the raw train-portion dialogues, minus valid/test ids and text copies of valid/test dialogues', () => {
    const ds = loadRedial(writeSignalFixture(fresh()));
    // 20 is valid (by id); 40 copies valid 20's text (by text).
    expect(ds.dialogues.train.map((d) => d.id)).toEqual(['10', '45']);
    expect(ds.sources?.train).toEqual([REDIAL_FILES.partialTrain, REDIAL_FILES.extraTrain]);
    expect(ds.sources?.notes.some((n) => /minus 1 valid\/test dialogues \(by conversationId\) minus 1 whose text copies .*40 \(~20\)/.test(n))).toBe(true);
  });

  it('adds the text-only dialogues to the train signals, leaving out valid/test ids, raw ones and text copies', () => {
    const root = writeSignalFixture(fresh());
    const ds = loadRedial(root);
    const signals = ds.trainSignals ?? [];
    expect(signals.map((s) => [s.dialogueId, s.source])).toEqual([
      ['10', 'dialogue'],
      ['45', 'dialogue'],
      ['30', 'text'],
      ['text-pos-4', 'text'],
      ['70', 'text'],
    ]);
    // Likes: the questionnaire for raw dialogues (initiator first, else respondent), the prose for text-only ones.
    expect(signals.find((s) => s.dialogueId === '10')?.likedItems).toEqual(['100']);
    expect(signals.find((s) => s.dialogueId === '45')?.likedItems).toEqual(['101']);
    expect(signals.find((s) => s.dialogueId === '30')).toEqual({ dialogueId: '30', items: ['100', '102'], likedItems: ['100'], source: 'text' });
    expect(signals.find((s) => s.dialogueId === 'text-pos-4')?.likedItems).toEqual(['101']);
    const note = ds.sources?.notes.find((n) => n.startsWith('train signals, text-only dialogues')) ?? '';
    expect(note).toContain('left out 1 valid and 0 test dialogues (by conversationId), 1 train dialogues read in raw form');
    expect(note).toContain('2 whose text copies a valid/test dialogue (50 (~20), pos 6 (~20))');
    // pos 1 sits between ids 10 and 20, where valid 15 (absent from the file) could be: left out by order.
    // pos 6 copies valid 20 by text. pos 4 is kept.
    expect(note).toContain('of the 3 records without a conversationId, 1 because a valid/test id missing from the file fits between their neighbours\' ids and 1 by text (1 kept)');
    // The wrong-shaped record is a file:line warning, the rest still loads.
    expect(ds.warnings.map((w) => `${w.file}:${w.line}`)).toEqual([`${join(root, REDIAL_FILES.trainText)}:8`]);
    expect(ds.warnings[0]?.message).toMatch(/"questions" and "answers" must be string arrays/);
    expect(() => loadRedial(root, { strict: true })).toThrowError(/train_qa_10006\.jsonl\.gz:8: "questions" and "answers"/);
  });

  it('counts popularity over raw and text-only train dialogues, never over valid or test', () => {
    const ds = loadRedial(writeSignalFixture(fresh()));
    expect(Object.fromEntries(trainItemCounts(ds))).toEqual({ '100': 3, '101': 2, '102': 1 });
    expect(Object.fromEntries(trainItemCounts(ds, 'liked'))).toEqual({ '100': 2, '101': 2 });
  });

  it('feeds the same counts to popularity, leaving a train sample\'s own dialogue out, never a valid/test one', () => {
    const ds = loadRedial(writeSignalFixture(fresh()));
    const popularity = TargetPopularity.of(ds);
    expect(popularity.source).toBe('train-portion mentions');
    // Valid 15/20, test 900 and the copies of valid 20 (40, text pos 2/5/6) all mention 100 or 101: any leak raises these.
    expect(Object.fromEntries(popularity.counts)).toEqual({ '100': 3, '101': 2, '102': 1 });
    expect(Object.fromEntries(trainCounts(ds))).toEqual({ '100': 3, '101': 2, '102': 1 });
    // Train dialogue 10 mentions 100: its own samples see 100 in the 2 other dialogues.
    const sample = ds.samples.train.find((s) => s.dialogueId === '10' && s.target === '100');
    expect(sample).toBeDefined();
    expect(popularity.count('100', '10')).toBe(2);
    for (const split of ['valid', 'test'] as const) {
      for (const s of ds.samples[split]) expect(popularity.count(s.target, s.dialogueId)).toBe(popularity.count(s.target));
    }
    // The loader's valid/test dialogues are refused if they ever reach the signals.
    const leaky = { ...ds, trainSignals: [...(ds.trainSignals ?? []), { dialogueId: '900', items: ['100'], likedItems: [], source: 'text' as const }] };
    expect(() => TargetPopularity.of(leaky)).toThrowError(/train signal 900 is a valid\/test dialogue/);
  });

  it('loads without the optional extra files, and says so', () => {
    const ds = loadRedial(writeRedialFixture(fresh()));
    expect(ds.sources?.train).toEqual([REDIAL_FILES.partialTrain]);
    expect(ds.trainSignals?.map((s) => s.dialogueId)).toEqual(['p1']);
    expect(ds.sources?.notes).toContain(`${REDIAL_FILES.extraTrain} is absent: train is the partial pool alone.`);
    expect(ds.sources?.notes).toContain(`${REDIAL_FILES.trainText} is absent: train signals cover the raw train dialogues only.`);
  });

  it('ignores the text-only file when the official train is present', () => {
    const root = writeSignalFixture(fresh());
    writeLines(root, 'redial/official/train_data.jsonl', [redialDialogue('10', [[1, 'Hello'], [2, 'Have you seen @100 ?']])]);
    const ds = loadRedial(root);
    expect(ds.sources?.trainSignals).toEqual(['redial/official/train_data.jsonl']);
    expect(ds.trainSignals?.map((s) => s.dialogueId)).toEqual(['10']);
  });
});

describe('likedTitlesOf', () => {
  it("takes the seeker's own answer when given, else the recommender's", () => {
    const context =
      "For Heat (1995) respondent like it initiator don't like it, For Up (2009) respondent like it, " +
      'For Crazy, Stupid, Love (2011) initiator like it, For Alien (1979), For Ronin (1998) initiator has no idea respondent like it, ';
    expect(likedTitlesOf(context)).toEqual(['Up (2009)', 'Crazy, Stupid, Love (2011)']);
    expect(likedTitlesOf('')).toEqual([]);
  });
});
