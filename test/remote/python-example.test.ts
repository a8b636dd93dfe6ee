// examples/python/crs_gym_http_client.py (standard library only, HTTP endpoints) against a real server on the
// synthetic CrsEnv, when python3 is on PATH (skipped otherwise). Its returns must equal the same policy played
// in-process with the same seeds, so the example exercises the real protocol end to end.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { buildSyntheticEnv } from '../envs/setup-synthetic.js';
import { SYNTHETIC_ID, startServer } from './fixtures.js';

const script = fileURLToPath(new URL('../../examples/python/crs_gym_http_client.py', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;
/** Runs the script without blocking this thread (the server answers from it). */
function runScript(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ status: code, stdout, stderr });
    });
  });
}

const PREFERENCE = 'The user wants something close to the films they mentioned.';

/** The example's policy, in TypeScript. */
function choose(observation: CrsObservation): CrsAction {
  const shown = new Set(observation.previousList);
  const ordered = [...observation.candidates.filter((c) => !shown.has(c.id)), ...observation.candidates.filter((c) => shown.has(c.id))];
  const picked = ordered.slice(0, observation.listLength);
  if (observation.turn % 2 === 1) return { ranking: picked.map((c) => c.id), preference: PREFERENCE };
  const steps = [
    `Step1: Preference Inference: ${PREFERENCE}`,
    'Step2: Attribute Matching: compare genres and people with the dialogue.',
    "Step3: Scoring: keep the retriever's scores.",
    'Step4: Ranking: items not shown yet come first.',
    'Step5: Explanation: new items give the user something to react to.',
  ];
  return `<think>\n${steps.join('\n')}\n</think>\nRANK LIST: [${picked.map((c) => c.title).join(', ')}]`;
}

describe.runIf(hasPython)('the Python example client', () => {
  it('plays episodes over HTTP with the same returns as in-process', async () => {
    const server = await startServer(SYNTHETIC_ID);
    const run = await runScript(['--url', server.url, '--episodes', '4', '--seed', '10']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`server: ${SYNTHETIC_ID} (healthy`);
    expect(run.stdout).toMatch(/a misspelt action is refused: HTTP 422 VALIDATION_ERROR/);
    expect(run.stdout).toMatch(/round 2: text action/);
    const summary = JSON.parse(/^summary: (.*)$/m.exec(run.stdout)![1]!) as { returns: number[] };

    const env = await buildSyntheticEnv({ retriever: 'bm25' });
    const returns: number[] = [];
    for (let episode = 0; episode < 4; episode++) {
      let { observation } = await env.reset({ seed: 10 + episode });
      let total = 0;
      for (;;) {
        const r = await env.step(choose(observation));
        total += r.reward;
        if (r.terminated || r.truncated) break;
        observation = r.observation;
      }
      returns.push(total);
    }
    expect(summary.returns).toEqual(returns);
    expect(server.stats().active).toBe(0); // the script closed its session
  });

  it('reports an unreachable server in one line', async () => {
    const run = await runScript(['--url', 'http://127.0.0.1:9', '--episodes', '1']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});
