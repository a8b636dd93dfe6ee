import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countThinkSteps, formatRankList, parseAction, TitleMatcher, normalizeTitle } from '../../envs/action.js';

const candidates = [
  { id: '1', title: 'Joker (2019)' },
  { id: '2', title: 'Crazy, Stupid, Love (2011)' },
  { id: '3', title: 'The Avengers (2012)', aliases: ['Avengers Assemble'] },
  { id: '4', title: 'Amélie (2001)' },
];

const fiveSteps =
  '<think>Step1: Preference Inference. Dark crime. Step2: Attribute Matching. Joker. Step3: Scoring. 0.9. Step4: Ranking. Joker first. Step5: Explanation. Fits.</think>';

describe('parseAction (text)', () => {
  it('reads five steps and a rank list with titles containing commas', () => {
    const parsed = parseAction(`${fiveSteps}\n${formatRankList(['Joker (2019)', 'Crazy, Stupid, Love (2011)'])}`, candidates);
    expect(parsed.kind).toBe('text');
    expect(parsed.thinkSteps).toBe(5);
    expect(parsed.ranking).toEqual(['1', '2']);
    expect(parsed.answerWellFormed).toBe(true);
    expect(parsed.preference).toContain('Dark crime');
    expect(parsed.problems).toEqual([]);
  });

  it('matches normalized titles, aliases and titles without year', () => {
    const parsed = parseAction(`${fiveSteps} RANK LIST: [avengers assemble, "amelie", JOKER]`, candidates);
    expect(parsed.ranking).toEqual(['3', '4', '1']);
  });

  it('drops titles that are not candidates and duplicates, and reports them', () => {
    const parsed = parseAction(`${fiveSteps} RANK LIST: [Titanic (1997), Joker (2019), Joker (2019)]`, candidates);
    expect(parsed.ranking).toEqual(['1']);
    expect(parsed.dropped.some((d) => d.includes('Titanic'))).toBe(true);
    expect(parsed.dropped.some((d) => d.startsWith('duplicate'))).toBe(true);
  });

  it('gives no answer format without RANK LIST and no steps without <think>', () => {
    const parsed = parseAction('I think you will like Joker', candidates);
    expect(parsed.answerWellFormed).toBe(false);
    expect(parsed.thinkSteps).toBe(0);
    expect(parsed.ranking).toEqual([]);
    expect(parsed.problems.length).toBeGreaterThan(0);
  });

  it('counts only markers inside the think block', () => {
    expect(countThinkSteps('Step1: a <think>Step 1: x Step 2. y</think> Step3: z')).toBe(2);
    expect(countThinkSteps('no block Step1: x')).toBe(0);
  });

  it('cuts the list to the maximum length', () => {
    const many = Array.from({ length: 15 }, (_, i) => ({ id: `m${i}`, title: `Movie ${i}` }));
    const parsed = parseAction(`RANK LIST: [${many.map((m) => m.title).join(', ')}]`, many, 10);
    expect(parsed.ranking).toHaveLength(10);
    expect(parsed.dropped).toHaveLength(5);
  });
});

describe('parseAction (structured)', () => {
  it('keeps candidate ids and reports the rest', () => {
    const parsed = parseAction({ ranking: ['2', 'zzz', '2', 1, Number.NaN, null, { x: 1 }], preference: 'comedy' }, candidates);
    expect(parsed.ranking).toEqual(['2', '1']);
    expect(parsed.dropped).toHaveLength(5);
    expect(parsed.answerWellFormed).toBe(false);
    expect(parsed.preference).toBe('comedy');
  });

  it('treats a clean list as well formed and plain step text as reasoning', () => {
    const parsed = parseAction({ ranking: ['1', '3'], reasoning: 'Step1: a Step2: b Step3: c' }, candidates);
    expect(parsed.answerWellFormed).toBe(true);
    expect(parsed.thinkSteps).toBe(3);
  });

  it('reports wrong types instead of throwing', () => {
    for (const bad of [undefined, null, 42, [], { ranking: 'Joker' }, { ranking: [] }, { ranking: ['1'], preference: 3 }]) {
      const parsed = parseAction(bad, candidates);
      expect(parsed.problems.length).toBeGreaterThan(0);
    }
  });
});

describe('parseAction never throws and only returns candidates', () => {
  const ids = new Set(candidates.map((c) => c.id));
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 100 }), (prefix, inner) => {
        const parsed = parseAction(`${prefix}<think>${prefix}</think>RANK LIST: [${inner}]`, candidates);
        expect(parsed.ranking.every((id) => ids.has(id))).toBe(true);
        expect(new Set(parsed.ranking).size).toBe(parsed.ranking.length);
        expect(parsed.ranking.length).toBeLessThanOrEqual(10);
      }),
      { numRuns: 300 },
    );
  });
  it('on arbitrary structured values', () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constantFrom('1', '2', '3'))), (any, list) => {
        for (const action of [any, { ranking: list }, { ranking: any, preference: any }]) {
          const parsed = parseAction(action, candidates);
          expect(parsed.ranking.every((id) => ids.has(id))).toBe(true);
          expect(new Set(parsed.ranking).size).toBe(parsed.ranking.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('TitleMatcher', () => {
  it('never lets an alias take over another candidate\'s exact title', () => {
    const m = new TitleMatcher([
      { id: 'ep', title: 'What Lies Beneath (The Vampire Diaries)', aliases: ['What Lies Beneath (2000)'] },
      { id: 'film', title: 'What Lies Beneath (2000)' },
    ]);
    expect(m.match('What Lies Beneath (2000)')).toBe('film');
    expect(m.match('What Lies Beneath (The Vampire Diaries)')).toBe('ep');
  });

  it('prefers exact matches and normalizes case, accents and articles', () => {
    const m = new TitleMatcher(candidates);
    expect(m.match('Joker (2019)')).toBe('1');
    expect(m.match('  the avengers (2012) ')).toBe('3');
    expect(m.match('Amelie')).toBe('4');
    expect(m.match('Titanic')).toBeUndefined();
    expect(normalizeTitle('The Lord of the Rings: The Return & More')).toBe('lord of the rings the return and more');
  });
});
