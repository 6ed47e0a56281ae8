// Max and min over any axes (ONNX ReduceMax/ReduceMin, global max pooling). The reduced axes are
// moved last by a strided copy (skipped when they already are), then rows reduce in chunked passes. The
// gradient goes to every element equal to the extreme (as tfjs; ties share it in full).
import { dispatch, empty, fmt, groupsFor, recordOp, ShapeError, sizeOf, type Tensor } from '../tensor/index.js';
import { normalizeAxes } from './reduce.js';
import { broadcastStrides, contiguousStrides, stridedMap } from './strided.js';
import { rowMax, rowMin } from './wgsl/reduce-extreme.js';

/** Values one thread reduces per pass. */
const CHUNK = 256;

/** [rows, r] → [rows] (shaped outShape) in chunked passes. */
function rowExtremes(wgsl: string, x: Tensor, rows: number, r: number, outShape: readonly number[]): Tensor {
  let current = x;
  let rest = r;
  for (;;) {
    const groups = Math.ceil(rest / CHUNK);
    const y = empty(groups === 1 ? outShape : [rows, groups]);
    const n = rows * groups;
    if (n > 0) {
      dispatch({ wgsl, bindings: [current.buffer, y.buffer], ints: [n, rest, CHUNK, groups], workgroups: groupsFor(n, 256), flops: rows * rest });
    }
    if (current !== x) current.dispose();
    if (groups === 1) return y;
    current = y;
    rest = groups;
  }
}

function extreme(kind: 'max' | 'min', x: Tensor, axesIn: readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes(kind, x.shape, axesIn);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const r = axes.reduce((n, a) => n * x.shape[a], 1);
  if (r === 0) throw new ShapeError(kind, 'a non-empty set of values to reduce', `axes [${axes.join(', ')}] of ${fmt(x.shape)}`);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : kept.map((i) => x.shape[i]);
  const perm = [...kept, ...axes];
  const inOrder = perm.every((p, i) => p === i);
  const strides = contiguousStrides(x.shape);
  const rows = inOrder
    ? x
    : stridedMap(
        kind,
        [{ tensor: x, strides: perm.map((p) => strides[p]) }],
        perm.map((p) => x.shape[p]),
        'v0',
      );
  const y = rowExtremes(kind === 'max' ? rowMax : rowMin, rows, sizeOf(outShape), r, outShape);
  if (rows !== x) rows.dispose();
  recordOp({
    kind: kind === 'max' ? 'reduceMax' : 'reduceMin',
    inputs: [x],
    output: y,
    saved: [x, y],
    backward: (gy) => {
      const spread = broadcastStrides(keptShape, x.shape);
      const views = [
        { tensor: x, strides },
        { tensor: y, strides: spread },
        { tensor: gy, strides: spread },
      ];
      return [stridedMap(kind, views, x.shape, 'select(T(0.0), v2, v0 == v1)')];
    },
  });
  return y;
}

/** Maximum over `axes` (default all); negative axes count from the end. */
export function reduceMax(x: Tensor, axes?: number[], keepDims = false): Tensor {
  return extreme('max', x, axes, keepDims);
}

/** Minimum over `axes` (default all). */
export function reduceMin(x: Tensor, axes?: number[], keepDims = false): Tensor {
  return extreme('min', x, axes, keepDims);
}
