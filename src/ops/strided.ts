// Strided views: the shape arithmetic (NumPy broadcasting, contiguous strides) and the launcher
// of wgsl/strided.ts's kernels, shared by binary ops, broadcastTo, transpose and slice.
import { dispatch, empty, fmt, groupsFor, ShapeError, type Shape, type Tensor } from '../tensor/index.js';
import { MAX_STRIDED_DIMS, MAX_STRIDED_INPUTS, stridedMapKernel, stridedScatterKernel, type LaneRead } from './wgsl/strided.js';

/** An input read at base + Σ coordinate·strides[d] for each output coordinate. */
export interface View {
  tensor: Tensor;
  strides: readonly number[];
  base?: number;
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** The NumPy broadcast of shapes (aligned at the right; each pair equal or one of them 1). */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dims = shapes.map((s) => s[s.length - rank + d] ?? 1);
    const sizes = new Set(dims.filter((v) => v !== 1));
    if (sizes.size > 1) {
      throw new ShapeError(op, 'shapes that broadcast (NumPy rules: aligned at the right, each dimension equal or 1)', shapes.map(fmt).join(' and '));
    }
    out.push(sizes.size === 1 ? [...sizes][0] : 1);
  }
  return out;
}

/** Strides that read `shape` broadcast to `outShape`: 0 along the dimensions it repeats. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_d, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** Axes of outShape that a tensor of `shape` was broadcast along: its gradient sums over them. */
export function broadcastAxes(shape: Shape, outShape: Shape): number[] {
  const lead = outShape.length - shape.length;
  return outShape.flatMap((d, i) => (d !== 1 && (i < lead || shape[i - lead] === 1) ? [i] : []));
}

function checkRank(op: string, shape: Shape): void {
  if (shape.length > MAX_STRIDED_DIMS) throw new ShapeError(op, `a tensor of rank <= ${MAX_STRIDED_DIMS}`, `shape ${fmt(shape)}`);
}

/**
 * Drops size-1 dims and merges neighbours that every view walks contiguously (stride of the outer
 * = stride of the inner × its size): fewer index divisions per element (the SE gate
 * [1, 1, 1, C] × [1, H, W, C] becomes [H·W, C]).
 */
function collapseDims(shape: Shape, strides: readonly (readonly number[])[]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, j) => out[j][last] === s[i] * d)) {
      dims[last] *= d;
      strides.forEach((s, j) => {
        out[j][last] = s[i];
      });
      return;
    }
    dims.push(d);
    strides.forEach((s, j) => out[j].push(s[i]));
  });
  return { dims, strides: out };
}

/**
 * vec4 reads when the innermost collapsed dim is a multiple of 4 and every view either walks it
 * contiguously from 4-aligned offsets ('lanes') or repeats one value along it ('splat'); else scalar.
 */
function laneReads(dims: readonly number[], strides: readonly (readonly number[])[], bases: readonly number[]): LaneRead[] {
  const last = dims.length - 1;
  const scalar = strides.map((): LaneRead => 'scalar');
  if (last < 0 || dims[last] % 4 !== 0) return scalar;
  const reads = strides.map((s, j): LaneRead | undefined =>
    s[last] === 0 ? 'splat' : s[last] === 1 && bases[j] % 4 === 0 && s.every((v, d) => d === last || v % 4 === 0) ? 'lanes' : undefined,
  );
  return reads.every((r) => r !== undefined) ? (reads as LaneRead[]) : scalar;
}

/** Uniform ints (n, nd, padding, bases (4), dims (8), then 8 strides per input), the collapsed rank and the lane reads. */
type Strides = { strides: readonly number[]; base?: number };

function stridedInts(outShape: Shape, views: readonly Strides[], allowVec4: boolean): { ints: number[]; nd: number; reads: LaneRead[] } {
  const size = outShape.reduce((n, d) => n * d, 1);
  const { dims, strides } = collapseDims(
    outShape,
    views.map((v) => v.strides),
  );
  const pad = (xs: readonly number[], fill: number, len: number) => [...xs, ...new Array<number>(len - xs.length).fill(fill)];
  const bases = views.map((v) => v.base ?? 0);
  const reads = allowVec4 ? laneReads(dims, strides, bases) : strides.map((): LaneRead => 'scalar');
  const items = reads.some((r) => r !== 'scalar') ? size / 4 : size;
  const ints = [items, dims.length, 0, 0, ...pad(bases, 0, 4), ...pad(dims, 1, MAX_STRIDED_DIMS), ...strides.flatMap((s) => pad(s, 0, MAX_STRIDED_DIMS))];
  return { ints, nd: dims.length, reads };
}

/**
 * y[outShape] = expr(v0, v1, …) with vj read through views[j], whose strides follow indexShape. The
 * expression must hold for T = f32 and vec4<f32> (write constants as T(0.0) where types must match).
 * (default outShape; another shape of the same size when y is that view reshaped). `op` names the
 * caller in errors.
 */
export function stridedMap(op: string, views: readonly View[], outShape: Shape, expr: string, helpers = '', indexShape: Shape = outShape): Tensor {
  checkRank(op, indexShape);
  if (views.length > MAX_STRIDED_INPUTS) throw new Error(`${op}: at most ${MAX_STRIDED_INPUTS} strided inputs`);
  const y = empty(outShape);
  if (y.size === 0) return y;
  const { ints, nd, reads } = stridedInts(indexShape, views, true);
  dispatch({
    wgsl: stridedMapKernel(reads, nd, expr, helpers),
    bindings: [...views.map((v) => v.tensor.buffer), y.buffer],
    ints,
    workgroups: groupsFor(ints[0], 256),
    flops: y.size,
  });
  return y;
}

/** Writes x (contiguous, shaped like the view's dims) into y at base + Σ c·strides: the inverse of a gather. */
export function stridedScatterInto(x: Tensor, y: Tensor, strides: readonly number[], base = 0): void {
  checkRank('scatter', x.shape);
  if (x.size === 0) return;
  const { ints, nd } = stridedInts(x.shape, [{ strides, base }], false);
  dispatch({
    wgsl: stridedScatterKernel(nd),
    bindings: [x.buffer, y.buffer],
    ints,
    workgroups: groupsFor(x.size, 256),
    flops: x.size,
  });
}
