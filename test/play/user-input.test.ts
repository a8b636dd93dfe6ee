import { describe, it, expect } from 'vitest';
import { cleanLine, interpretLine, MAX_FEEDBACK_CHARS } from '../../src/play/user-input.js';

const LIST = [
  { id: 'a', title: 'Hustlers (2019)', aliases: ['Hustlers'] },
  { id: 'b', title: 'The Conjuring (2013)' },
  { id: 'c', title: 'Crazy, Stupid, Love (2011)' },
];

describe('interpretLine', () => {
  it('takes an item by its number, with or without # and a dot', () => {
    expect(interpretLine('2', LIST)).toEqual({ kind: 'accept', id: 'b', title: 'The Conjuring (2013)', position: 2 });
    expect(interpretLine(' #3. ', LIST)).toMatchObject({ kind: 'accept', id: 'c', position: 3 });
  });

  it('refuses a number that is not in the list instead of taking or sending it', () => {
    expect(interpretLine('0', LIST)).toMatchObject({ kind: 'invalid' });
    expect(interpretLine('4', LIST)).toEqual({ kind: 'invalid', message: 'There is no #4 in the list (1-3).' });
    expect(interpretLine('2019', LIST).kind).toBe('invalid');
    expect(interpretLine('1', []).kind).toBe('invalid');
  });

  it('takes an item by its title: exact, any case, without the year or the article', () => {
    expect(interpretLine('Hustlers (2019)', LIST)).toMatchObject({ kind: 'accept', id: 'a', position: 1 });
    expect(interpretLine('the conjuring', LIST)).toMatchObject({ kind: 'accept', id: 'b' });
    expect(interpretLine('"Crazy, Stupid, Love"', LIST)).toMatchObject({ kind: 'accept', id: 'c' });
  });

  it('reads a sentence that only mentions a title as feedback', () => {
    expect(interpretLine('I liked Hustlers but want something scarier', LIST)).toEqual({ kind: 'feedback', text: 'I liked Hustlers but want something scarier' });
  });

  it('quits on q (any case), asks for more on an empty or blank line', () => {
    for (const q of ['q', 'Q', ' quit ', 'exit']) expect(interpretLine(q, LIST)).toEqual({ kind: 'quit' });
    expect(interpretLine('', LIST)).toEqual({ kind: 'more' });
    expect(interpretLine(' \t ', LIST)).toEqual({ kind: 'more' });
  });

  it('cleans control characters and escape sequences and cuts very long feedback', () => {
    expect(cleanLine('\u001b[31mred\u001b[0m\u0000 and\tblue\r')).toBe('red and blue');
    expect(interpretLine('\u001b[A\u001b[A', LIST)).toEqual({ kind: 'more' });
    const long = interpretLine('scary '.repeat(400), LIST);
    expect(long.kind).toBe('feedback');
    if (long.kind === 'feedback') expect(long.text.length).toBe(MAX_FEEDBACK_CHARS);
  });

  it('never throws on odd input', () => {
    for (const s of ['\uFFFF', '#', '.', '   #  ', '-1', '1e3', '((', '\u0000'.repeat(10), '🙂', 'x'.repeat(100_000)]) {
      expect(() => interpretLine(s, LIST)).not.toThrow();
    }
  });
});

describe('formatExplanation', () => {
  it('shows the reasoning steps without tags, the preference alone when there are none, and names a silent baseline', async () => {
    const { formatExplanation } = await import('../../src/play/format.js');
    const withSteps = formatExplanation({ preference: 'P', reasoning: '<think>\nStep1: Preference Inference: P\nStep2: x\n</think>', agentLabel: 'neural', feedback: '' });
    expect(withSteps).toBe('  Step1: Preference Inference: P\n  Step2: x');
    expect(formatExplanation({ preference: 'The user prefers horror movies.', agentLabel: 'llm', feedback: '' })).toBe('  Preference: The user prefers horror movies.');
    const silent = formatExplanation({ agentLabel: 'bm25', feedback: 'scarier' });
    expect(silent).toContain('bm25 gives no reasoning');
    expect(silent).toContain('your last feedback');
  });
});
