// The one place that loads TensorFlow.js and picks its backend. Training runs on the wasm backend
// (single-threaded SIMD in Node; use worker threads for more cores); `cpu` is the slow pure-JS fallback.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { installGradientFixes } from './gradient-fixes.js';

export type TfBackend = 'wasm' | 'cpu';
/** The tfjs namespace, for signatures that take it. */
export type Tf = typeof tf;

let ready: Promise<typeof tf> | undefined;
let readyBackend: TfBackend | undefined;
let wasmPathsSet = false;

/**
 * Loads tfjs with the requested backend once per thread; later calls return the same instance.
 * It also installs the gradient fixes (gradient-fixes.ts): wasm cannot train without them, and on cpu
 * they are faster and give the same numbers. Gradients are registered globally, for every backend.
 */
export function getTf(backend: TfBackend = 'wasm'): Promise<typeof tf> {
  if (ready && readyBackend === backend) return ready;
  readyBackend = backend;
  ready = (async () => {
    if (backend === 'wasm' && !wasmPathsSet) {
      const require = createRequire(import.meta.url);
      const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      setWasmPaths(join(wasmDir, 'dist') + '/');
      wasmPathsSet = true;
    }
    tf.env().set('IS_TEST', false);
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialize`);
    await tf.ready();
    installGradientFixes();
    return tf;
  })();
  return ready;
}

export { tf };
