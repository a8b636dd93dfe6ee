// `crs-gym serve` under load: 1, 16 and 64 concurrent sessions (RemoteEnvs in this process, each playing episodes
// one step at a time with the bench's scripted agent) against one server in a child process. Figures per level:
// steps/s, p50/p99 step latency (the client's round trip), and the server's CPU per step; the server's RSS when
// idle, when 64 sessions start, and after `--duration` seconds of 64 sessions (default 300; no growth expected).
// The protocol's cost: the same env stepped in this process by the same agent (steps/s and latency), as a ratio.
//
// Warm figures: episodes come from a pool of 128 seeds that each side plays once before timing (the scripted agent
// is deterministic, so every text is then cached), and each level plays a few seconds untimed.
// The env: CrsEnv/inspired-v0 with its trained components when artifacts/inspired holds them (the bench never
// trains), else the tests' synthetic CrsEnv (dual-view retriever); the figures say which.
//   npm run bench serve                       # 300 s at 64 sessions, ~7 min in all
//   npm run bench serve -- --duration 20      # a quick run
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';
import type { Env } from '../src/core/env.js';
import { make } from '../src/core/registry.js';
import { RemoteEnv } from '../src/remote/client.js';
import { benchTarget } from './serve-target.js';
import { scriptedAgent } from './scripted-agent.js';

type Figures = Record<string, number | string>;
type CrsEnvLike = Env<CrsObservation, CrsAction>;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const DURATION_S = Number(flag('--duration') ?? process.env.CRS_GYM_BENCH_SERVE_SECONDS ?? 300);
/** Timed seconds of the in-process run and of the 1- and 16-session levels. */
const SHORT_S = Math.min(30, DURATION_S);
/** Untimed seconds before each timed run. */
const WARMUP_S = Math.min(5, Math.max(1, DURATION_S / 4));
const LEVELS = [1, 16, 64] as const;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Plays episodes on `env` until `stop()`, seeds from `firstSeed` on, cycling through the pool; each step's latency in ms. */
async function playUntil(env: CrsEnvLike, firstSeed: number, stop: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  for (let k = firstSeed; !stop(); k++) await playEpisode(env, k % SEED_POOL, latencies, stop);
  return latencies;
}

/** One episode (cut short when `stop()` turns true), each step's latency appended to `latencies`. */
async function playEpisode(env: CrsEnvLike, seed: number, latencies: number[], stop: () => boolean = () => false): Promise<void> {
  let { observation } = await env.reset({ seed });
  for (;;) {
    const action = scriptedAgent(observation);
    const t0 = performance.now();
    const r = await env.step(action);
    latencies.push(performance.now() - t0);
    if (r.terminated || r.truncated || stop()) return;
    observation = r.observation;
  }
}

/**
 * Every run plays episodes from this pool of seeds, and each side first plays every one of them once: the agent is
 * deterministic, so later plays repeat the same texts and the figures are warm (every text's embedding cached, the
 * memos filled), not novel-episode.
 */
const SEED_POOL = 128;

async function prime(env: CrsEnvLike): Promise<void> {
  for (let seed = 0; seed < SEED_POOL; seed++) await playEpisode(env, seed, []);
}

