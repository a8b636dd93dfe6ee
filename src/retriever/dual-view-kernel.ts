// Row-by-vector dot products for retrieval-time math: `out[r] = M[r] . q` for every row of a matrix. This is
// the hot loop of scoring one query against the whole catalogue (6,924 x 128 on ReDial); plain JS manages
// ~1.2 ms for it on our machines, a small WebAssembly SIMD kernel ~0.15 ms. Rows are padded to a multiple of
// 16 floats (zeros), which changes no dot product. Without WebAssembly SIMD it falls back to JS.
//
// The kernel is this WAT, compiled with wabt's `wat2wasm` (1.0.32) and inlined below as base64:
//
// (module
//   (import "env" "mem" (memory 1))
//   ;; out[r] = sum_j m[r*d + j] * q[j], for r < n; d is a multiple of 16; all offsets in bytes.
//   (func (export "scores") (param $m i32) (param $q i32) (param $out i32) (param $n i32) (param $d i32)
//     (local $rowEnd i32) (local $end i32) (local $j i32) (local $qp i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
//     (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
//     (local.set $d (i32.shl (local.get $d) (i32.const 2)))
//     (block $done
//       (loop $rows
//         (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
//         (local.set $a0 (v128.const f32x4 0 0 0 0))
//         (local.set $a1 (v128.const f32x4 0 0 0 0))
//         (local.set $a2 (v128.const f32x4 0 0 0 0))
//         (local.set $a3 (v128.const f32x4 0 0 0 0))
//         (local.set $rowEnd (i32.add (local.get $m) (local.get $d)))
//         (local.set $qp (local.get $q))
//         (block $dd
//           (loop $dims
//             (br_if $dd (i32.ge_u (local.get $m) (local.get $rowEnd)))
//             (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $m)) (v128.load (local.get $qp)))))
//             (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $m)) (v128.load offset=16 (local.get $qp)))))
//             (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $m)) (v128.load offset=32 (local.get $qp)))))
//             (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $m)) (v128.load offset=48 (local.get $qp)))))
//             (local.set $m (i32.add (local.get $m) (i32.const 64)))
//             (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
//             (br $dims)))
//         (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
//         (f32.store (local.get $out)
//           (f32.add
//             (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
//             (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
//         (local.set $out (i32.add (local.get $out) (i32.const 4)))
//         (br $rows)))))

import { compileKernel, wasm, WASM_PAGE_BYTES, type WasmMemory } from '../core/wasm-kernel.js';

const KERNEL_BASE64 =
  'AGFzbQEAAAABCQFgBX9/f39/AAIMAQNlbnYDbWVtAgABAwIBAAcKAQZzY29yZXMAAAqxAgGuAgIEfwR7IAIgA0ECdGohBiAEQQJ0IQQCQANAIAIgBk8NAf0MAAAAAAAAAAAAAAAAAAAAACEJ/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEMIAAgBGohBSABIQgCQANAIAAgBU8NASAJIAD9AAQAIAj9AAQA/eYB/eQBIQkgCiAA/QAEECAI/QAEEP3mAf3kASEKIAsgAP0ABCAgCP0ABCD95gH95AEhCyAMIAD9AAQwIAj9AAQw/eYB/eQBIQwgAEHAAGohACAIQcAAaiEIDAALCyAJIAr95AEgCyAM/eQB/eQBIQkgAiAJ/R8AIAn9HwGSIAn9HwIgCf0fA5KSOAIAIAJBBGohAgwACwsL';

const LANES = 16;
const PAGE_BYTES = WASM_PAGE_BYTES;

type ScoresFn = (m: number, q: number, out: number, n: number, d: number) => void;

function kernelModule(): object | null {
  return compileKernel(KERNEL_BASE64);
}

/** A growable buffer with the Memory interface, for hosts without WebAssembly. */
function fallbackMemory(): WasmMemory {
  const memory = {
    buffer: new ArrayBuffer(PAGE_BYTES),
    grow(pages: number): number {
      const old = memory.buffer;
      const next = new ArrayBuffer(old.byteLength + pages * PAGE_BYTES);
      new Uint8Array(next).set(new Uint8Array(old));
      memory.buffer = next;
      return old.byteLength / PAGE_BYTES;
    },
  };
  return memory;
}

