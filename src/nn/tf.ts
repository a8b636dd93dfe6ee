// The one place that loads TensorFlow.js and picks its backend. Training runs on the wasm backend
// (single-threaded SIMD in Node; use worker threads for more cores); `cpu` is the slow pure-JS fallback.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type TfBackend = 'wasm' | 'cpu';

let ready: Promise<typeof tf> | undefined;
let readyBackend: TfBackend | undefined;

/** Loads tfjs with the requested backend once per thread; later calls return the same instance. */
export function getTf(backend: TfBackend = 'wasm'): Promise<typeof tf> {
  if (ready && readyBackend === backend) return ready;
  readyBackend = backend;
  ready = (async () => {
    if (backend === 'wasm') {
      const require = createRequire(import.meta.url);
      const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      setWasmPaths(join(wasmDir, 'dist') + '/');
    }
    tf.env().set('IS_TEST', false);
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialize`);
    await tf.ready();
    return tf;
  })();
  return ready;
}

export { tf };
