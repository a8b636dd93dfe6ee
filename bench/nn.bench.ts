// Tensor-layer figures: what the gradient fixes and embeddingLookup buy on wasm, the sparse propagation
// kernels, and LightGCN (E_C) epoch time and held-out link-prediction AUC on INSPIRED (and ReDial size).
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { Rng } from '../src/core/rng.js';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { evaluateLinkPrediction, LightGcnEncoder } from '../src/encoders/collaborative.js';
import { buildItemGraph, type ItemGraph } from '../src/encoders/item-graph.js';
import {
  bprLoss,
  csrRowIndex,
  embeddingLookup,
  getTf,
  installGradientFixes,
  makePropagation,
  matMulT,
  normalValues,
  removeGradientFixes,
  tf,
  type NormalizedAdjacency,
} from '../src/nn/index.js';
import { errorMessage } from '../src/core/errors.js';

/** Mean ms per call after `warmup` calls. */
function msPer(fn: () => void, runs: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - t0) / runs;
}

function randomIds(rng: Rng, count: number, max: number): Int32Array {
  return Int32Array.from({ length: count }, () => rng.int(0, max));
}

/** ms per Adam step of BPR over an embedding table, looking rows up with `lookup`. */
function embeddingStep(rows: number, batch: number, lookup: (t: Tensor, ids: Tensor) => Tensor, runs: number): number {
  const rng = new Rng('bench/embedding');
  const table = tf.variable(tf.tensor2d(normalValues(rng, rows * 64, 0.1), [rows, 64]));
  const ids = tf.tensor1d(randomIds(rng, 3 * batch, rows), 'int32');
  const opt = tf.train.adam(0.01);
  const step = (): void => {
    opt.minimize(() => {
      const [u, p, n] = tf.unstack(tf.reshape(lookup(table, ids), [3, batch, 64])) as [Tensor2D, Tensor2D, Tensor2D];
      return bprLoss(tf.sum(tf.mul(u, p), 1), tf.sum(tf.mul(u, n), 1));
    });
  };
  const ms = msPer(step, runs, 1);
  tf.dispose([table, ids]);
  opt.dispose();
  return ms;
}

/** ms per Adam step of an MLP 768-256-1 over 64x20 candidates (the retriever/simulator head shape). */
function mlpStep(runs: number): number {
  const rng = new Rng('bench/mlp');
  const x = tf.tensor2d(normalValues(rng, 1280 * 768, 1), [1280, 768]);
  const w1 = tf.variable(tf.tensor2d(normalValues(rng, 768 * 256, 0.03), [768, 256]));
  const w2 = tf.variable(tf.tensor2d(normalValues(rng, 256, 0.03), [256, 1]));
  const opt = tf.train.adam(0.001);
  const ms = msPer(() => void opt.minimize(() => tf.mean(tf.square(tf.matMul(tf.relu(tf.matMul(x, w1)), w2))) as Scalar), runs);
  tf.dispose([x, w1, w2]);
  opt.dispose();
  return ms;
}

/** ms per forward + gradient of a plain 256x768 by 768x512 matMul (tfjs's gradient uses transpose flags). */
function matMulGrad(runs: number): number {
  const rng = new Rng('bench/mm');
  const a = tf.tensor2d(normalValues(rng, 256 * 768, 1), [256, 768]);
  const b = tf.tensor2d(normalValues(rng, 768 * 512, 1), [768, 512]);
  const grad = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.square(tf.matMul(x, y))));
  const ms = msPer(() => tf.tidy(() => void grad([a, b]).forEach((g) => g.dataSync())), runs);
  tf.dispose([a, b]);
  return ms;
}