/** Runs `envs` concurrently for a warm-up, then `seconds` timed; figures of the timed part. */
async function timedRun(
  envs: readonly CrsEnvLike[],
  seconds: number,
  server?: ChildProcess,
): Promise<{ stepsPerSecond: number; p50: number; p99: number; steps: number; clientCpuMsPerStep: number; serverCpuMsPerStep?: number }> {
  let deadline = performance.now() + WARMUP_S * 1000;
  await Promise.all(envs.map((env, i) => playUntil(env, i * 7, () => performance.now() > deadline)));
  const cpu0 = server ? processCpuMs(server) : 0;
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  deadline = t0 + seconds * 1000;
  const all = await Promise.all(envs.map((env, i) => playUntil(env, i * 7 + 3, () => performance.now() > deadline)));
  const elapsed = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const latencies = all.flat().sort((a, b) => a - b);
  return {
    stepsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    steps: latencies.length,
    clientCpuMsPerStep: (own.user + own.system) / 1000 / latencies.length,
    ...(server ? { serverCpuMsPerStep: (processCpuMs(server) - cpu0) / latencies.length } : {}),
  };
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** User + system CPU of a process, in ms (Linux; clock ticks of 10 ms). */
function processCpuMs(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startServer(kind: 'inspired' | 'synthetic'): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL('./serve-target.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  return { child, url };
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  let kind: 'inspired' | 'synthetic' = 'inspired';
  let local: CrsEnvLike;
  try {
    const target = benchTarget('inspired');
    local = await make<CrsObservation, CrsAction>(target.envId, target.makeOptions);
  } catch {
    kind = 'synthetic';
    const target = benchTarget('synthetic');
    local = await make<CrsObservation, CrsAction>(target.envId, target.makeOptions);
  }
  figures['env'] = kind === 'inspired' ? 'CrsEnv/inspired-v0 (trained components)' : 'synthetic CrsEnv (no trained INSPIRED components here)';
  figures['load average at start'] = loadavg()[0]!;
  figures['duration at 64 sessions (s)'] = DURATION_S;

  await prime(local);
  const inProcess = await timedRun([local], SHORT_S);
  await local.close();
  figures['in-process steps/s'] = inProcess.stepsPerSecond;
  figures['in-process p50 ms'] = inProcess.p50;
  figures['in-process p99 ms'] = inProcess.p99;
  figures['in-process CPU ms/step (env + agent)'] = inProcess.clientCpuMsPerStep;

  const { child, url } = await startServer(kind);
  try {
    figures['server RSS idle MB'] = rssMb(child);
    const primer = await RemoteEnv.connect<CrsObservation, CrsAction>(url);
    await prime(primer);
    await primer.close();
    figures['server RSS after priming MB'] = rssMb(child);
    for (const sessions of LEVELS) {
      const envs = await Promise.all(Array.from({ length: sessions }, () => RemoteEnv.connect<CrsObservation, CrsAction>(url)));
      const long = sessions === 64;
      if (long) {
        // RSS after the warm-up of 64 sessions, then after DURATION_S seconds of them.
        await timedRun(envs, WARMUP_S, child);
        figures['server RSS 64 sessions, start MB'] = rssMb(child);
      }
      // RSS every 2 s: the garbage collector's sawtooth hides growth in single readings, so the lowest reading of the
      // first and of the last minute are compared too.
      const rss: Array<[number, number]> = [];
      const started = performance.now();
      const sampler = setInterval(() => rss.push([(performance.now() - started) / 1000, rssMb(child)]), 2000);
      const r = await timedRun(envs, long ? DURATION_S : SHORT_S, child);
      clearInterval(sampler);
      figures[`${sessions} sessions steps/s`] = r.stepsPerSecond;
      figures[`${sessions} sessions p50 ms`] = r.p50;
      figures[`${sessions} sessions p99 ms`] = r.p99;
      figures[`${sessions} sessions server CPU ms/step`] = r.serverCpuMsPerStep ?? NaN;
      figures[`${sessions} sessions client CPU ms/step (RemoteEnv + agent)`] = r.clientCpuMsPerStep;
      if (sessions === 1) {
        figures['protocol cost: in-process / 1 session steps/s'] = inProcess.stepsPerSecond / r.stepsPerSecond;
        figures['protocol cost: 1 session p50 - in-process p50 ms'] = r.p50 - inProcess.p50;
        figures['protocol cost: (server + client CPU) / in-process CPU'] = ((r.serverCpuMsPerStep ?? NaN) + r.clientCpuMsPerStep) / inProcess.clientCpuMsPerStep;
      }
      if (long) {
        figures[`server RSS 64 sessions, after ${DURATION_S} s MB`] = rssMb(child);
        const span = Math.min(60, DURATION_S / 3);
        const lowest = (from: number, to: number) => Math.min(...rss.filter(([t]) => t >= from && t <= to).map(([, mb]) => mb));
        figures['server RSS 64 sessions, max MB'] = Math.max(...rss.map(([, mb]) => mb));
        figures[`server RSS 64 sessions, lowest in the first ${span} s MB`] = lowest(0, span);
        figures[`server RSS 64 sessions, lowest in the last ${span} s MB`] = lowest(DURATION_S - span, DURATION_S + 1);
      }
      await Promise.all(envs.map((env) => env.close()));
    }
    figures['load average at end'] = loadavg()[0]!;
  } finally {
    child.kill('SIGTERM');
  }
  return figures;
}
