import { describe, expect, it } from 'vitest';
import { compareRunsSvg, lineChartSvg, roundsChartSvg, ROUND_AXIS_TITLE } from '../../src/eval/plots.js';
import type { EvalRun } from '../../src/eval/protocol.js';
import { summarizeRun } from '../../src/eval/subsets.js';
import type { SampleTrace } from '../../src/eval/protocol.js';

/** Tags open and close in order (a cheap well-formedness check; no XML parser in the dependencies). */
function checkBalancedXml(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      expect(stack.pop(), `closing </${name}>`).toBe(name);
    } else stack.push(name as string);
  }
  expect(stack).toEqual([]);
}

function trace(id: string, hits: boolean[], inContext = false): SampleTrace {
  return {
    sampleId: id,
    target: 't',
    targetInContext: inContext,
    acceptedRound: hits.indexOf(true) + 1,
    rounds: hits.map((hit, i) => ({ round: i + 1, ranking: hit ? ['t', 'x'] : ['x'], candidates: ['y', 't'], rewards: { hit: hit ? 1 : 0 }, accepted: hit })),
  };
}

function fakeRun(agent: string, traces: SampleTrace[]): EvalRun {
  return { agent, seed: 1, protocol: 'default', samples: traces, ...summarizeRun(traces, 5, 1) };
}

const runA = fakeRun('agent-a', [trace('1', [false, true, true, true, true]), trace('2', [false, false, false, true, true]), trace('3', [false, false, false, false, false], true)]);
const runB = fakeRun('agent-b', [trace('1', [false, false, true, true, true]), trace('2', [false, false, false, false, false]), trace('3', [true, true, true, true, true], true)]);

describe('plots', () => {
  it('draws the Figure 4 chart: two panels, axis titles, legend entries, last-round labels', async () => {
    const svg = await roundsChartSvg(runA);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    checkBalancedXml(svg);
    for (const text of [ROUND_AXIS_TITLE, 'Mean over samples (0–1)', 'Recall@10', 'NDCG@10', 'Recall@20', 'NDCG@20', 'Recommender', 'Retriever', 'agent-a']) {
      expect(svg).toContain(text);
    }
    // Value label at the last round: recall@10 at round 5 is 2/3.
    expect(svg).toContain('>0.667<');
    // Four series drawn as lines.
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(4);
  });

  it('compares runs by round with a dashed reference line', async () => {
    const svg = await compareRunsSvg(
      [{ label: 'Run A', run: runA }, { label: 'Run B', run: runB }],
      { reference: [{ name: 'SMTPO (paper)', values: [0.161, 0.21, 0.256, 0.266, 0.273] }] },
    );
    checkBalancedXml(svg);
    for (const text of ['Recall@10 by round', 'Run A', 'Run B', 'SMTPO (paper)', 'reported in the paper', ROUND_AXIS_TITLE]) expect(svg).toContain(text);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>0.273<');
  });

  it('rejects unplottable input with a clear error', async () => {
    await expect(lineChartSvg([{ title: 'p', series: [] }], { title: 't', yTitle: 'y' })).rejects.toThrow(/no series/);
    await expect(lineChartSvg([{ title: 'p', series: [{ name: 'a', values: [1] }, { name: 'a', values: [2] }] }], { title: 't', yTitle: 'y' })).rejects.toThrow(/used twice/);
    await expect(lineChartSvg([{ title: 'p', series: [{ name: 'a', values: [Number.NaN] }] }], { title: 't', yTitle: 'y' })).rejects.toThrow(/not a finite number/);
  });

  it('escapes markup in names', async () => {
    const svg = await lineChartSvg([{ title: 'p', series: [{ name: 'a<b>&c', values: [0.1, 0.2] }] }], { title: 'T <x>', yTitle: 'y' });
    checkBalancedXml(svg);
    expect(svg).toContain('a&lt;b&gt;&amp;c');
  });
});
