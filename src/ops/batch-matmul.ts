// Batched matrix product with NumPy/ONNX MatMul semantics on tensors of rank >= 2: the last two
// axes multiply, the leading (batch) axes broadcast. A 2-D right operand (ConvNeXt's pointwise
// MatMul [N, H, W, C]·[C, K], a Dense on a feature map) folds every leading axis of a into the rows
// of one GEMM; otherwise one GEMM per output batch, reading each operand at its batch's offset.
import { empty, fmt, recordOp, ShapeError, sizeOf, type Shape, type Tensor } from '../tensor/index.js';
import { gemm } from './matmul.js';
import { sumAxes } from './reduce.js';
import { broadcastAxes, broadcastShapes, broadcastStrides } from './strided.js';

const OP = 'batchMatmul';

const rows = (t: Tensor, trans: boolean) => t.shape[t.rank - (trans ? 1 : 2)];
const cols = (t: Tensor, trans: boolean) => t.shape[t.rank - (trans ? 2 : 1)];
const batchOf = (shape: Shape) => shape.slice(0, -2);

/** op(a)·op(b) per batch of `outBatch` (each operand broadcast over it), into [...outBatch, M, N]. */
function batched(a: Tensor, transA: boolean, b: Tensor, transB: boolean, outBatch: Shape): Tensor {
  const M = rows(a, transA),
    K = cols(a, transA),
    N = cols(b, transB);
  const y = empty([...outBatch, M, N]);
  const matrix = (t: Tensor, offset: number) => ({ buffer: t.buffer, rows: t.shape[t.rank - 2], cols: t.shape[t.rank - 1], offset });
  const bFlat = sizeOf(batchOf(b.shape)) === 1;
  if (!transA && bFlat && sizeOf(batchOf(a.shape)) === sizeOf(outBatch)) {
    // One GEMM: a's batches are consecutive row blocks.
    const P = sizeOf(outBatch);
    const aAll = { buffer: a.buffer, rows: P * M, cols: K };
    gemm({ a: aAll, transposeA: false, b: matrix(b, 0), transposeB: transB, y: { buffer: y.buffer, rows: P * M, cols: N } });
    return y;
  }
  const aStrides = broadcastStrides(batchOf(a.shape), outBatch);
  const bStrides = broadcastStrides(batchOf(b.shape), outBatch);
  const count = sizeOf(outBatch);
  for (let i = 0; i < count; i++) {
    let rest = i,
      ai = 0,
      bi = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const c = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      ai += c * aStrides[d];
      bi += c * bStrides[d];
    }
    const aSize = a.shape[a.rank - 2] * a.shape[a.rank - 1];
    const bSize = b.shape[b.rank - 2] * b.shape[b.rank - 1];
    const yi = { buffer: y.buffer, rows: M, cols: N, offset: i * M * N };
    gemm({ a: matrix(a, ai * aSize), transposeA: transA, b: matrix(b, bi * bSize), transposeB: transB, y: yi });
  }
  return y;
}

/** The gradient `full` ([...outBatch, r, c]) summed over the batch axes x was broadcast along. */
function reduceTo(full: Tensor, x: Tensor): Tensor {
  const axes = broadcastAxes(x.shape, full.shape);
  if (axes.length === 0 && full.rank === x.rank) return full;
  const g = sumAxes(full, axes, 1, x.shape);
  full.dispose();
  return g;
}

/** a [..., M, K] · b [..., K, N] → [...broadcast batch, M, N]. */
export function batchMatmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(OP, 'operands of rank >= 2 ([..., M, K] and [..., K, N])', `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
  if (cols(a, false) !== rows(b, false)) throw new ShapeError(OP, `b with ${cols(a, false)} rows (a's columns)`, `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
  const outBatch = broadcastShapes(OP, batchOf(a.shape), batchOf(b.shape));
  const y = batched(a, false, b, false, outBatch);
  recordOp({
    kind: 'batchMatmul',
    inputs: [a, b],
    output: y,
    saved: [...(b.requiresGrad ? [a] : []), ...(a.requiresGrad ? [b] : [])],
    backward: (gy, { needs }) => {
      const ga = needs[0] ? reduceTo(batched(gy, false, b, true, outBatch), a) : null;
      let gb: Tensor | null = null;
      if (needs[1]) {
        if (b.rank === 2 && sizeOf(batchOf(a.shape)) === sizeOf(outBatch)) {
          // Σ over batches of aᵀ·dY is one GEMM over the folded rows.
          const P = sizeOf(outBatch) * rows(a, false);
          gb = empty(b.shape);
          const aAll = { buffer: a.buffer, rows: P, cols: cols(a, false) };
          const gyAll = { buffer: gy.buffer, rows: P, cols: cols(b, false) };
          gemm({ a: aAll, transposeA: true, b: gyAll, transposeB: false, y: { buffer: gb.buffer, rows: b.shape[0], cols: b.shape[1] } });
        } else {
          gb = reduceTo(batched(a, true, gy, false, outBatch), b);
        }
      }
      return [ga, gb];
    },
  });
  return y;
}
