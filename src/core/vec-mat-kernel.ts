// Vector-by-matrix products of frozen weights, `out = bias + v M`, bit for bit as the plain JS loop computes them:
// the simulator heads' and the dual-view attention's inference products (most of their cost per env step).
//
// The JS loop runs `out[j] = out[j] + v[i] * M[i][j]` on Float32Arrays: the product and the sum are taken in f64 and
// the sum is rounded to f32 on store, once per step. A plain f32x4 kernel would round the product to f32 first, so
// its sums differ in the last bits; this kernel promotes to f64x2 lanes, multiplies and adds there, and demotes to
// f32 after each step, in the same order (i ascending, skipping v[i] == 0): the same operations, so the same bits.
// Without WebAssembly SIMD the JS loop runs.
//
// The kernel is this WAT, compiled with wabt's `wat2wasm` (npm wabt 1.0.32) and inlined as base64:
//
// (module
//   (import "env" "mem" (memory 1))
//   ;; out[j] = f32(out[j] + f64(v[i]) * f64(m[i*cols + j])) for i < n in order, skipping v[i] == 0; j < cols,
//   ;; cols a multiple of 4; m, v, out byte offsets.
//   (func (export "vecMat") (param $m i32) (param $v i32) (param $n i32) (param $cols i32) (param $out i32)
//     (local $vEnd i32) (local $rowBytes i32) (local $outEnd i32) (local $src i32) (local $dst i32)
//     (local $vi f32) (local $s v128) (local $o v128) (local $w v128) (local $lo v128) (local $hi v128)
//     (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
//     (local.set $outEnd (i32.add (local.get $out) (local.get $rowBytes)))
//     (local.set $vEnd (i32.add (local.get $v) (i32.shl (local.get $n) (i32.const 2))))
//     (block $done
//       (loop $rows
//         (br_if $done (i32.ge_u (local.get $v) (local.get $vEnd)))
//         (local.set $vi (f32.load (local.get $v)))
//         (if (f32.ne (local.get $vi) (f32.const 0))
//           (then
//             (local.set $s (f64x2.splat (f64.promote_f32 (local.get $vi))))
//             (local.set $src (local.get $m))
//             (local.set $dst (local.get $out))
//             (block $rowDone
//               (loop $cols4
//                 (br_if $rowDone (i32.ge_u (local.get $dst) (local.get $outEnd)))
//                 (local.set $o (v128.load (local.get $dst)))
//                 (local.set $w (v128.load (local.get $src)))
//                 (local.set $lo
//                   (f32x4.demote_f64x2_zero
//                     (f64x2.add (f64x2.promote_low_f32x4 (local.get $o))
//                                (f64x2.mul (local.get $s) (f64x2.promote_low_f32x4 (local.get $w))))))
//                 (local.set $hi
//                   (f32x4.demote_f64x2_zero
//                     (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $o) (local.get $o)))
//                                (f64x2.mul (local.get $s) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w)))))))
//                 (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
//                 (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
//                 (local.set $src (i32.add (local.get $src) (i32.const 16)))
//                 (br $cols4)))))
//         (local.set $v (i32.add (local.get $v) (i32.const 4)))
//         (local.set $m (i32.add (local.get $m) (local.get $rowBytes)))
//         (br $rows)))))

import { compileKernel, wasm, WASM_PAGE_BYTES, type WasmMemory } from './wasm-kernel.js';

const KERNEL_BASE64 = 'AGFzbQEAAAABCQFgBX9/f39/AAIMAQNlbnYDbWVtAgABAwIBAAcKAQZ2ZWNNYXQAAAr6AQH3AQMFfwF9BXsgA0ECdCEGIAQgBmohByABIAJBAnRqIQUCQANAIAEgBU8NASABKgIAIQogCkMAAAAAXARAIAq7/RQhCyAAIQggBCEJAkADQCAJIAdPDQEgCf0ABAAhDCAI/QAEACENIAz9XyALIA39X/3yAf3wAf1eIQ4gDCAM/Q0ICQoLDA0ODwABAgMEBQYH/V8gCyANIA39DQgJCgsMDQ4PAAECAwQFBgf9X/3yAf3wAf1eIQ8gCSAOIA/9DQABAgMEBQYHEBESExQVFhf9CwQAIAlBEGohCSAIQRBqIQgMAAsLCyABQQRqIQEgACAGaiEADAALCws=';

/** The kernel works on 4 floats per pass; narrower matrices are padded with zero columns. */
const LANES = 4;

type VecMatFn = (m: number, v: number, n: number, cols: number, out: number) => void;

