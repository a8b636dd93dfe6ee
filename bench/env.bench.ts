// CrsEnv steps per second with the trained components (dual-view retriever, multi-task simulator), warm:
// every seed is played once to fill the embedding cache and the memos, then the same seeds are played again
// and timed. Single-threaded (one env in this thread) and on worker threads (AsyncVectorEnv with
// envs/register.ts as the setup module, so observations travel through CrsEnv's compact codec).
//
// Where the time goes (ms per step, single-threaded): the phases in info.timings (simulator, retriever,
// reward incl. parsing), resets (with round 1's retrieval, reused when a sample comes back), the agent, and the
// rest of env.step (observation building); then what an agent or a worker pays on top when it asks for it:
// rendering the prompt (lazy: only when read), structured-cloning a whole observation, encoding and decoding it
// compactly. For the worker runs: the main thread's busy time per step (event-loop utilization: dispatch,
// decoding, the agent) and its CPU time (Linux), the workers' CPU per step, and the CPU time of both.
//
// Speed-ups are given against the same copies stepped in this thread (SyncVectorEnv, same seeds and agent, so
// the same episodes and the same work) and against the single-episode loop. Worker runs, their in-thread twins
// and single-threaded passes alternate (pass 1 of each, pass 2 of each, ...) and the fastest pass of each counts,
// so that other work on a shared machine slows both sides of a speed-up ratio alike.
// Targets (issue #5): >= 2,000 steps/s single-threaded on INSPIRED, >= 1.6x that with 2 workers.
// Needs artifacts/<dataset>/ trained beforehand (make('CrsEnv/<dataset>-v0') without loadOnly trains them);
// the bench never trains: a dataset without artifacts gets a note and no figures.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import type { CrsAction } from '../envs/action.js';
import type { CrsEnv } from '../envs/crs-env.js';
import { CrsObservationCodec } from '../envs/observation-codec.js';
import { renderRecommenderPrompt } from '../envs/prompt.js';
import { createEnv, makeCrsEnv, sharedDataset } from '../envs/register.js';
import type { CrsObservation } from '../envs/types.js';
import { AsyncVectorEnv } from '../src/core/async-vector.js';
import { SyncVectorEnv, type VectorEnv } from '../src/core/vector.js';
import type { Info } from '../src/core/env.js';
import { scriptedAgent } from './scripted-agent.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultArtifactsRoot } from '../envs/components.js';
import { runEvaluation } from '../src/pipeline/run-eval.js';
import { CRS_SETUP_MODULE, createPolicy } from '../src/pipeline/crs-setup.js';
import { createRunner } from '../src/learners/runner.js';
import { rolloutSpecs } from '../src/learners/rl.js';
import type { SetupSpec } from '../src/learners/setup.js';
import { BENCH_DATASETS, copyOfCache, corpusOnlyCache, createEnv as createNovelEnv, isRepeat, removeDir, type BenchDataset, type NovelArgs } from './novel-env.js';
import { errorMessage } from '../src/core/errors.js';

type Figures = Record<string, number | string>;
type DatasetName = BenchDataset;

/** INSPIRED and ReDial, or those named in CRS_GYM_BENCH_DATASETS (comma-separated; opendialkg too). */
const DATASETS: readonly DatasetName[] = (process.env.CRS_GYM_BENCH_DATASETS ?? 'inspired,redial')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is DatasetName => (BENCH_DATASETS as readonly string[]).includes(s));
/** Episodes of the single-threaded run (played once to warm up, then TIMED_PASSES times). */
const EPISODES = Number(process.env.CRS_GYM_BENCH_EPISODES ?? 300);
/** Env steps of each worker-run pass (numEnvs per vector step; after the warm-up, played TIMED_PASSES times). */
const VECTOR_ENV_STEPS = Number(process.env.CRS_GYM_BENCH_VECTOR_STEPS ?? 2400);
/**
 * Untimed env steps each worker plays first: fresh worker threads start with cold JIT code, and V8 keeps
 * optimizing it (on background threads that compete for the same two cores) for about the first 15,000 steps of
 * each worker; INSPIRED's 2 x 64 pipelined run climbs from ~4,200 to ~7,000 steps/s over that stretch. One
 * warm-up pass left the timed ones measuring this (1.07x), four passes most of it (1.3-1.4x). The in-thread twin
 * runs in this long-warm thread and gets two warm-up passes (its memos fill in the first).
 */