/** The rejected alternative: gather rows, scale, scatterND-sum them (materializes nnz x dim). */
function scatterPropagation(adj: NormalizedAdjacency): (x: Tensor2D) => Tensor2D {
  const { csr } = adj;
  const rows = tf.keep(tf.tensor2d(csrRowIndex(csr), [csr.colIdx.length, 1], 'int32'));
  const cols = tf.keep(tf.tensor1d(csr.colIdx, 'int32'));
  const vals = tf.keep(tf.tensor2d(csr.values, [csr.values.length, 1]));
  const forward = (x: Tensor2D): Tensor2D => tf.scatterND(rows, tf.mul(tf.gather(x, cols), vals), [csr.rows, x.shape[1]]);
  const op = tf.customGrad((x) => ({ value: forward(x as Tensor2D), gradFunc: (dy) => forward(dy as Tensor2D) }));
  return (x) => op(x) as Tensor2D;
}

/** ms for K=2 propagation forward + backward at dim 64. */
function propagationMs(graph: ItemGraph, apply: (x: Tensor2D) => Tensor2D, runs: number): number {
  const x = tf.tensor2d(normalValues(new Rng('bench/prop'), graph.nodeCount * 64, 0.1), [graph.nodeCount, 64]);
  const grad = tf.grad((t: Tensor) => {
    const l1 = apply(t as Tensor2D);
    return tf.sum(tf.add(t, tf.add(l1, apply(l1))));
  });
  const ms = msPer(() => tf.tidy(() => void grad(x).dataSync()), runs, 1);
  x.dispose();
  return ms;
}