/** `bias + v M` for M row-major [v.length x cols]: `vecMatJs`, or a `frozenVecMat()` for weights that are fixed. */
export type VecMat = (v: Float32Array, m: Float32Array, cols: number, bias?: Float32Array) => Float32Array;

/** `out = bias + v M` for M row-major [v.length x cols], in plain JS (the reference the kernel must equal). */
export function vecMatJs(v: ArrayLike<number>, m: Float32Array, cols: number, bias?: Float32Array): Float32Array {
  const out = bias ? Float32Array.from(bias) : new Float32Array(cols);
  for (let i = 0; i < v.length; i++) {
    const vi = v[i] as number;
    if (vi === 0) continue; // v is often sparse (bags of words, relu outputs)
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + vi * (m[row + j] as number);
  }
  return out;
}

/**
 * One frozen matrix copied into WebAssembly memory, whose products with vectors the f64x2 kernel computes (the JS
 * loop where the kernel cannot run). Results equal `vecMatJs` bit for bit for Float32Array inputs. Later edits of the
 * caller's matrix are not seen: build a new kernel for new weights.
 */
export class VecMatKernel {
  readonly simd: boolean;
  readonly rows: number;
  private readonly run: VecMatFn | undefined;
  private readonly memory: WasmMemory | undefined;
  private readonly paddedCols: number;
  private readonly vOffset: number;
  private readonly outOffset: number;

  constructor(
    private readonly matrix: Float32Array,
    readonly cols: number,
  ) {
    if (!Number.isInteger(cols) || cols < 1 || matrix.length % cols !== 0) {
      throw new RangeError(`VecMatKernel: a matrix of ${matrix.length} values is not made of rows of ${cols}`);
    }
    this.rows = matrix.length / cols;
    this.paddedCols = Math.ceil(cols / LANES) * LANES;
    const matrixBytes = this.rows * this.paddedCols * 4;
    this.vOffset = matrixBytes;
    this.outOffset = matrixBytes + this.rows * 4;
    const module = compileKernel(KERNEL_BASE64);
    let run: VecMatFn | undefined;
    let memory: WasmMemory | undefined;
    if (module !== null && wasm !== undefined) {
      memory = new wasm.Memory({ initial: Math.ceil((this.outOffset + this.paddedCols * 4) / WASM_PAGE_BYTES) });
      const padded = new Float32Array(memory.buffer, 0, this.rows * this.paddedCols);
      if (this.paddedCols === cols) padded.set(matrix);
      else for (let r = 0; r < this.rows; r++) padded.set(matrix.subarray(r * cols, (r + 1) * cols), r * this.paddedCols);
      run = new wasm.Instance(module, { env: { mem: memory } }).exports['vecMat'] as VecMatFn;
    }
    this.run = run;
    this.memory = memory;
    this.simd = run !== undefined;
  }

  /** `bias + v M` (bias defaults to zeros) as a new array of `cols` values; v must have one value per row. */
  apply(v: Float32Array, bias?: Float32Array): Float32Array {
    if (v.length !== this.rows) throw new RangeError(`VecMatKernel.apply: a vector of ${v.length} values for a matrix of ${this.rows} rows`);
    if (bias !== undefined && bias.length !== this.cols) throw new RangeError(`VecMatKernel.apply: a bias of ${bias.length} values for ${this.cols} columns`);
    const memory = this.memory;
    if (this.run === undefined || memory === undefined) return vecMatJs(v, this.matrix, this.cols, bias);
    new Float32Array(memory.buffer, this.vOffset, this.rows).set(v);
    const out = new Float32Array(memory.buffer, this.outOffset, this.paddedCols);
    if (bias === undefined) out.fill(0);
    else {
      out.set(bias);
      out.fill(0, this.cols);
    }
    this.run(0, this.vOffset, this.rows, this.paddedCols, this.outOffset);
    return out.slice(0, this.cols);
  }
}

/**
 * A `vecMat(v, M, cols, bias?)` for weights that no longer change: each matrix gets its kernel on first use (kept
 * while the matrix lives). Give each owner of frozen weights its own; weights still being trained use `vecMatJs`.
 */
export function frozenVecMat(): VecMat {
  const kernels = new WeakMap<Float32Array, VecMatKernel>();
  return (v, m, cols, bias) => {
    let kernel = kernels.get(m);
    if (kernel === undefined || kernel.cols !== cols) {
      kernel = new VecMatKernel(m, cols);
      kernels.set(m, kernel);
    }
    return kernel.apply(v, bias);
  };
}
