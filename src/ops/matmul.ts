// Matrix product [M,K]·[K,N] (either operand optionally stored transposed), and the GEMM runner
// that dense and 1×1 convolutions share. Operands bigger than one storage binding (VGG16's fc1
// weight is 392 MiB, a binding at most 128 MiB) are processed in chunks whose every operand
// fits one binding: chunks along K accumulate into Y, chunks along M or N write their own part.
import { dispatch, fmt, gpu, groupsFor, recordOp, ShapeError, empty, type Tensor } from '../tensor/index.js';
import { SHARED_ROWS, sharedRowsAvailable, sharedWidth, workgroupWidth } from './tiles.js';
import { colGroupsFor, matmulKernel, type ALoad, type BLoad, type MatmulVariant } from './wgsl/matmul.js';

/** A row-major matrix in (part of) a GPU buffer: `rows × cols` floats from float offset `offset`. */
export interface Matrix {
  buffer: GPUBuffer;
  rows: number;
  cols: number;
  offset?: number;
}

export interface GemmArgs {
  a: Matrix;
  /** a holds Aᵀ ([K, M]). */
  transposeA: boolean;
  b: Matrix;
  /** b holds Bᵀ ([N, K]). */
  transposeB: boolean;
  /** Receives [M, N]. */
  y: Matrix;
  /** Per-column bias of length N. */
  bias?: GPUBuffer;
  /** Adds to what y holds instead of overwriting it (bias is then not added). */
  accumulate?: boolean;
  /**
   * `count` products of the same shape, matrix i of each operand `i·stride` floats after the
   * first (a, b, y as given): one dispatch when every operand's span fits a binding, else one
   * product at a time.
   */
  batch?: GemmBatch;
}

export interface GemmBatch {
  count: number;
  aStride: number;
  bStride: number;
  yStride: number;
}

const WEBGPU_BINDING_LIMIT = 128 * 1024 * 1024;
let bindingLimitOverride: number | undefined;

/** The largest storage binding we use, in bytes. */
export function maxBindingBytes(): number {
  return bindingLimitOverride ?? Math.min(WEBGPU_BINDING_LIMIT, gpu().limits.maxStorageBufferBindingSize);
}

/** Test hook: pretend bindings are at most `bytes` (undefined restores the device limit). */
export function setMaxBindingBytesForTests(bytes: number | undefined): void {
  bindingLimitOverride = bytes;
}

/** Binding offsets must be multiples of 256 bytes = 64 floats. */
const ALIGN_FLOATS = 64;

export interface Window {
  binding: { buffer: GPUBuffer; offset: number; size: number };
  /** Float index of `first` inside the binding. */
  base: number;
}

/** Binds the floats [first, end) of a buffer through an aligned window (never empty: K may be 0). */
export function windowOf(buffer: GPUBuffer, first: number, end: number): Window {
  end = Math.max(end, first + 1);
  const start = Math.floor(first / ALIGN_FLOATS) * ALIGN_FLOATS;
  const size = Math.min(Math.ceil((end - start) / 4) * 16, buffer.size - start * 4);
  return { binding: { buffer, offset: start * 4, size }, base: first - start };
}

/** Rows of `rowLength` floats that fit one binding with room for alignment, a multiple of 8. */
export function rowsPerBinding(rowLength: number, what: string): number {
  const rows = Math.floor((maxBindingBytes() / 4 - ALIGN_FLOATS) / rowLength / 8) * 8;
  if (rows < 8)
    throw new ShapeError(what, `rows of at most ${Math.floor(maxBindingBytes() / 32)} floats (8 rows per storage binding)`, `rows of ${rowLength} floats`);
  return rows;
}

function chunks(total: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += size) out.push([s, Math.min(total, s + size)]);
  return out.length ? out : [[0, 0]];
}

/** Rows per invocation: 8, or fewer for short matrices (a batch-1 dense layer is one row). */
export function gemmRowsPerInvocation(m: number): number {
  return m === 1 ? 1 : m <= 4 ? 4 : 8;
}

