// Learner benchmarks: policy forward paths (plain JS, tfjs-wasm, onnxruntime-node), rollout throughput with
// 0 / 1 / 2 worker threads, and the time of one GRPO update. `npm run bench learners`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Rng } from '../src/core/rng.js';
import { getTf } from '../src/nn/tf.js';
import { candidateLogits, optionLogits } from '../agents/neural/model.js';
import { candidateLogitsTf } from '../agents/neural/tf-policy.js';
import { NUM_CANDIDATE_FEATURES } from '../agents/neural/features.js';
import type { StepRecord } from '../agents/neural/types.js';
import type { NeuralRecommender } from '../agents/neural/recommender.js';
import { createRunner } from '../src/learners/runner.js';
import { rolloutSpecs, trainRl } from '../src/learners/rl.js';
import { STANDARD_SETUP_MODULE, createPolicy, type StandardSetupArgs } from '../src/learners/standard-setup.js';
import type { SetupSpec } from '../src/learners/setup.js';
import { FLOAT, floatInitializer, model, node, strField, valueInfo } from '../test/fixtures/onnx/onnx-writer.js';
import { errorMessage } from '../src/core/errors.js';

const ARGS: StandardSetupArgs = {
  dataset: { name: 'synthetic', seed: 1, items: 300, dialogues: 300 },
  retriever: 'bm25',
  simulator: 'oracle',
  encoder: { kind: 'hash', dim: 256 },
  env: { rounds: 5, acceptance: { mode: 'rank1', k: 1 } },
  policy: {},
};
const SETUP: SetupSpec = { module: STANDARD_SETUP_MODULE, args: ARGS };

function timeIt(fn: () => void, minMs = 300): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return ((performance.now() - t0) * 1000) / n; // microseconds per call
}

// ---- The candidate scorer as an ONNX graph, to time onnxruntime-node against JS. ----
function scorerOnnx(p: NeuralRecommender): Uint8Array {
  const { dim: d, hidden: H, rank: r } = p.shape;
  const F = NUM_CANDIDATE_FEATURES;
  const graph = [
    node('MatMul', ['x', 'w'], ['lin']),
    node('MatMul', ['x', 'W1'], ['pre0']),
    node('Add', ['pre0', 'b1'], ['pre']),
    node('Tanh', ['pre'], ['h']),
    node('MatMul', ['h', 'w2'], ['mlp']),
    node('MatMul', ['query', 'U'], ['qU']),
    node('Transpose', ['qU'], ['qUT']),
    node('MatMul', ['item', 'V'], ['eV']),
    node('MatMul', ['eV', 'qUT'], ['bil']),
    node('Add', ['lin', 'mlp'], ['s0']),
    node('Add', ['s0', 'bil'], ['scores']),
    strField(2, 'scorer'),
    floatInitializer('w', [F, 1], p.params.candLinear),
    floatInitializer('W1', [F, H], p.params.candW1),
    floatInitializer('b1', [H], p.params.candB1),
    floatInitializer('w2', [H, 1], p.params.candW2),
    floatInitializer('U', [3 * d, r], p.params.bilinearU),
    floatInitializer('V', [d, r], p.params.bilinearV),
    valueInfo(11, 'x', FLOAT, ['n', F]),
    valueInfo(11, 'item', FLOAT, ['n', d]),
    valueInfo(11, 'query', FLOAT, [1, 3 * d]),
    valueInfo(12, 'scores', FLOAT, ['n', 1]),
  ];
  return model(graph, 'crs-gym-bench');
}

