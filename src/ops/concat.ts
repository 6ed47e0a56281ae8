// Concatenation along one axis (default the last: channels, as in an Inception module). Every
// input is viewed as [outer, inner] with inner = its size along the axis times the sizes after
// it; it lands in a column band of the output's [outer, Σ inner]. The backward cuts the bands out.
import { dispatch, empty, fmt, groupsFor, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import * as k from './wgsl/concat.js';

interface Band {
  inner: number;
  offset: number;
}

/** Copies rows of `inner` values between [outer, srcStride] and [outer, dstStride] arrays at the given offsets. */
function copyBand(src: Tensor, dst: Tensor, outer: number, inner: number, srcStride: number, srcOffset: number, dstStride: number, dstOffset: number): void {
  const n = outer * inner;
  if (n === 0) return;
  const vec4 = [inner, srcStride, srcOffset, dstStride, dstOffset].every((v) => v % 4 === 0);
  const w = vec4 ? 4 : 1;
  const chunks = Math.ceil(inner / w / k.CHUNK);
  const threads = outer * chunks;
  dispatch({
    wgsl: vec4 ? k.copyBlockVec4 : k.copyBlock,
    bindings: [src.buffer, dst.buffer],
    ints: [threads, inner / w, chunks, srcStride / w, srcOffset / w, dstStride / w, dstOffset / w],
    workgroups: groupsFor(threads, k.THREADS_PER_WORKGROUP),
    flops: n,
  });
}

function normalizeAxis(xs: readonly Tensor[], axis: number): number {
  const rank = xs[0].rank;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError('concat', `an integer axis in [${-rank}, ${rank - 1}] for inputs of rank ${rank}`, `axis ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Joins tensors along `axis` (default -1, channels); all other dimensions must match. */
export function concat(xs: Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'at least one input', 'no inputs');
  if (xs[0].rank === 0) throw new ShapeError('concat', 'inputs of rank >= 1', `shape ${fmt(xs[0].shape)}`);
  const ax = normalizeAxis(xs, axis);
  const first = xs[0].shape;
  const mismatch = xs.some((x) => x.rank !== first.length || x.shape.some((d, i) => i !== ax && d !== first[i]));
  if (mismatch) {
    throw new ShapeError('concat', `shapes equal except along axis ${ax}`, xs.map((x) => fmt(x.shape)).join(', '));
  }
  const after = first.slice(ax + 1).reduce((n, d) => n * d, 1);
  const outer = first.slice(0, ax).reduce((n, d) => n * d, 1);
  const bands: Band[] = [];
  let total = 0;
  for (const x of xs) {
    const inner = x.shape[ax] * after;
    bands.push({ inner, offset: total });
    total += inner;
  }
  const outShape = first.map((d, i) => (i === ax ? xs.reduce((n, x) => n + x.shape[ax], 0) : d));
  const y = empty(outShape);
  xs.forEach((x, i) => copyBand(x, y, outer, bands[i].inner, bands[i].inner, 0, total, bands[i].offset));
  recordOp({
    kind: 'concat',
    inputs: xs,
    output: y,
    backward: (gy, { needs }) =>
      xs.map((x, i) => {
        if (!needs[i]) return null;
        const gx = empty(x.shape);
        copyBand(gy, gx, outer, bands[i].inner, total, bands[i].offset, bands[i].inner, 0);
        return gx;
      }),
  });
  return y;
}