function tryLoad(name: 'inspired' | 'redial'): Dataset | undefined {
  try {
    return loadDataset(name);
  } catch (err) {
    process.stderr.write(`nn bench: ${name} not available (${errorMessage(err)})\n`);
    return undefined;
  }
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};

  // Embedding + BPR step. Without the gather fix wasm cannot train at all (no UnsortedSegmentSum), so the
  // "before" figure is tfjs's own gradient on the cpu backend, on a table small enough to finish.
  await getTf('cpu');
  removeGradientFixes();
  out['emb_bpr_step_ms_cpu_original_1k_rows_b256'] = embeddingStep(1000, 256, (t, i) => tf.gather(t, i), 2);
  await getTf('wasm');
  installGradientFixes();
  out['emb_bpr_step_ms_wasm_gather_fix_1k_rows_b256'] = embeddingStep(1000, 256, (t, i) => tf.gather(t, i), 20);
  out['emb_bpr_step_ms_wasm_gather_fix_10k_rows_b1024'] = embeddingStep(10_000, 1024, (t, i) => tf.gather(t, i), 20);
  out['emb_bpr_step_ms_wasm_embeddingLookup_10k_rows_b1024'] = embeddingStep(10_000, 1024, embeddingLookup, 20);

  // Forward look-up alone: tf.gather vs gatherND (what embeddingLookup uses).
  {
    const table = tf.tensor2d(normalValues(new Rng('bench/lookup'), 10_000 * 64, 1), [10_000, 64]);
    const ids = tf.tensor1d(randomIds(new Rng('bench/lookup-ids'), 3072, 10_000), 'int32');
    out['lookup_fwd_ms_gather_3072_rows'] = msPer(() => tf.tidy(() => void tf.gather(table, ids).dataSync()), 50);
    out['lookup_fwd_ms_embeddingLookup_3072_rows'] = msPer(() => tf.tidy(() => void embeddingLookup(table, ids).dataSync()), 50);
    tf.dispose([table, ids]);
  }

  // BatchMatMul gradient with and without the explicit-transpose fix.
  out['mlp_768_256_1_step_ms_fixed'] = mlpStep(10);
  out['matmul_grad_ms_fixed'] = matMulGrad(10);
  removeGradientFixes();
  out['mlp_768_256_1_step_ms_original'] = mlpStep(5);
  out['matmul_grad_ms_original'] = matMulGrad(5);
  installGradientFixes();
  out['mlp_step_speedup'] = out['mlp_768_256_1_step_ms_original'] / out['mlp_768_256_1_step_ms_fixed'];
  out['matmul_grad_speedup'] = out['matmul_grad_ms_original'] / out['matmul_grad_ms_fixed'];
  {
    const a = tf.tensor2d(normalValues(new Rng('bench/fwd'), 256 * 768, 1), [256, 768]);
    const b = tf.tensor2d(normalValues(new Rng('bench/fwd2'), 512 * 768, 1), [512, 768]);
    out['matmul_transB_fwd_ms_flag'] = msPer(() => tf.tidy(() => void tf.matMul(a, b, false, true).dataSync()), 10);
    out['matmul_transB_fwd_ms_matMulT'] = msPer(() => tf.tidy(() => void matMulT(a, b, false, true).dataSync()), 10);
    tf.dispose([a, b]);
  }

  // Sparse propagation kernels and LightGCN on the real graphs.
  const inspired = tryLoad('inspired');
  if (inspired) {
    const graph = buildItemGraph(inspired);
    out['inspired_graph_nodes'] = graph.nodeCount;
    out['inspired_graph_nnz'] = graph.nnz;
    for (const impl of ['segment', 'js'] as const) {
      const op = makePropagation(graph.adjacency, impl);
      out[`inspired_propagate_k2_fwd_bwd_ms_${impl}`] = propagationMs(graph, (x) => op.apply(x), 10);
      op.dispose();
    }
    out['inspired_propagate_k2_fwd_bwd_ms_scatter'] = propagationMs(graph, scatterPropagation(graph.adjacency), 3);

    const epochs: number[] = [];
    let last = performance.now();
    await LightGcnEncoder.trainOnGraph(graph, inspired, {
      seed: 1,
      epochs: 3,
      onEpoch: () => {
        const now = performance.now();
        epochs.push(now - last);
        last = now;
      },
    });
    out['inspired_lightgcn_epoch_ms'] = Math.min(...epochs);

    // Held-out link prediction (10% of item–attribute edges).
    const held = buildItemGraph(inspired, { holdOut: { fraction: 0.1, seed: 3 } });
    out['inspired_heldout_edges'] = held.heldOutEdges.src.length;
    const auc = async (options: { epochs: number; layers?: number }): Promise<ReturnType<typeof evaluateLinkPrediction>> =>
      evaluateLinkPrediction(await LightGcnEncoder.trainOnGraph(held, inspired, { seed: 7, ...options }), held, { seed: 1 });
    const raw = await auc({ epochs: 0, layers: 0 });
    const untrained = await auc({ epochs: 0 });
    const t0 = performance.now();
    const trained = await auc({ epochs: 20 });
    out['inspired_lightgcn_train_20_epochs_s'] = (performance.now() - t0) / 1000;
    out['inspired_auc_random_no_propagation'] = raw.auc;
    out['inspired_auc_untrained_lightgcn'] = untrained.auc;
    out['inspired_auc_trained_lightgcn'] = trained.auc;
    out['inspired_recall10_untrained_lightgcn'] = untrained.recallAt10;
    out['inspired_recall10_trained_lightgcn'] = trained.recallAt10;
    for (const [kind, f] of Object.entries(trained.byKind)) out[`inspired_auc_trained_${kind}`] = f.auc;
  }

  const redial = tryLoad('redial');
  if (redial) {
    const graph = buildItemGraph(redial);
    out['redial_graph_nodes'] = graph.nodeCount;
    out['redial_graph_nnz'] = graph.nnz;
    for (const impl of ['segment', 'js'] as const) {
      const op = makePropagation(graph.adjacency, impl);
      out[`redial_propagate_k2_fwd_bwd_ms_${impl}`] = propagationMs(graph, (x) => op.apply(x), 5);
      op.dispose();
    }
    const epochs: number[] = [];
    let last = performance.now();
    await LightGcnEncoder.trainOnGraph(graph, redial, {
      seed: 1,
      epochs: 2,
      onEpoch: () => {
        const now = performance.now();
        epochs.push(now - last);
        last = now;
      },
    });
    out['redial_lightgcn_epoch_ms'] = Math.min(...epochs);
  }
  return out;
}