/**
 * Whether a product with `m` rows and `n` columns runs on shared-row tiles (tiles.ts): when the
 * device offers them and there are rows to share and at least 3 column groups of 4 for the lanes.
 * Narrower, the per-lane tiles (which put the idle lanes on further rows) were faster:
 * [12544, 64]·[64, n] on lavapipe, idle, per-lane vs shared ms: n = 4 1.25 / 1.39, 8 1.14 / 1.43,
 * 12 1.85 / 1.39, 16 1.77 / 1.40, 32 3.59 / 1.40, 147 16.3 / 7.3.
 */
export function useSharedRows(m: number, n: number): boolean {
  return sharedRowsAvailable() && m > 4 && Math.ceil(n / 4) >= 3;
}

/** Workgroups for `m` rows × `n` columns at `rows` per invocation, and the Params that go with them. */
export function gemmGrid(m: number, n: number, rows: number, shared = false): { colBlocks: number; colGroups: number; workgroups: number } {
  if (shared) {
    const width = sharedWidth();
    const colBlocks = Math.ceil(Math.ceil(n / 4) / width);
    return { colBlocks, colGroups: width, workgroups: Math.ceil(m / rows) * colBlocks };
  }
  const colGroups = colGroupsFor(n);
  const colBlocks = Math.ceil(Math.ceil(n / 4) / colGroups);
  const rowsPerGroup = rows * (workgroupWidth() / colGroups);
  return { colBlocks, colGroups, workgroups: Math.ceil(m / rowsPerGroup) * colBlocks };
}

/** M, K, N of op(A)·op(B), checked against Y. */
function gemmDims({ a, b, y, transposeA, transposeB }: GemmArgs): { M: number; K: number; N: number } {
  const M = transposeA ? a.cols : a.rows;
  const K = transposeA ? a.rows : a.cols;
  const N = transposeB ? b.rows : b.cols;
  if ((transposeB ? b.cols : b.rows) !== K || y.rows !== M || y.cols !== N) {
    throw new Error(`gemm: inconsistent operands A ${a.rows}×${a.cols}, B ${b.rows}×${b.cols}, Y ${y.rows}×${y.cols}`);
  }
  return { M, K, N };
}

/** The kernel variant (vec4 loads where layout and alignment allow) and the operands' strides. */
function gemmVariant(args: GemmArgs, M: number, K: number, N: number, batched = false) {
  const { a, b, y, transposeA, transposeB } = args;
  const aligned = (m: Matrix) => (m.offset ?? 0) % 4 === 0;
  // A stored [K, M] read as vec4 along M: the per-lane tiles' load; shared-row tiles read A by
  // rows, so such an A keeps the per-lane tiles rather than being read element by element.
  const km4 = transposeA && aligned(a) && M % 4 === 0;
  const shared = useSharedRows(M, N) && !km4;
  const rows = shared ? SHARED_ROWS : gemmRowsPerInvocation(M);
  const aLoad: ALoad = !aligned(a) ? 'strided' : !transposeA ? (K % 4 === 0 ? 'mk4' : 'strided') : km4 && rows % 4 === 0 ? 'km4' : 'strided';
  const bLoad: BLoad = !aligned(b) ? 'strided' : !transposeB ? (N % 4 === 0 ? 'kn4' : 'strided') : K % 4 === 0 ? 'nk4' : 'strided';
  const variant: MatmulVariant = { rows, a: aLoad, b: bLoad, yVec4: N % 4 === 0 && aligned(y), bias: args.bias !== undefined, batched, shared };
  // Element (i, j) of a stored matrix is at i·cols + j; a transposed operand swaps the roles.
  const [aRowStride, aColStride] = transposeA ? [1, a.cols] : [a.cols, 1];
  const [bRowStride, bColStride] = transposeB ? [1, b.cols] : [b.cols, 1];
  return { variant, aRowStride, aColStride, bRowStride, bColStride };
}

