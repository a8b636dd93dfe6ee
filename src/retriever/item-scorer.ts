// ItemScorer: every catalogue item's dot product with a query vector, the hot loop of retrieval.
// Dense columns run on the WebAssembly dot kernel. A column block that is mostly zeros on the item side (the
// lexical skip: about 30 of 1,024 hashed-term weights per INSPIRED item) is held by column and added in JS
// for the query's non-zero columns only (about 50 of 1,024 in the env): 1,123 x 1,024 multiply-adds per query
// become ~2,000, and the matrix the kernel streams per query shrinks from 5.2 MB to 0.6 MB, which matters most
// when several env workers share the machine's caches.
import { DotKernel, type PaddedMatrix } from './dual-view-kernel.js';

/** Columns [start, start + width) of the item rows that may be stored sparsely. */
export interface SparseBlock {
  start: number;
  width: number;
}

/** Above this share of non-zeros the block stays dense (the kernel is then faster than gathers). */
const MAX_SPARSE_DENSITY = 0.2;

/** The block by column (an inverted index): a query touches only the columns where it is non-zero. */
interface SparseColumns {
  block: SparseBlock;
  /** Column j's entries are at [columnStart[j], columnStart[j + 1]). */
  columnStart: Int32Array;
  row: Int32Array;
  value: Float32Array;
}

function toSparse(rows: Float32Array, n: number, dim: number, block: SparseBlock): SparseColumns | undefined {
  const columnStart = new Int32Array(block.width + 1);
  for (let r = 0; r < n; r++) {
    const base = r * dim + block.start;
    for (let j = 0; j < block.width; j++) if (rows[base + j] !== 0) columnStart[j + 1] = (columnStart[j + 1] as number) + 1;
  }
  for (let j = 0; j < block.width; j++) columnStart[j + 1] = (columnStart[j + 1] as number) + (columnStart[j] as number);
  const nonZeros = columnStart[block.width] as number;
  if (nonZeros > MAX_SPARSE_DENSITY * n * block.width) return undefined;
  const row = new Int32Array(nonZeros);
  const value = new Float32Array(nonZeros);
  const next = columnStart.slice(0, block.width);
  for (let r = 0; r < n; r++) {
    const base = r * dim + block.start;
    for (let j = 0; j < block.width; j++) {
      const v = rows[base + j] as number;
      if (v === 0) continue;
      const at = next[j] as number;
      row[at] = r;
      value[at] = v;
      next[j] = at + 1;
    }
  }
  return { block, columnStart, row, value };
}

/** The item rows without the block's columns. */
function withoutBlock(rows: Float32Array, n: number, dim: number, block: SparseBlock): Float32Array {
  const kept = dim - block.width;
  const out = new Float32Array(n * kept);
  for (let r = 0; r < n; r++) {
    out.set(rows.subarray(r * dim, r * dim + block.start), r * kept);
    out.set(rows.subarray(r * dim + block.start + block.width, (r + 1) * dim), r * kept + block.start);
  }
  return out;
}

export class ItemScorer {
  /** Whether the block is held sparsely (false: all columns on the kernel). */
  readonly sparse: boolean;
  private readonly kernel = new DotKernel();
  private readonly matrix: PaddedMatrix;
  private readonly slot: { input: number; output: number };
  private readonly sparseColumns: SparseColumns | undefined;
  /** The query's dense columns, reused across calls. */
  private readonly denseQuery: Float32Array;

  /** `rows`: [n x dim] row-major. `block`: columns worth storing sparsely when mostly zero. */
  constructor(
    rows: Float32Array,
    readonly n: number,
    readonly dim: number,
    block?: SparseBlock,
  ) {
    if (rows.length !== n * dim) throw new RangeError(`ItemScorer: ${rows.length} values for ${n} x ${dim}`);
    if (block !== undefined && (block.start < 0 || block.width < 1 || block.start + block.width > dim)) {
      throw new RangeError(`ItemScorer: block [${block.start}, ${block.start + block.width}) outside ${dim} columns`);
    }
    this.sparseColumns = block === undefined ? undefined : toSparse(rows, n, dim, block);
    this.sparse = this.sparseColumns !== undefined;
    const dense = this.sparseColumns === undefined ? rows : withoutBlock(rows, n, dim, this.sparseColumns.block);
    const denseDim = this.sparseColumns === undefined ? dim : dim - this.sparseColumns.block.width;
    this.matrix = this.kernel.addMatrix(dense, n, denseDim);
    this.slot = this.kernel.scratch(denseDim, n);
    this.denseQuery = new Float32Array(denseDim);
  }

  /** Scores of every row for query `q` (length dim): a view, overwritten by the next call. */
  scores(q: Float32Array): Float32Array {
    if (q.length !== this.dim) throw new RangeError(`ItemScorer: query of ${q.length} for ${this.dim} columns`);
    const sp = this.sparseColumns;
    if (sp === undefined) return this.kernel.rowDots(this.matrix, q, this.slot);
    const { start, width } = sp.block;
    const dq = this.denseQuery;
    dq.set(q.subarray(0, start), 0);
    dq.set(q.subarray(start + width), start);
    const out = this.kernel.rowDots(this.matrix, dq, this.slot);
    const { columnStart, row, value } = sp;
    for (let j = 0; j < width; j++) {
      const x = q[start + j] as number;
      if (x === 0) continue;
      for (let e = columnStart[j] as number, end = columnStart[j + 1] as number; e < end; e++) {
        const r = row[e] as number;
        out[r] = (out[r] as number) + x * (value[e] as number);
      }
    }
    return out;
  }
}