const VECTOR_WARMUP_STEPS = Number(process.env.CRS_GYM_BENCH_VECTOR_WARMUP_STEPS ?? 16_000);
/** Timed passes over the same seeds; the fastest counts (the machine may be shared with other work). */
const TIMED_PASSES = Number(process.env.CRS_GYM_BENCH_PASSES ?? 3);
/**
 * Workers x env copies, lock-step (`2x32`: AsyncVectorEnv.step) or pipelined with batches of B copies (`2x64p16`:
 * asyncReset/send/recv). 1 x 1 shows the cost of running on a worker (messages, decoding) without parallelism.
 * Lock-step: more copies per worker even out the wait for the slower worker (a step's cost varies a lot: the
 * last step of an episode asks neither the simulator nor the retriever), but both workers still idle while this
 * thread decodes and picks actions. Pipelined: a batch's next actions go out while the other batches run.
 */
const WORKER_RUNS = parseRuns(process.env.CRS_GYM_BENCH_WORKER_RUNS ?? '1x1,2x8,2x32,2x64,2x32p8,2x64p16');

/** `2x32,2x64p16` -> worker runs (workers x copies, `pN` = pipelined in batches of N); malformed entries are dropped. */
function parseRuns(spec: string): Array<{ workers: number; numEnvs: number; batchSize: number | undefined }> {
  return spec
    .split(',')
    .map((r) => /^(\d+)x(\d+)(?:p(\d+))?$/.exec(r.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ workers: Number(m[1]), numEnvs: Number(m[2]), batchSize: m[3] === undefined ? undefined : Number(m[3]) }))
    .filter(({ workers, numEnvs, batchSize }) => workers >= 1 && numEnvs >= workers && (batchSize === undefined || batchSize >= 1));
}
const TARGET_SINGLE = 2000;
const TARGET_SPEEDUP = 1.6;
/** make options: loadOnly, plus CRS_GYM_BENCH_OPTIONS (JSON), e.g. components matching older artifacts. */
const ENV_OPTIONS: Record<string, unknown> = { ...(JSON.parse(process.env.CRS_GYM_BENCH_OPTIONS ?? '{}') as Record<string, unknown>), loadOnly: true };

interface Timings {
  steps: number;
  simulatorMs: number;
  retrieverMs: number;
  rewardMs: number;
}

function addTimings(acc: Timings, info: Info): void {
  const t = info.timings as { simulatorMs?: number; retrieverMs?: number; rewardMs?: number } | undefined;
  acc.steps++;
  acc.simulatorMs += t?.simulatorMs ?? 0;
  acc.retrieverMs += t?.retrieverMs ?? 0;
  acc.rewardMs += t?.rewardMs ?? 0;
}

function emptyTimings(): Timings {
  return { steps: 0, simulatorMs: 0, retrieverMs: 0, rewardMs: 0 };
}

interface SinglePass {
  steps: number;
  ms: number;
  cpuMs: number;
  agentMs: number;
  resetMs: number;
  /** Round 1's retrieval inside the resets (info.timings.retrieverMs of reset). */
  resetRetrieverMs: number;
  timings: Timings;
  observations: CrsObservation[];
}