/** Records Y = op(A)·op(B) (+ bias) into the current step. */
export function gemm(args: GemmArgs): void {
  if (args.batch) {
    batchedGemm(args, args.batch);
    return;
  }
  const { a, b, y, transposeA, transposeB } = args;
  const { M, K, N } = gemmDims(args);
  if (M === 0 || N === 0) return;
  const { variant, aRowStride, aColStride, bRowStride, bColStride } = gemmVariant(args, M, K, N);
  const rows = variant.rows;
  const wgsl = matmulKernel(variant);

  // Chunk sizes: each operand's stored rows are contiguous, so a chunk along an operand's row
  // axis is a binding window; a chunk along its column axis is just a base offset.
  const limit = maxBindingBytes() / 4;
  let mChunk = M,
    nChunk = N,
    kChunk = K;
  if (a.rows * a.cols > limit) {
    if (transposeA) kChunk = Math.min(kChunk, rowsPerBinding(a.cols, 'matmul'));
    else mChunk = Math.min(mChunk, rowsPerBinding(a.cols, 'matmul'));
  }
  if (b.rows * b.cols > limit) {
    if (transposeB) nChunk = Math.min(nChunk, rowsPerBinding(b.cols, 'matmul'));
    else kChunk = Math.min(kChunk, rowsPerBinding(b.cols, 'matmul'));
  }
  if (y.rows * y.cols > limit) mChunk = Math.min(mChunk, rowsPerBinding(y.cols, 'matmul'));

  const at = (m: Matrix, r: number, c: number) => (m.offset ?? 0) + r * m.cols + c;
  for (const [m0, m1] of chunks(M, mChunk)) {
    for (const [n0, n1] of chunks(N, nChunk)) {
      const yw = windowOf(y.buffer, at(y, m0, n0), at(y, m1 - 1, n1));
      chunks(K, kChunk).forEach(([k0, k1], kIndex) => {
        const aw = transposeA ? windowOf(a.buffer, at(a, k0, m0), at(a, k1 - 1, m1)) : windowOf(a.buffer, at(a, m0, k0), at(a, m1 - 1, k1));
        const bw = transposeB ? windowOf(b.buffer, at(b, n0, k0), at(b, n1 - 1, k1)) : windowOf(b.buffer, at(b, k0, n0), at(b, k1 - 1, n1));
        const mc = m1 - m0,
          nc = n1 - n0,
          kc = k1 - k0;
        const grid = gemmGrid(mc, nc, rows, variant.shared);
        const accumulate = args.accumulate || kIndex > 0 ? 1 : 0;
        const bindings = [aw.binding, bw.binding, yw.binding];
        if (args.bias) bindings.push({ buffer: args.bias, offset: 0, size: args.bias.size });
        dispatch({
          wgsl,
          bindings,
          ints: [mc, nc, kc, aRowStride, aColStride, bRowStride, bColStride, y.cols, aw.base, bw.base, yw.base, n0, accumulate, grid.colBlocks, grid.colGroups],
          workgroups: groupsFor(grid.workgroups, 1),
          flops: 2 * mc * nc * kc,
        });
      });
    }
  }
}

/**
 * Several equally shaped products in one dispatch (workgroup z picks the product): on lavapipe each
 * dispatch ends with both cores waiting for its last workgroups, which for small products (the 16
 * GEMMs of a Winograd convolution on a 7×7 map) cost 15–30 % over one dispatch of the same work.
 */
