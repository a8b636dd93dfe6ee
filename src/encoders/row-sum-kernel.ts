// Sums of selected rows of a table, `out = sum_k table[rows[k]]`: the student encoder's whole cost (a long dialogue
// context selects ~600 rows of 512 floats). Plain JS adds one float at a time; this WebAssembly SIMD kernel adds
// four, in the same order per float, so its sums are bit for bit the JS ones (an f32 add is an f32 add in either:
// JS adds in f64 and rounds to f32 on store, which for two f32 operands rounds the same, as 53 >= 2 x 24 + 2).
// Without WebAssembly SIMD, or for widths that are not a multiple of 8 floats, the JS loop runs.
//
// The kernel is this WAT, compiled with wabt's `wat2wasm` (npm wabt 1.0.32, simd enabled) and inlined as base64:
//
// (module
//   (import "env" "mem" (memory 1))
//   ;; out[j] = sum over k < n of table[rows[k] * d + j] for j < d; rows are i32 row indices; d a multiple of 8;
//   ;; table, rows and out are byte offsets.
//   (func (export "sumRows") (param $table i32) (param $rows i32) (param $n i32) (param $d i32) (param $out i32)
//     (local $rowsEnd i32) (local $src i32) (local $dst i32) (local $end i32) (local $bytes i32)
//     (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
//     (local.set $end (i32.add (local.get $out) (local.get $bytes)))
//     (local.set $dst (local.get $out))
//     (block $zeroed
//       (loop $zero
//         (br_if $zeroed (i32.ge_u (local.get $dst) (local.get $end)))
//         (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
//         (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
//         (br $zero)))
//     (local.set $rowsEnd (i32.add (local.get $rows) (i32.shl (local.get $n) (i32.const 2))))
//     (block $done
//       (loop $row
//         (br_if $done (i32.ge_u (local.get $rows) (local.get $rowsEnd)))
//         (local.set $src (i32.add (local.get $table) (i32.mul (i32.load (local.get $rows)) (local.get $bytes))))
//         (local.set $dst (local.get $out))
//         (block $summed
//           (loop $dims
//             (br_if $summed (i32.ge_u (local.get $dst) (local.get $end)))
//             (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
//             (v128.store offset=16 (local.get $dst) (f32x4.add (v128.load offset=16 (local.get $dst)) (v128.load offset=16 (local.get $src))))
//             (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
//             (local.set $src (i32.add (local.get $src) (i32.const 32)))
//             (br $dims)))
//         (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
//         (br $row)))))

import { compileKernel, wasm, WASM_PAGE_BYTES, type WasmMemory } from '../core/wasm-kernel.js';

const KERNEL_BASE64 =
  'AGFzbQEAAAABCQFgBX9/f39/AAIMAQNlbnYDbWVtAgABAwIBAAcLAQdzdW1Sb3dzAAAKvwEBvAEBBX8gA0ECdCEJIAQgCWohCCAEIQcCQANAIAcgCE8NASAH/QwAAAAAAAAAAAAAAAAAAAAA/QsEACAHQRBqIQcMAAsLIAEgAkECdGohBQJAA0AgASAFTw0BIAAgASgCACAJbGohBiAEIQcCQANAIAcgCE8NASAHIAf9AAQAIAb9AAQA/eQB/QsEACAHIAf9AAQQIAb9AAQQ/eQB/QsEECAHQSBqIQcgBkEgaiEGDAALCyABQQRqIQEMAAsLCw==';

const PAGE_BYTES = WASM_PAGE_BYTES;
/** The kernel adds 8 floats per pass. */
const WIDTH_STEP = 8;

type SumRowsFn = (table: number, rows: number, n: number, d: number, out: number) => void;

function kernelModule(): object | null {
  return compileKernel(KERNEL_BASE64);
}

/** Sum of the selected rows of `table` ([rows x dim], row-major) into `out` (not normalized), in plain JS. */
export function sumRowsJs(table: Float32Array, rows: Int32Array, dim: number, out: Float32Array): Float32Array {
  out.fill(0);
  for (let r = 0; r < rows.length; r++) {
    const at = rows[r]! * dim;
    for (let d = 0; d < dim; d++) out[d] = out[d]! + table[at + d]!;
  }
  return out;
}

/**
 * A table copied once into WebAssembly memory, whose row sums the SIMD kernel computes (the JS loop where the kernel
 * cannot run). Sums equal `sumRowsJs` bit for bit.
 */
export class RowSumKernel {
  readonly simd: boolean;
  private readonly sum: SumRowsFn | undefined;
  private memory: WasmMemory | undefined;
  private rowsOffset = 0;
  private rowsCapacity = 0;
  private outOffset = 0;

  constructor(
    private readonly table: Float32Array,
    readonly dim: number,
  ) {
    if (table.length % dim !== 0) throw new RangeError(`RowSumKernel: a table of ${table.length} values is not made of rows of ${dim}`);
    const module = dim % WIDTH_STEP === 0 ? kernelModule() : null;
    if (module !== null && wasm !== undefined) {
      const tableBytes = table.length * 4;
      this.outOffset = tableBytes;
      this.rowsOffset = tableBytes + dim * 4;
      this.rowsCapacity = 1024;
      this.memory = new wasm.Memory({ initial: Math.ceil((this.rowsOffset + this.rowsCapacity * 4) / PAGE_BYTES) });
      new Float32Array(this.memory.buffer, 0, table.length).set(table);
      const instance = new wasm.Instance(module, { env: { mem: this.memory } });
      this.sum = instance.exports['sumRows'] as SumRowsFn;
    }
    this.simd = this.sum !== undefined;
  }

  /** The sum of the selected rows, written into `out` (length dim). Row indices must be in the table. */
  sumRows(rows: Int32Array, out: Float32Array): Float32Array {
    const memory = this.memory;
    if (this.sum === undefined || memory === undefined) return sumRowsJs(this.table, rows, this.dim, out);
    if (rows.length > this.rowsCapacity) {
      const needed = this.rowsOffset + rows.length * 4 - memory.buffer.byteLength;
      if (needed > 0) memory.grow(Math.ceil(needed / PAGE_BYTES));
      this.rowsCapacity = rows.length;
    }
    const rowCount = this.table.length / this.dim;
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      if (!(row >= 0 && row < rowCount)) throw new RangeError(`RowSumKernel.sumRows: row ${row} outside the table's ${rowCount} rows`);
    }
    new Int32Array(memory.buffer, this.rowsOffset, rows.length).set(rows);
    this.sum(0, this.rowsOffset, rows.length, this.dim, this.outOffset);
    out.set(new Float32Array(memory.buffer, this.outOffset, this.dim));
    return out;
  }
}