/** Floats per padded row for `cols` columns. */
export function paddedWidth(cols: number): number {
  return Math.ceil(cols / LANES) * LANES;
}

/** A matrix with rows padded to a multiple of 16 floats, living in a kernel's memory. */
export interface PaddedMatrix {
  rows: number;
  cols: number;
  stride: number;
  /** Byte offset in the kernel memory. */
  offset: number;
}

/**
 * Owns one WebAssembly memory holding matrices and scratch vectors, and computes row dot products over them.
 * Matrices are added once (`addMatrix`); `rowDots` then runs without allocating.
 */
export class DotKernel {
  readonly simd: boolean;
  private memory: WasmMemory;
  private scores: ScoresFn | undefined;
  private used = 0;
  private f32: Float32Array;

  constructor() {
    const module = kernelModule();
    this.memory = wasm === undefined ? fallbackMemory() : new wasm.Memory({ initial: 1 });
    if (module !== null && wasm !== undefined) {
      const instance = new wasm.Instance(module, { env: { mem: this.memory } });
      this.scores = instance.exports['scores'] as ScoresFn;
    }
    this.simd = this.scores !== undefined;
    this.f32 = new Float32Array(this.memory.buffer);
  }

  private alloc(floats: number): number {
    const offset = this.used;
    const needed = offset + floats * 4;
    const have = this.memory.buffer.byteLength;
    if (needed > have) {
      this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    this.used = Math.ceil(needed / 64) * 64;
    return offset;
  }

  /** Copies a row-major [rows x cols] matrix in, padding each row with zeros. */
  addMatrix(data: Float32Array, rows: number, cols: number): PaddedMatrix {
    if (data.length !== rows * cols) throw new RangeError(`DotKernel.addMatrix: ${data.length} values for ${rows} x ${cols}`);
    const stride = paddedWidth(cols);
    const offset = this.alloc(Math.max(1, rows * stride));
    const view = this.f32;
    const base = offset / 4;
    for (let r = 0; r < rows; r++) view.set(data.subarray(r * cols, (r + 1) * cols), base + r * stride);
    return { rows, cols, stride, offset };
  }

  /** Scratch for one vector of `cols` values (zero-padded) and one output of `rows` values. */
  scratch(cols: number, rows: number): { input: number; output: number } {
    return { input: this.alloc(paddedWidth(cols)), output: this.alloc(Math.max(rows, 1)) };
  }

  /** A live view of `length` floats at byte `offset` (re-fetch after any `addMatrix`/`scratch`, which may grow memory). */
  view(offset: number, length: number): Float32Array {
    return this.f32.subarray(offset / 4, offset / 4 + length);
  }

  /**
   * out = M q for a matrix added earlier: `q` (length m.cols) is copied to `input`, the result is
   * written at `output` and returned as a view (valid until the next call that writes there).
   */
  rowDots(m: PaddedMatrix, q: ArrayLike<number>, slot: { input: number; output: number }): Float32Array {
    if (q.length !== m.cols) throw new RangeError(`DotKernel.rowDots: vector of ${q.length} for ${m.cols} columns`);
    const f = this.f32;
    const qBase = slot.input / 4;
    for (let j = 0; j < m.cols; j++) f[qBase + j] = q[j] as number;
    for (let j = m.cols; j < m.stride; j++) f[qBase + j] = 0;
    if (this.scores !== undefined) {
      this.scores(m.offset, slot.input, slot.output, m.rows, m.stride);
    } else {
      const out = slot.output / 4;
      for (let r = 0; r < m.rows; r++) {
        const o = m.offset / 4 + r * m.stride;
        let s = 0;
        for (let j = 0; j < m.cols; j++) s += (f[o + j] as number) * (f[qBase + j] as number);
        f[out + r] = s;
      }
    }
    return this.view(slot.output, m.rows);
  }
}
