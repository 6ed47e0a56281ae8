// Reshape and flatten. The output never shares the input's buffer (each tensor owns and releases
// its own), so reshape is a buffer copy. Flatten in 'nchw' order reproduces PyTorch/ONNX Flatten
// on the NCHW tensor, which imported classifiers' dense weights expect.
import { copyBuffer, dispatch, empty, fmt, groupsFor, recordOp, ShapeError, sizeOf, type Shape, type Tensor } from '../tensor/index.js';
import * as k from './wgsl/reshape.js';

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const given = `shape [${shape.join(', ')}] for input ${fmt(x.shape)} (${x.size} values)`;
  const free = shape.filter((d) => d === -1).length;
  if (free > 1 || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new ShapeError('reshape', 'non-negative integer dimensions with at most one -1', given);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (free === 1) {
    if (known === 0 || x.size % known !== 0) throw new ShapeError('reshape', `a shape whose -1 resolves to a whole number of values`, given);
    return shape.map((d) => (d === -1 ? x.size / known : d));
  }
  if (known !== x.size) throw new ShapeError('reshape', `a shape of ${x.size} values`, given);
  return [...shape];
}

function copyAs(src: Tensor, shape: Shape): Tensor {
  const y = empty(shape);
  if (src.size > 0) copyBuffer(src.buffer, 0, y.buffer, 0, src.size * 4);
  return y;
}

/** Same values in row-major order, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const y = copyAs(x, resolveShape(x, shape));
  recordOp({ kind: 'reshape', inputs: [x], output: y, backward: (gy) => [copyAs(gy, x.shape)] });
  return y;
}

/** src viewed as [N, a, b] becomes [N, b, a]. */
function swapLastTwo(src: Tensor, a: number, b: number, outShape: Shape): Tensor {
  const y = empty(outShape);
  if (y.size === 0) return y;
  const chunks = Math.ceil(a / k.CHUNK);
  const threads = (y.size / a) * chunks;
  dispatch({
    wgsl: k.swapLastTwo,
    bindings: [src.buffer, y.buffer],
    ints: [threads, a, b, chunks],
    workgroups: groupsFor(threads, k.THREADS_PER_WORKGROUP),
    flops: y.size,
  });
  return y;
}

/**
 * [N, ...spatial, C] -> [N, Π spatial · C]. 'nhwc' keeps the element order; 'nchw' orders the
 * features channel-major (c·H·W + h·W + w), as Flatten does on the NCHW layout.
 */
export function flatten(x: Tensor, order: 'nhwc' | 'nchw'): Tensor {
  if (x.rank < 2) throw new ShapeError('flatten', 'a tensor of rank >= 2 ([N, H, W, C])', `shape ${fmt(x.shape)}`);
  if (order !== 'nhwc' && order !== 'nchw') throw new ShapeError('flatten', "order 'nhwc' or 'nchw'", `order '${String(order)}'`);
  const n = x.shape[0];
  const c = x.shape[x.rank - 1];
  const features = n === 0 ? sizeOf(x.shape.slice(1)) : x.size / n;
  const spatial = c === 0 ? 0 : features / c;
  const outShape = [n, features];
  const channelMajor = order === 'nchw' && spatial > 1 && c > 1;
  const y = channelMajor ? swapLastTwo(x, spatial, c, outShape) : copyAs(x, outShape);
  recordOp({
    kind: 'flatten',
    inputs: [x],
    output: y,
    backward: (gy) => [channelMajor ? swapLastTwo(gy, c, spatial, x.shape) : copyAs(gy, x.shape)],
  });
  return y;
}