async function playSingle(env: CrsEnv, seeds: readonly number[], keep: boolean): Promise<SinglePass> {
  const timings = emptyTimings();
  const observations: CrsObservation[] = [];
  let steps = 0;
  let agentMs = 0;
  let resetMs = 0;
  let resetRetrieverMs = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const seed of seeds) {
    const r0 = performance.now();
    const start = await env.reset({ seed });
    resetMs += performance.now() - r0;
    resetRetrieverMs += (start.info.timings as { retrieverMs?: number } | undefined)?.retrieverMs ?? 0;
    let observation = start.observation;
    for (;;) {
      const a0 = performance.now();
      const action = scriptedAgent(observation);
      agentMs += performance.now() - a0;
      const r = await env.step(action);
      steps++;
      addTimings(timings, r.info);
      if (keep && observations.length < 500) observations.push(observation);
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { steps, ms, cpuMs: (cpu.user + cpu.system) / 1000, agentMs, resetMs, resetRetrieverMs, timings, observations };
}

/** Mean ms per observation of `f` over the observations. */
function meanMs(observations: readonly CrsObservation[], f: (o: CrsObservation) => void): number {
  if (observations.length === 0) return 0;
  const t0 = performance.now();
  for (const o of observations) f(o);
  return (performance.now() - t0) / observations.length;
}

/** What a worker sends for an observation: whole (structured clone) and through CrsEnv's codec, in ms and bytes. */
function wireFigures(observations: readonly CrsObservation[]): Figures {
  if (observations.length === 0) return {};
  // Warm codecs (the worker's and the main thread's), as in a long run: details already sent.
  const worker = new CrsObservationCodec();
  const main = new CrsObservationCodec();
  for (const o of observations) main.decode(structuredClone(worker.encode(o)));
  let compactBytes = 0;
  let wholeBytes = 0;
  for (const o of observations) {
    const wire = worker.encode(o);
    compactBytes += serialize(wire).length;
    main.decode(structuredClone(wire));
    wholeBytes += serialize(structuredClone(o)).length;
  }
  // Round trips again for timing (the tables stay in step: each encode is decoded once, in order).
  const codecMs = meanMs(observations, (o) => main.decode(structuredClone(worker.encode(o))));
  const wholeMs = meanMs(observations, (o) => structuredClone(o));
  return {
    'observation whole: structured-clone ms (each)': wholeMs,
    'observation whole: KB': wholeBytes / observations.length / 1024,
    'observation compact: encode+clone+decode ms (each)': codecMs,
    'observation compact: KB (warm)': compactBytes / observations.length / 1024,
  };
}

interface VectorPass {
  steps: number;
  ms: number;
  cpuMs: number;
  /** Main-thread busy time (event loop active): dispatch, decoding, the agent. */
  mainMs: number;
  /** Main-thread CPU time (Linux: /proc/thread-self/schedstat), when known. */
  mainCpuMs: number | undefined;
  timings: Timings;
}

/** CPU time of this thread in ms (Linux), or undefined. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Times `play` (which returns the env steps it played) with the wall, process, main-thread and event-loop clocks. */
async function measured(play: (timings: Timings) => Promise<number>): Promise<VectorPass> {
  const timings = emptyTimings();
  const m0 = threadCpuMs();
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const steps = await play(timings);
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(e0);
  const cpu = process.cpuUsage(c0);
  const m1 = threadCpuMs();
  const mainCpuMs = m0 !== undefined && m1 !== undefined ? m1 - m0 : undefined;
  return { steps, ms, cpuMs: (cpu.user + cpu.system) / 1000, mainMs: elu.active, mainCpuMs, timings };
}

/** The better of two passes by `cost` per step (wall ms or CPU ms); `a` when there is no `b` yet. */
function better(a: VectorPass, b: VectorPass | undefined, cost: 'ms' | 'cpuMs'): VectorPass {
  return b === undefined || a[cost] / a.steps < b[cost] / b.steps ? a : b;
}

function playVector(vec: VectorEnv<CrsObservation, CrsAction>, steps: number, seed: number): Promise<VectorPass> {
  return measured(async (timings) => {
    let { observations } = await vec.reset({ seed });
    for (let t = 0; t < steps; t++) {
      const r = await vec.step(observations.map(scriptedAgent));
      for (const info of r.infos) addTimings(timings, (info.finalInfo as Info | undefined) ?? info);
      observations = r.observations;
    }
    return steps * vec.numEnvs;
  });
}

/** Pipelined: each batch's actions go out as soon as it comes back, until `steps` env steps are sent; then drains. */
function playPipelined(
  vec: AsyncVectorEnv<CrsObservation, CrsAction>,
  steps: number,
  seed: number,
  options?: Record<string, unknown>,
  onInfo?: (info: Info) => void,
): Promise<VectorPass> {
  return measured(async (timings) => {
    await vec.asyncReset({ seed, ...(options ? { options } : {}) });
    let running = vec.numEnvs;
    let sent = 0;
    let stepped = 0;
    // A copy's first batch holds its reset; every later one, a step.
    const started = new Uint8Array(vec.numEnvs);
    while (running > 0) {
      const b = await vec.recv();
      running -= b.envIds.length;
      b.envIds.forEach((i, k) => {
        if (started[i] === 0) started[i] = 1;
        else {
          stepped++;
          const info = b.infos[k] as Info;
          onInfo?.(info);
          addTimings(timings, (info.finalInfo as Info | undefined) ?? info);
        }
      });
      if (sent >= steps) continue;
      vec.send(b.observations.map(scriptedAgent), b.envIds);
      sent += b.envIds.length;
      running += b.envIds.length;
    }
    return stepped;
  });
}

/**
 * What the vector machinery costs per step, without the env's own work: recorded CrsEnv steps replayed
 * (bench/replay-env.ts) on 2 workers x 64 copies, pipelined in batches of 16, against the same replays in this
 * thread. The difference is what a real step pays on top for crossing threads (messages, copies, the codec).
 */
async function machineryFigures(name: DatasetName, figures: Figures): Promise<void> {
  const args = { dataset: name, options: { ...ENV_OPTIONS }, episodes: 200 };
  const numEnvs = 64;
  const steps = 4 * VECTOR_ENV_STEPS;
  const replayModule = new URL('./replay-env.ts', import.meta.url).href;
  const { createEnv: createReplay } = (await import(replayModule)) as typeof import('./replay-env.js');
  const vec = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule: replayModule, args, numEnvs, workers: 2, batchSize: 16 });
  const sync = new SyncVectorEnv<CrsObservation, CrsAction>(await Promise.all(Array.from({ length: numEnvs }, (_, i) => createReplay(args, i))));
  try {
    await vec.reset({ seed: 0 });
    let best: VectorPass | undefined;
    let bestInThread: VectorPass | undefined;
    const warmupPasses = Math.ceil((VECTOR_WARMUP_STEPS * 2) / steps);
    for (let r = 0; r < warmupPasses + TIMED_PASSES; r++) {
      const pass = await playPipelined(vec, steps, 0);
      const inThread = await playVector(sync, steps / numEnvs, 0);
      if (r < warmupPasses) continue;
      best = better(pass, best, 'cpuMs');
      bestInThread = better(inThread, bestInThread, 'cpuMs');
    }
    const b = best as VectorPass;
    const label = `${name} vector machinery (replayed steps, 2 workers x 64 envs, batches of 16)`;
    figures[`${label}: CPU us/step`] = (b.cpuMs / b.steps) * 1000;
    if (b.mainCpuMs !== undefined) figures[`${label}: main thread CPU us/step`] = (b.mainCpuMs / b.steps) * 1000;
    figures[`${label}: same replays in 1 thread, CPU us/step`] = ((bestInThread as VectorPass).cpuMs / (bestInThread as VectorPass).steps) * 1000;
  } finally {
    await vec.close();
    await sync.close();
  }
}

