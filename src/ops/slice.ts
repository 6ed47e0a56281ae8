// Slice with ONNX semantics (negative indices count from the end, bounds clamp, steps may be
// negative), split into pieces along an axis, and broadcastTo (ONNX Expand): strided reads whose
// backward scatters into zeros (slice) or sums over the repeated axes (broadcastTo).
import { fmt, recordOp, ShapeError, zeros, type Shape, type Tensor } from '../tensor/index.js';
import { sumAxes } from './reduce.js';
import { broadcastAxes, broadcastShapes, broadcastStrides, contiguousStrides, stridedMap, stridedScatterInto } from './strided.js';

export interface SliceSpec {
  starts: readonly number[];
  ends: readonly number[];
  /** Default 0..starts.length-1; negative counts from the end. */
  axes?: readonly number[];
  /** Default 1 each; non-zero. */
  steps?: readonly number[];
}

interface Resolved {
  shape: number[];
  strides: number[];
  base: number;
}

/** Clamped start and output length along one axis of size `dim`, as ONNX Slice. */
function axisRange(dim: number, start: number, end: number, step: number): [number, number] {
  const wrap = (v: number) => (v < 0 ? v + dim : v);
  const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const s = step > 0 ? clampTo(wrap(start), 0, dim) : clampTo(wrap(start), 0, dim - 1);
  const e = step > 0 ? clampTo(wrap(end), 0, dim) : clampTo(wrap(end), -1, dim - 1);
  return [s, Math.max(0, Math.ceil((e - s) / step))];
}

function resolve(x: Tensor, spec: SliceSpec): Resolved {
  const list = (name: string, v: readonly number[] | undefined) => (v ? `, ${name} [${v.join(', ')}]` : '');
  const given = `starts [${spec.starts.join(', ')}]${list('ends', spec.ends)}${list('axes', spec.axes)}${list('steps', spec.steps)} for ${fmt(x.shape)}`;
  const n = spec.starts.length;
  const axes = spec.axes ?? spec.starts.map((_, i) => i);
  const steps = spec.steps ?? spec.starts.map(() => 1);
  if (spec.ends.length !== n || axes.length !== n || steps.length !== n) throw new ShapeError('slice', 'starts, ends, axes and steps of one length', given);
  const own = contiguousStrides(x.shape);
  const shape = [...x.shape];
  const strides = [...own];
  let base = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const axis = axes[i] < 0 ? axes[i] + x.rank : axes[i];
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank || seen.has(axis)) {
      throw new ShapeError('slice', `distinct axes in [${-x.rank}, ${x.rank - 1}]`, given);
    }
    if (!Number.isInteger(steps[i]) || steps[i] === 0) throw new ShapeError('slice', 'non-zero integer steps', given);
    seen.add(axis);
    const [start, length] = axisRange(x.shape[axis], spec.starts[i], spec.ends[i], steps[i]);
    shape[axis] = length;
    strides[axis] = own[axis] * steps[i];
    base += length > 0 ? start * own[axis] : 0;
  }
  return { shape, strides, base };
}

/** x[starts:ends:steps] along `axes`. */
export function slice(x: Tensor, spec: SliceSpec): Tensor {
  const r = resolve(x, spec);
  const y = stridedMap('slice', [{ tensor: x, strides: r.strides, base: r.base }], r.shape, 'v0');
  recordOp({
    kind: 'slice',
    inputs: [x],
    output: y,
    backward: (gy) => {
      const gx = zeros(x.shape);
      stridedScatterInto(gy, gx, r.strides, r.base);
      return [gx];
    },
  });
  return y;
}

/** Pieces of the given sizes along `axis` (they must add up to its length). */
export function split(x: Tensor, sizes: readonly number[], axis = -1): Tensor[] {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= x.rank) {
    throw new ShapeError('split', `an axis in [${-x.rank}, ${x.rank - 1}]`, `axis ${axis} for ${fmt(x.shape)}`);
  }
  const total = sizes.reduce((n, s) => n + s, 0);
  if (total !== x.shape[ax] || !sizes.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new ShapeError('split', `non-negative sizes adding up to ${x.shape[ax]} (axis ${ax} of ${fmt(x.shape)})`, `sizes [${sizes.join(', ')}]`);
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = slice(x, { starts: [start], ends: [start + s], axes: [ax] });
    start += s;
    return piece;
  });
}

/** x repeated along its size-1 (and missing leading) axes to `shape`, NumPy-broadcast (ONNX Expand). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const outShape = broadcastShapes('broadcastTo', x.shape, shape);
  const y = stridedMap('broadcastTo', [{ tensor: x, strides: broadcastStrides(x.shape, outShape) }], outShape, 'v0');
  const axes = broadcastAxes(x.shape, outShape);
  recordOp({ kind: 'broadcastTo', inputs: [x], output: y, backward: (gy) => [sumAxes(gy, axes, 1, x.shape)] });
  return y;
}