async function onnxTiming(policy: NeuralRecommender, step: StepRecord): Promise<{ us: number; maxDiff: number } | { error: string }> {
  try {
    const ort = await import('onnxruntime-node');
    const file = join(mkdtempSync(join(tmpdir(), 'crs-onnx-')), 'scorer.onnx');
    writeFileSync(file, scorerOnnx(policy));
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const { n, x, itemEmb, query } = step.inputs;
    const d = policy.shape.dim;
    const feeds = () => ({
      x: new ort.Tensor('float32', x, [n, NUM_CANDIDATE_FEATURES]),
      item: new ort.Tensor('float32', itemEmb, [n, d]),
      query: new ort.Tensor('float32', query, [1, 3 * d]),
    });
    const out = (await session.run(feeds()))['scores']!.data as Float32Array;
    const js = candidateLogits(policy.params, policy.shape, step.inputs);
    const maxDiff = Math.max(...Array.from(out, (v, i) => Math.abs(v - (js[i] as number))));
    for (let i = 0; i < 200; i++) await session.run(feeds());
    const t0 = performance.now();
    let count = 0;
    while (performance.now() - t0 < 400) {
      await session.run(feeds());
      count++;
    }
    await session.release();
    return { us: ((performance.now() - t0) * 1000) / count, maxDiff };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** Control: wall-time speed-up of a pure CPU loop on 2 threads vs 1 (2.0 on an idle 2-core machine). */
async function cpuScaling(): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; parentPort.postMessage(x);`;
  const wall = async (n: number): Promise<number> => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => new Promise((res) => new Worker(code, { eval: true }).on('message', res))));
    return performance.now() - t0;
  };
  const one = await wall(1);
  const two = await wall(2);
  return (2 * one) / two;
}

export async function run(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  out['control_cpu_speedup_2_threads'] = await cpuScaling();
  const tf = await getTf('wasm');

  // Forward paths on recorded steps.
  const local = await createRunner({ setup: SETUP, workers: 0 });
  const policy = await createPolicy(ARGS);
  const sampleIds = (await import('../src/learners/standard-setup.js')).sampleIds;
  const train = await sampleIds(ARGS, 'train');
  const probe = await local.run<StepRecord>(rolloutSpecs(1, 0, train.slice(0, 16), 1));
  const steps = probe.flatMap((e) => e.steps);
  const step = steps[0]!;
  out['policy_parameters'] = policy.parameters.reduce((n, p) => n + p.data.length, 0);
  out['js_forward_candidates_us_per_step'] = timeIt(() => candidateLogits(policy.params, policy.shape, step.inputs));
  out['js_forward_full_us_per_step'] = timeIt(() => {
    candidateLogits(policy.params, policy.shape, step.inputs);
    optionLogits(policy.params, policy.shape, step.inputs);
  });
  const onnx = await onnxTiming(policy, step);
  if ('error' in onnx) out['onnx_forward_candidates_us_per_step'] = `unavailable: ${onnx.error.slice(0, 80)}`;
  else {
    out['onnx_forward_candidates_us_per_step'] = onnx.us;
    out['onnx_vs_js_max_abs_diff'] = onnx.maxDiff;
  }
  const params = policy.parameterTensors(tf);
  const one = policy.makeBatch(tf, [step]);
  out['tfjs_forward_candidates_us_batch1'] = timeIt(() => tf.tidy(() => void candidateLogitsTf(tf, params, policy.shape, one).dataSync()));
  const many = policy.makeBatch(tf, Array.from({ length: 256 }, (_, i) => steps[i % steps.length]!));
  out['tfjs_forward_candidates_us_per_step_batch256'] = timeIt(() => tf.tidy(() => void candidateLogitsTf(tf, params, policy.shape, many).dataSync())) / 256;
  one.dispose();
  many.dispose();
  Object.values(params).forEach((t) => t.dispose());
  {
    const env = await (await import('../src/learners/standard-setup.js')).createEnv(ARGS);
    const obs = (await env.reset({ seed: 1, options: { sampleId: train[0]! } })).observation;
    const features = await policy.features(obs);
    const timeAsync = async (fn: (n: number) => Promise<unknown>, minMs = 300): Promise<number> => {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < minMs) await fn(n++);
      return ((performance.now() - t0) * 1000) / n;
    };
    out['features_us_per_step'] = await timeAsync(() => policy.features(obs));
    out['decide_us_per_step'] = timeIt(() => policy.decide(obs, features, new Rng(1), { mode: 'sample' }));
    out['env_reset_and_step_us'] = await timeAsync(async (n) => {
      const r = await env.reset({ seed: n, options: { sampleId: train[n % 50]! } });
      await env.step({ ranking: r.observation.candidates.slice(0, 10).map((c) => c.id) });
    });
  }
  await local.close();

  // Rollout throughput (worker start-up excluded: one warm-up batch first).
  const specs = rolloutSpecs(3, 1, train.slice(0, 48), 4);
  for (const workers of [0, 1, 2]) {
    const runner = await createRunner({ setup: SETUP, workers });
    await runner.setWeights(policy.getWeights());
    await runner.run(rolloutSpecs(3, 0, train.slice(0, 8), 2));
    const t0 = performance.now();
    const episodes = await runner.run(specs);
    const seconds = (performance.now() - t0) / 1000;
    const count = episodes.reduce((n, e) => n + e.steps.length, 0);
    out[`rollout_steps_per_s_workers${workers}`] = count / seconds;
    out[`rollout_mean_episode_length_workers${workers}`] = count / episodes.length;
    await runner.close();
  }

  // One GRPO iteration with the paper's batch shape (16 samples x G=4, grad accumulation 8, 3 epochs).
  const dir = mkdtempSync(join(tmpdir(), 'crs-bench-grpo-'));
  const t0 = performance.now();
  const result = await trainRl('grpo', { setup: SETUP, outDir: dir, config: { max_steps: 2 }, progress: false, workers: 0 });
  const { readFileSync } = await import('node:fs');
  const its = readFileSync(result.logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; seconds?: Record<string, number>; turns?: number });
  const last = its.filter((e) => e.event === 'iteration').at(-1)!;
  out['grpo_iteration_rollout_s'] = last.seconds!['rollout']!;
  out['grpo_iteration_update_s'] = last.seconds!['update']!;
  out['grpo_iteration_turns'] = last.turns ?? 0;
  out['grpo_update_ms_per_turn_epoch'] = (1000 * last.seconds!['update']!) / ((last.turns ?? 1) * 3);
  out['grpo_two_iterations_total_s'] = (performance.now() - t0) / 1000;
  return out;
}