function perStep(figures: Figures, prefix: string, t: Timings): void {
  const n = Math.max(1, t.steps);
  figures[`${prefix} simulator ms/step`] = t.simulatorMs / n;
  figures[`${prefix} retriever ms/step`] = t.retrieverMs / n;
  figures[`${prefix} reward+parse ms/step`] = t.rewardMs / n;
}

/** Novel episodes of the single-thread run (each on a train sample not played before; after an untimed JIT warm-up). */
const NOVEL_EPISODES = Number(process.env.CRS_GYM_BENCH_NOVEL_EPISODES ?? 1000);
/** The novel worker runs (workers x copies, pipelined in batches of N with `pN`); empty = none. */
const NOVEL_WORKER_RUNS = parseRuns(process.env.CRS_GYM_BENCH_NOVEL_WORKER_RUNS ?? '2x32p8');
/** Untimed env steps per worker (on valid and test samples) before a novel worker run is timed. */
const NOVEL_WARMUP_STEPS = Number(process.env.CRS_GYM_BENCH_NOVEL_WARMUP_STEPS ?? 4000);

interface NovelPass extends VectorPass {
  episodes: number;
  repeats: number;
}

/** One thread: `episodes` episodes, each on a sample of `env`'s timed list (never one played before). */
async function playNovelSingle(env: Awaited<ReturnType<typeof createNovelEnv>>, episodes: number, phase: 'warmup' | 'timed'): Promise<NovelPass> {
  let repeats = 0;
  const pass = await measured(async (timings) => {
    let steps = 0;
    for (let e = 0; e < episodes; e++) {
      const start = await env.reset({ seed: e, options: { phase } });
      if (isRepeat(start.info)) repeats++;
      let observation = start.observation;
      for (;;) {
        const r = await env.step(scriptedAgent(observation));
        steps++;
        addTimings(timings, r.info);
        if (r.terminated || r.truncated) break;
        observation = r.observation;
      }
    }
    return steps;
  });
  return { ...pass, episodes, repeats };
}