function batchedGemm(args: GemmArgs, batch: GemmBatch): void {
  const { a, b, y } = args;
  const { M, K, N } = gemmDims(args);
  const last = batch.count - 1;
  const span = (m: Matrix, stride: number) => [m.offset ?? 0, (m.offset ?? 0) + last * stride + m.rows * m.cols] as const;
  const spans = [span(a, batch.aStride), span(b, batch.bStride), span(y, batch.yStride)];
  const limit = maxBindingBytes() / 4 - ALIGN_FLOATS;
  const vec4Strides = [batch.aStride, batch.bStride, batch.yStride].every((s) => s % 4 === 0);
  if (M === 0 || N === 0 || batch.count > 65535 || spans.some(([s, e]) => e - s > limit) || !vec4Strides || args.bias || args.accumulate) {
    for (let i = 0; i < batch.count; i++) {
      const at = (m: Matrix, stride: number): Matrix => ({ ...m, offset: (m.offset ?? 0) + i * stride });
      gemm({ ...args, batch: undefined, a: at(a, batch.aStride), b: at(b, batch.bStride), y: at(y, batch.yStride) });
    }
    return;
  }
  const { variant, aRowStride, aColStride, bRowStride, bColStride } = gemmVariant(args, M, K, N, true);
  const [aw, bw, yw] = [a, b, y].map((m, i) => windowOf(m.buffer, spans[i][0], spans[i][1]));
  const grid = gemmGrid(M, N, variant.rows, variant.shared);
  const [gx, gy] = groupsFor(grid.workgroups, 1);
  dispatch({
    wgsl: matmulKernel(variant),
    bindings: [aw.binding, bw.binding, yw.binding],
    ints: [
      M,
      N,
      K,
      aRowStride,
      aColStride,
      bRowStride,
      bColStride,
      y.cols,
      aw.base,
      bw.base,
      yw.base,
      0,
      0,
      grid.colBlocks,
      grid.colGroups,
      batch.aStride,
      batch.bStride,
      batch.yStride,
    ],
    workgroups: [gx, gy, batch.count],
    flops: 2 * M * N * K * batch.count,
  });
}

export const asMatrix = (t: Tensor, rows: number, cols: number): Matrix => ({ buffer: t.buffer, rows, cols });

/** Y = op(a)·op(b) into a new [M, N] tensor, not recorded for autodiff. */
export function gemmTensor(a: Tensor, transposeA: boolean, b: Tensor, transposeB: boolean, bias?: Tensor): Tensor {
  const M = transposeA ? a.shape[1] : a.shape[0];
  const N = transposeB ? b.shape[0] : b.shape[1];
  const y = empty([M, N]);
  gemm({
    a: asMatrix(a, a.shape[0], a.shape[1]),
    transposeA,
    b: asMatrix(b, b.shape[0], b.shape[1]),
    transposeB,
    y: asMatrix(y, M, N),
    bias: bias?.buffer,
  });
  return y;
}

export interface MatmulOptions {
  /** a is given as Aᵀ ([K, M]). */
  transposeA?: boolean;
  /** b is given as Bᵀ ([N, K]). */
  transposeB?: boolean;
}

export function checkMatmulShapes(op: string, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): void {
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(op, 'two matrices (rank 2)', `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
  const ka = transposeA ? a.shape[0] : a.shape[1];
  const kb = transposeB ? b.shape[1] : b.shape[0];
  if (ka !== kb) {
    const names = `${transposeA ? 'aᵀ' : 'a'} · ${transposeB ? 'bᵀ' : 'b'}`;
    throw new ShapeError(op, `matching inner dimensions for ${names} (${ka} in a)`, `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
  }
}

/**
 * [M, K]·[K, N] → [M, N]. transposeA / transposeB say an operand is stored transposed (a is
 * [K, M], b is [N, K]), which costs nothing: the kernel reads it in that layout.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transposeA = opts.transposeA ?? false;
  const transposeB = opts.transposeB ?? false;
  checkMatmulShapes('matmul', a, b, transposeA, transposeB);
  const y = gemmTensor(a, transposeA, b, transposeB);
  recordOp({
    kind: 'matmul',
    inputs: [a, b],
    output: y,
    saved: [...(b.requiresGrad ? [a] : []), ...(a.requiresGrad ? [b] : [])],
    backward: (gy, { needs }) => {
      // Y = op(A)·op(B): d op(A) = dY·op(B)ᵀ and d op(B) = op(A)ᵀ·dY, transposed back to storage.
      const ga = !needs[0] ? null : transposeA ? gemmTensor(b, transposeB, gy, true) : gemmTensor(gy, false, b, !transposeB);
      const gb = !needs[1] ? null : transposeB ? gemmTensor(gy, true, a, transposeA) : gemmTensor(a, !transposeA, gy, false);
      return [ga, gb];
    },
  });
  return y;
}
