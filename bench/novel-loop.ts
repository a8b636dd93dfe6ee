// The novel-episode loop of `npm run bench env` on its own, for comparing two checkouts under the same load:
// run it from both at the same time (each is one thread), and compare CPU ms per step. Each timed episode starts on
// a train sample not played before in the process (bench/novel-env.ts), after 300 untimed warm-up episodes on
// valid and test samples.
//
//   npx tsx bench/novel-loop.ts [CHECKOUT] [DATASET]     (CHECKOUT defaults to this one, DATASET to inspired)
//
// Environment: CRS_GYM_ARTIFACTS / CRS_GYM_EMBEDDINGS as for the bench; NOVEL_LOOP_EPISODES (default 1,500);
// NOVEL_LOOP_OPTIONS (JSON make options, e.g. the components a reproduction profile trained);
// NOVEL_LOOP_PROFILE=FILE writes a V8 CPU profile of the timed part (open it in Chrome DevTools).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Env } from '../src/core/env.js';
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';
import { BENCH_DATASETS, type BenchDataset } from './novel-env.js';

const root = resolve(process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..'));
/** A usage error: one line on stderr, exit 2, before anything loads. */
function refuse(message: string): never {
  process.stderr.write(`novel-loop: ${message}\n`);
  process.exit(2);
}
const dataset = (process.argv[3] ?? 'inspired') as BenchDataset;
if (!BENCH_DATASETS.includes(dataset)) refuse(`unknown dataset '${dataset}' (one of ${BENCH_DATASETS.join(', ')})`);
const episodes = Number(process.env.NOVEL_LOOP_EPISODES ?? 1500);
if (!Number.isInteger(episodes) || episodes < 1) refuse(`NOVEL_LOOP_EPISODES must be a positive integer, got '${process.env.NOVEL_LOOP_EPISODES}'`);
let parsed: unknown;
try {
  parsed = JSON.parse(process.env.NOVEL_LOOP_OPTIONS ?? '{}');
} catch (err) {
  refuse(`NOVEL_LOOP_OPTIONS is not JSON: ${(err as Error).message}`);
}
if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) refuse('NOVEL_LOOP_OPTIONS must be a JSON object of make options');
const options = { ...(parsed as Record<string, unknown>), loadOnly: true };

// The checkout's own modules, so two checkouts can be compared from one script.
const novel = (await import(pathToFileURL(`${root}/bench/novel-env.ts`).href)) as typeof import('./novel-env.js');
const { scriptedAgent } = (await import(pathToFileURL(`${root}/bench/scripted-agent.ts`).href)) as typeof import('./scripted-agent.js');

const corpus = await novel.corpusOnlyCache(dataset, options);
const embeddingsDir = novel.copyOfCache(corpus, dataset);
const env: Env<CrsObservation, CrsAction> = await novel.createEnv({ dataset, options, embeddingsDir, copies: 1, seed: 0, split: 'train', warmupSplits: ['valid', 'test'] });

async function play(count: number, phase: 'warmup' | 'timed'): Promise<{ steps: number; repeats: number }> {
  let steps = 0;
  let repeats = 0;
  for (let e = 0; e < count; e++) {
    const start = await env.reset({ seed: e, options: { phase } });
    if (novel.isRepeat(start.info)) repeats++;
    let observation = start.observation;
    for (;;) {
      const r = await env.step(scriptedAgent(observation));
      steps++;
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
  }
  return { steps, repeats };
}

try {
  await play(300, 'warmup');
  const profileFile = process.env.NOVEL_LOOP_PROFILE;
  const session = new Session();
  session.connect();
  if (profileFile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { steps, repeats } = await play(episodes, 'timed');
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
  session.disconnect();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${dataset} novel loop (${root}): ${steps} steps in ${episodes} episodes (${repeats} repeated samples): ${((steps / ms) * 1000).toFixed(0)} steps/s, ${(cpuMs / steps).toFixed(3)} CPU ms/step`);
} finally {
  await env.close();
  novel.removeDir(embeddingsDir);
  novel.removeDir(corpus);
}