function novelRow(figures: Figures, label: string, p: VectorPass, extra: Figures = {}): void {
  figures[`${label}: steps/s`] = p.steps / (p.ms / 1000);
  figures[`${label}: CPU ms/step (all threads)`] = p.cpuMs / p.steps;
  figures[`${label}: cores used`] = p.cpuMs / p.ms;
  perStep(figures, `${label}:`, p.timings);
  Object.assign(figures, Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${label}: ${k}`, v])));
}

/**
 * Novel-episode figures (bench/novel-env.ts): what GRPO rollouts and evaluations meet. Each timed episode starts on
 * a train sample not played before in its thread, with an embedding cache that holds only the corpus texts
 * training leaves there (contexts, item texts, reference preferences), so every feedback text is encoded.
 */
async function novelFigures(name: DatasetName, figures: Figures): Promise<void> {
  const corpus = await corpusOnlyCache(name, ENV_OPTIONS);
  const runDirs: string[] = [];
  try {
    const args = (copies: number): NovelArgs => {
      const embeddingsDir = copyOfCache(corpus, name);
      runDirs.push(embeddingsDir);
      return { dataset: name, options: { ...ENV_OPTIONS }, embeddingsDir, copies, seed: 0, split: 'train', warmupSplits: ['valid', 'test'] };
    };
    const env = await createNovelEnv(args(1));
    const trainSamples = sharedDataset(name).samples.train.length;
    await playNovelSingle(env, Math.min(200, NOVEL_EPISODES), 'warmup');
    const single = await playNovelSingle(env, Math.min(NOVEL_EPISODES, trainSamples), 'timed');
    await env.close();
    const label = `${name} NOVEL 1 thread`;
    novelRow(figures, label, single, { episodes: single.episodes, 'episodes/s': single.episodes / (single.ms / 1000), 'repeated samples': single.repeats });
    const singleRate = single.steps / (single.ms / 1000);
    const stepsPerEpisode = single.steps / single.episodes;
    for (const { workers, numEnvs, batchSize } of NOVEL_WORKER_RUNS) {
      const runLabel = `${name} NOVEL ${workers} workers x ${numEnvs} envs${batchSize === undefined ? ', lock-step' : `, pipelined batches of ${batchSize}`}`;
      const vec = new AsyncVectorEnv<CrsObservation, CrsAction>({
        setupModule: new URL('./novel-env.ts', import.meta.url).href,
        args: args(numEnvs),
        numEnvs,
        workers,
        batchSize: batchSize ?? numEnvs,
      });
      try {
        await playPipelined(vec, NOVEL_WARMUP_STEPS * workers, 0, { phase: 'warmup' });
        // Fewer steps than the timed lists hold, so no copy runs out of new samples.
        const steps = Math.floor(0.8 * trainSamples * stepsPerEpisode);
        let repeats = 0;
        const pass = await playPipelined(vec, steps, 0, { phase: 'timed' }, (info) => {
          if (isRepeat(info)) repeats++;
        });
        const rate = pass.steps / (pass.ms / 1000);
        novelRow(figures, runLabel, pass, {
          'speedup vs NOVEL 1 thread': rate / singleRate,
          'speedup vs NOVEL 1 thread, by CPU per step': single.cpuMs / single.steps / (pass.cpuMs / pass.steps),
          'repeated samples': repeats,
        });
      } finally {
        await vec.close();
      }
    }
    await evalAndRolloutFigures(name, args, figures);
  } finally {
    removeDir(corpus);
    for (const dir of runDirs) removeDir(dir);
  }
}

/** Runs `fn` with CRS_GYM_EMBEDDINGS set to `dir` (components and rollout workers made meanwhile read that cache). */
async function withEmbeddings<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.CRS_GYM_EMBEDDINGS;
  process.env.CRS_GYM_EMBEDDINGS = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
    else process.env.CRS_GYM_EMBEDDINGS = saved;
  }
}

/**
 * Novel work as the pipeline does it: `crs-gym eval`'s evaluation (retriever order, test split, in this thread) and
 * GRPO-style rollouts (an untrained neural policy, 4 generations per train sample, in this thread and on 2 workers),
 * each with a fresh copy of the corpus-only cache and its own components (an explicit artifacts folder).
 */
async function evalAndRolloutFigures(name: DatasetName, args: (copies: number) => NovelArgs, figures: Figures): Promise<void> {
  const components = (ENV_OPTIONS.components as Record<string, unknown> | undefined) ?? {};
  const artifactsDir = (ENV_OPTIONS.artifactsDir as string | undefined) ?? defaultArtifactsRoot();
  const evalLimit = Number(process.env.CRS_GYM_BENCH_EVAL_SAMPLES ?? 500);
  const out = mkdtempSync(join(tmpdir(), 'crs-gym-bench-eval-'));
  try {
    const pass = await withEmbeddings(args(1).embeddingsDir, () =>
      measured(async () => {
        const run = await runEvaluation({ dataset: name, split: 'test', agent: 'retriever', rounds: 5, seed: 0, out, artifactsDir, envOptions: { components }, limit: evalLimit });
        return run.samples.length;
      }),
    );
    figures[`${name} NOVEL evaluation (crs-gym eval, retriever order, test, 1 thread): samples/s`] = pass.steps / (pass.ms / 1000);
    figures[`${name} NOVEL evaluation: CPU ms/sample`] = pass.cpuMs / pass.steps;
    figures[`${name} NOVEL evaluation: samples`] = pass.steps;
  } finally {
    removeDir(out);
  }
  const train = sharedDataset(name).samples.train.map((s) => s.id);
  const rolloutSamples = Number(process.env.CRS_GYM_BENCH_ROLLOUT_SAMPLES ?? 64);
  for (const workers of [0, 2]) {
    const setup: SetupSpec = { module: CRS_SETUP_MODULE, args: { dataset: name, artifactsDir, envOptions: { components }, policy: {} } };
    await withEmbeddings(args(1).embeddingsDir, async () => {
      const runner = await createRunner({ setup, workers });
      try {
        await runner.setWeights((await createPolicy(setup.args)).getWeights());
        // Warm-up on other samples (worker start-up and first compilation), then novel samples, 4 rollouts each.
        await runner.run(rolloutSpecs(0, 0, train.slice(-8), 2));
        const offset = workers === 0 ? 0 : rolloutSamples;
        const pass = await measured(async () => {
          const episodes = await runner.run(rolloutSpecs(0, 1, train.slice(offset, offset + rolloutSamples), 4));
          return episodes.reduce((n, e) => n + e.steps.length, 0);
        });
        const label = `${name} NOVEL GRPO rollouts (untrained neural policy, G=4, ${rolloutSamples} samples), ${workers === 0 ? 'main thread' : `${workers} workers`}`;
        figures[`${label}: steps/s`] = pass.steps / (pass.ms / 1000);
        figures[`${label}: CPU ms/step (all threads)`] = pass.cpuMs / pass.steps;
      } finally {
        await runner.close();
      }
    });
  }
}

async function benchDataset(name: DatasetName, figures: Figures): Promise<void> {
  const l0 = performance.now();
  let env: CrsEnv;
  try {
    env = await makeCrsEnv(name, { ...ENV_OPTIONS });
  } catch (err) {
    const message = errorMessage(err);
    if (!/not trained|loadOnly|ENOENT|cannot read/i.test(message)) throw err;
    const note = `skipped, no trained artifacts: ${message.split('\n')[0]} (the bench never trains; e.g. await make('CrsEnv/${name}-v0') trains them)`;
    process.stderr.write(`bench env: ${note}\n`);
    figures[`${name} note`] = note;
    return;
  }
  figures[`${name} load s (1 thread)`] = (performance.now() - l0) / 1000;
  if (process.env.CRS_GYM_BENCH_NOVEL !== '0') await novelFigures(name, figures);
  if (process.env.CRS_GYM_BENCH_WARM === '0') {
    await env.close();
    return;
  }

  // Single-threaded warm-up: fills the embedding cache, the retriever's token cache and the env's memos.
  const seeds = Array.from({ length: EPISODES }, (_, i) => i);
  const warm = await playSingle(env, seeds, false);
  figures[`${name} warm-up steps/s (1 thread, cold memos)`] = warm.steps / (warm.ms / 1000);
  let single: SinglePass | undefined;
  const singlePass = async (): Promise<void> => {
    const pass = await playSingle(env, seeds, single === undefined);
    if (single === undefined || pass.ms < single.ms) single = { ...pass, observations: single?.observations ?? pass.observations };
  };

  // Worker runs, each alternating with single-threaded passes (envs/register.ts builds each copy from the same artifacts).
  const setupModule = new URL('../envs/register.ts', import.meta.url).href;
  const vectorRuns: Array<{ label: string; workers: number; start: number; run: VectorPass; inThread: VectorPass }> = [];
  for (const { workers, numEnvs, batchSize } of WORKER_RUNS) {
    const label = `${name} ${workers} workers x ${numEnvs} envs${batchSize === undefined ? '' : `, pipelined batches of ${batchSize}`}`;
    const play = batchSize === undefined ? playVector : playPipelined;
    const vec = new AsyncVectorEnv<CrsObservation, CrsAction>({
      setupModule,
      args: { dataset: name, options: { ...ENV_OPTIONS } },
      numEnvs,
      workers,
      ...(batchSize === undefined ? {} : { batchSize }),
    });
    // The same copies, seeds and agent in this thread (SyncVectorEnv): the same episodes, so the same work as the
    // worker run. The single-episode loop above replays 300 episodes; these copies play more distinct ones, which
    // miss the memos more often, so this is the fair baseline for a speed-up.
    const copies = await Promise.all(Array.from({ length: numEnvs }, () => createEnv({ dataset: name, options: { ...ENV_OPTIONS } })));
    const sync = new SyncVectorEnv<CrsObservation, CrsAction>(copies);
    try {
      const i0 = performance.now();
      await vec.reset({ seed: 0 });
      const start = (performance.now() - i0) / 1000;
      // Lock-step counts vector steps, pipelined counts env steps.
      const syncSteps = Math.max(1, Math.round(VECTOR_ENV_STEPS / numEnvs));
      const vectorSteps = batchSize === undefined ? syncSteps : VECTOR_ENV_STEPS;
      const warmupPasses = Math.ceil((VECTOR_WARMUP_STEPS * workers) / (syncSteps * numEnvs));
      for (let w = 0; w < warmupPasses; w++) await play(vec, vectorSteps, 0);
      for (let w = 0; w < 2; w++) await playVector(sync, syncSteps, 0);
      let best: VectorPass | undefined;
      let bestInThread: VectorPass | undefined;
      for (let r = 0; r < TIMED_PASSES; r++) {
        await singlePass();
        const inThread = await playVector(sync, syncSteps, 0);
        bestInThread = better(inThread, bestInThread, 'ms');
        const pass = await play(vec, vectorSteps, 0);
        best = better(pass, best, 'ms');
      }
      vectorRuns.push({ label, workers, start, run: best as VectorPass, inThread: bestInThread as VectorPass });
    } finally {
      await vec.close();
      await sync.close();
    }
  }
  if (single === undefined) for (let r = 0; r < TIMED_PASSES; r++) await singlePass();
  const s = single as SinglePass;

  const rate = s.steps / (s.ms / 1000);
  const msPerStep = s.ms / s.steps;
  figures[`${name} steps/s (1 thread)`] = rate;
  // CPU time of this process: less sensitive than wall time to other processes sharing the machine.
  figures[`${name} steps per CPU-second (1 thread)`] = s.steps / (s.cpuMs / 1000);
  figures[`${name} ms/step (1 thread, incl. resets)`] = msPerStep;
  figures[`${name} steps per episode`] = s.steps / EPISODES;
  // Where a step's time goes; the phases add up to ms/step.
  perStep(figures, `${name} 1 thread:`, s.timings);
  figures[`${name} 1 thread: reset ms/step`] = s.resetMs / s.steps;
  figures[`${name} 1 thread: of which round-1 retrieval ms/step`] = s.resetRetrieverMs / s.steps;
  figures[`${name} 1 thread: agent ms/step`] = s.agentMs / s.steps;
  const accounted = (s.timings.simulatorMs + s.timings.retrieverMs + s.timings.rewardMs + s.agentMs + s.resetMs) / s.steps;
  figures[`${name} 1 thread: rest of step ms/step`] = msPerStep - accounted;
  // Paid only when asked for: the prompt when an agent reads it, the wire when an observation leaves its thread.
  figures[`${name} prompt render ms (each, when read)`] = meanMs(s.observations, (o) =>
    renderRecommenderPrompt({ context: o.context, candidates: o.candidates, feedback: o.feedback, previousPreference: o.previousPreference, listLength: o.listLength }),
  );
  Object.assign(figures, Object.fromEntries(Object.entries(wireFigures(s.observations)).map(([k, v]) => [`${name} ${k}`, v])));
  await env.close();

  let best = 0;
  let bestSameWork = 0;
  let bestLockStep = 0;
  for (const { label, workers, start, run, inThread } of vectorRuns) {
    const vrate = run.steps / (run.ms / 1000);
    const inThreadRate = inThread.steps / (inThread.ms / 1000);
    if (workers === 2) {
      best = Math.max(best, vrate);
      bestSameWork = Math.max(bestSameWork, vrate / inThreadRate);
      if (!label.includes('pipelined')) bestLockStep = Math.max(bestLockStep, vrate / inThreadRate);
    }
    figures[`${label}: start s`] = start;
    figures[`${label}: steps/s`] = vrate;
    figures[`${label}: same copies in 1 thread (SyncVectorEnv) steps/s`] = inThreadRate;
    figures[`${label}: same copies in 1 thread, steps per CPU-second`] = inThread.steps / (inThread.cpuMs / 1000);
    figures[`${label}: speedup vs the same copies in 1 thread`] = vrate / inThreadRate;
    figures[`${label}: speedup vs 1 thread (single-episode loop)`] = vrate / rate;
    // Cores this process actually got (all threads): below ~2 means the machine was busy with other work.
    figures[`${label}: cores used`] = run.cpuMs / run.ms;
    figures[`${label}: steps per CPU-second`] = run.steps / (run.cpuMs / 1000);
    figures[`${label}: main thread busy ms/step`] = run.mainMs / run.steps;
    if (run.mainCpuMs !== undefined) figures[`${label}: main thread CPU ms/step`] = run.mainCpuMs / run.steps;
    figures[`${label}: workers CPU ms/step`] = Math.max(0, run.cpuMs - (run.mainCpuMs ?? run.mainMs)) / run.steps;
    perStep(figures, `${label}:`, run.timings);
    perStep(figures, `${label}: same copies in 1 thread:`, inThread.timings);
  }
  await machineryFigures(name, figures);
  if (bestLockStep > 0) figures[`${name} speedup, best lock-step 2-worker run vs the same copies in 1 thread`] = bestLockStep;
  figures[`${name} speedup, best 2-worker run vs the same copies in 1 thread`] = bestSameWork;
  figures[`${name} speedup, best 2-worker run vs 1 thread (single-episode loop)`] = best / rate;
  if (name === 'inspired') {
    figures['inspired target >= 2000 steps/s (1 thread)'] = rate >= TARGET_SINGLE ? 'met' : 'NOT met';
    figures['inspired target >= 1.6x with 2 workers (vs the same copies in 1 thread)'] = bestSameWork >= TARGET_SPEEDUP ? 'met' : 'NOT met';
  }
}

export async function run(): Promise<Figures> {
  // Other processes on the machine slow the worker runs most (every hand-off waits for a free core): say how busy it was.
  const figures: Figures = { 'cpus': cpus().length, 'load average at start (1 min)': loadavg()[0] ?? 0 };
  for (const name of DATASETS) await benchDataset(name, figures);
  figures['load average at end (1 min)'] = loadavg()[0] ?? 0;
  figures['heap MB'] = process.memoryUsage().heapUsed / 2 ** 20;
  return figures;
}
