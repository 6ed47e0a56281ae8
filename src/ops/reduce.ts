// Sum and mean over any set of axes. Adjacent axes that are all kept or all reduced are merged,
// so every reduction becomes passes over an [A, R, B] view (reduce the middle); a set like
// {0, 2} of [N, H, W, C] takes two passes. The gradient broadcasts back in one kernel.
import { copyBuffer, dispatch, empty, fmt, groupsFor, recordOp, ShapeError, sizeOf, type Shape, type Tensor } from '../tensor/index.js';
import * as k from './wgsl/reduce.js';

/** Values one thread sums per pass: long enough to amortise the pass, short for float32 accuracy. */
const CHUNK = 256;

/** Checks and normalises axes (negative counts from the end); sorted, each once. */
export function normalizeAxes(op: string, shape: Shape, axes: readonly number[] | undefined): number[] {
  const rank = shape.length;
  if (axes === undefined) return shape.map((_, i) => i);
  const seen = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ShapeError(op, `axes that are integers in [${-rank}, ${rank - 1}] for shape ${fmt(shape)}`, `axes [${axes.join(', ')}]`);
    }
    const n = a < 0 ? a + rank : a;
    if (seen.has(n)) throw new ShapeError(op, `each axis at most once for shape ${fmt(shape)}`, `axes [${axes.join(', ')}]`);
    seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

interface AxisGroup {
  size: number;
  reduced: boolean;
}

/** Merges neighbouring axes with the same role; axes of size 1 carry no index and are dropped. */
function collapse(shape: Shape, reducedAxes: readonly number[]): AxisGroup[] {
  const groups: AxisGroup[] = [];
  shape.forEach((size, axis) => {
    if (size === 1) return;
    const reduced = reducedAxes.includes(axis);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced) last.size *= size;
    else groups.push({ size, reduced });
  });
  return groups;
}

/** One [A, R, B] -> [A, B] reduction, in chunked passes until R is covered; the last pass applies scale. */
function reduceMiddle(x: Tensor, a: number, r: number, b: number, scale: number, outShape: Shape): Tensor {
  let current = x;
  let rest = r;
  for (;;) {
    const groups = Math.ceil(rest / CHUNK);
    const last = groups === 1;
    const y = empty(last ? outShape : [a, groups, b]);
    const n = a * groups * b;
    dispatch({
      wgsl: k.sumColumnChunks,
      bindings: [current.buffer, y.buffer],
      ints: [n, rest, b, CHUNK, groups],
      floats: [last ? scale : 1],
      workgroups: groupsFor(n, 256),
      flops: a * rest * b,
    });
    if (current !== x) current.dispose();
    if (last) return y;
    current = y;
    rest = groups;
  }
}

function fill(shape: Shape, value: number): Tensor {
  const y = empty(shape);
  dispatch({ wgsl: k.fill, bindings: [y.buffer], ints: [y.size], floats: [value], workgroups: groupsFor(y.size, 256) });
  return y;
}

/**
 * Σ over `axes` (normalised) times `scale`, shaped `outShape`. Not recorded for autodiff: the
 * building block of sum, mean and the loss.
 */
export function sumAxes(x: Tensor, axes: readonly number[], scale: number, outShape: Shape): Tensor {
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  if (sizeOf(outShape) === 0) return empty(outShape);
  // Σ over nothing is 0; a mean over nothing is 0·∞ = NaN, as in NumPy.
  if (count === 0) return fill(outShape, 0 * scale);
  let groups = collapse(x.shape, axes);
  if (!groups.some((g) => g.reduced)) return scaledCopy(x, scale, outShape);
  let current = x;
  for (;;) {
    const reducedLeft = groups.filter((g) => g.reduced);
    // The largest reduction first: later passes then read less.
    const target = reducedLeft.reduce((best, g) => (g.size > best.size ? g : best));
    const at = groups.indexOf(target);
    const a = sizeOf(groups.slice(0, at).map((g) => g.size));
    const b = sizeOf(groups.slice(at + 1).map((g) => g.size));
    const last = reducedLeft.length === 1;
    const y = reduceMiddle(current, a, target.size, b, last ? scale : 1, last ? outShape : [a * b]);
    if (current !== x) current.dispose();
    if (last) return y;
    current = y;
    groups = collapse(
      groups.filter((g) => g !== target).map((g) => g.size),
      groups.filter((g) => g !== target).flatMap((g, i) => (g.reduced ? [i] : [])),
    );
  }
}

/** y = x·scale, for a reduction that removes only axes of size 1. */
function scaledCopy(x: Tensor, scale: number, outShape: Shape): Tensor {
  const y = empty(outShape);
  if (scale === 1) {
    copyBuffer(x.buffer, 0, y.buffer, 0, x.size * 4);
  } else {
    const ints = broadcastInts(x.size, [{ size: x.size, reduced: false }]);
    dispatch({ wgsl: k.broadcastScaled, bindings: [x.buffer, y.buffer], ints, floats: [scale], workgroups: groupsFor(x.size, 256), flops: x.size });
  }
  return y;
}

/** Params for broadcastScaled: n, nd, padding, dims[8], strides[8] (0 along reduced groups). */
function broadcastInts(n: number, groups: readonly AxisGroup[]): number[] {
  const nd = groups.length;
  const dims = new Array<number>(k.MAX_BROADCAST_DIMS).fill(1);
  const strides = new Array<number>(k.MAX_BROADCAST_DIMS).fill(0);
  let stride = 1;
  for (let d = nd - 1; d >= 0; d--) {
    dims[d] = groups[d].size;
    if (!groups[d].reduced) {
      strides[d] = stride;
      stride *= groups[d].size;
    }
  }
  return [n, nd, 0, 0, ...dims, ...strides];
}

/** gx[i] = gy[i with reduced axes dropped]·scale: the backward of sumAxes. */
function broadcastGradient(gy: Tensor, xShape: Shape, axes: readonly number[], scale: number): Tensor {
  const gx = empty(xShape);
  if (gx.size === 0) return gx;
  const groups = collapse(xShape, axes);
  dispatch({
    wgsl: k.broadcastScaled,
    bindings: [gy.buffer, gx.buffer],
    ints: broadcastInts(gx.size, groups),
    floats: [scale],
    workgroups: groupsFor(gx.size, 256),
    flops: gx.size,
  });
  return gx;
}

function reduceOp(kind: 'sum' | 'mean', x: Tensor, axesIn: readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes(kind, x.shape, axesIn);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const scale = kind === 'mean' ? 1 / count : 1;
  if (collapse(x.shape, axes).length > k.MAX_BROADCAST_DIMS) {
    // Checked here so the forward does not succeed where the backward's broadcast could not run.
    throw new ShapeError(
      kind,
      `at most ${k.MAX_BROADCAST_DIMS} alternating groups of kept and reduced axes`,
      `shape ${fmt(x.shape)} with axes [${axes.join(', ')}]`,
    );
  }
  const y = sumAxes(x, axes, scale, outShape);
  recordOp({
    kind,
    inputs: [x],
    output: y,
    backward: (gy) => [broadcastGradient(gy, x.shape, axes, scale)],
  });
  return y;
}

/** Σ over `axes` (default: all). Negative axes count from the end; keepDims leaves them as size 1. */
export function sum(x: Tensor, axes?: number[], keepDims = false): Tensor {
  return reduceOp('sum', x, axes, keepDims);
}

/** Mean over `axes` (default: all); the mean over zero elements is NaN. */
export function mean(x: Tensor, axes?: number[], keepDims = false): Tensor {
  return reduceOp('mean', x, axes, keepDims);
}
