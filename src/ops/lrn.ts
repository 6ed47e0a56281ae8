// Local response normalization across channels (ONNX LRN, AlexNet/GoogLeNet exports; TF's
// local_response_normalization is size = 2·depth_radius + 1 with alpha·size).
import { dispatch, empty, groupsFor, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { lrnBackward, lrnForward } from './wgsl/lrn.js';

export interface LrnOptions {
  /** Channels in the window (ONNX `size`). */
  size: number;
  /** ONNX defaults: alpha 1e-4 (divided by size), beta 0.75, bias 1. */
  alpha?: number;
  beta?: number;
  bias?: number;
}

export function lrn(x: Tensor, opts: LrnOptions): Tensor {
  const { size } = opts;
  if (!Number.isInteger(size) || size < 1) throw new ShapeError('lrn', 'size a positive integer', `${size}`);
  if (x.rank < 1) throw new ShapeError('lrn', 'a tensor with a channel axis', 'a scalar');
  const c = x.shape[x.rank - 1];
  const alpha = opts.alpha ?? 1e-4,
    beta = opts.beta ?? 0.75,
    bias = opts.bias ?? 1;
  const ints = [x.size, c, Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)];
  const floats = [alpha / size, beta, bias];
  const y = empty(x.shape);
  dispatch({ wgsl: lrnForward, bindings: [x.buffer, y.buffer], ints, floats, workgroups: groupsFor(x.size, 256), flops: x.size * (2 * size + 4) });
  recordOp({
    kind: 'lrn',
    inputs: [x],
    output: y,
    saved: [x],
    backward: (gy) => {
      const gx = empty(x.shape);
      const flops = x.size * size * (2 * size + 6);
      dispatch({ wgsl: lrnBackward, bindings: [x.buffer, gy.buffer, gx.buffer], ints, floats, workgroups: groupsFor(x.size, 256), flops });
      return [gx];
    },
  });
  return y;
}
