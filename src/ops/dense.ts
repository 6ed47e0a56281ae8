// Fully connected layer y = x·W + b with Keras' (in, out) weight layout. The bias is added in the
// GEMM's store; weights bigger than one storage binding are chunked by the GEMM runner.
import { fmt, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { sumToChannels } from './arithmetic.js';
import { gemmTensor } from './matmul.js';

export function dense(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  if (x.rank !== 2) throw new ShapeError('dense', 'x of rank 2 [batch, in]', `x ${fmt(x.shape)}`);
  if (w.rank !== 2) throw new ShapeError('dense', 'weights of rank 2 [in, out]', `weights ${fmt(w.shape)}`);
  if (x.shape[1] !== w.shape[0]) {
    throw new ShapeError('dense', `weights [${x.shape[1]}, out] for x ${fmt(x.shape)}`, `x ${fmt(x.shape)}, weights ${fmt(w.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== w.shape[1])) {
    throw new ShapeError('dense', `bias [${w.shape[1]}]`, `bias ${fmt(bias.shape)} with weights ${fmt(w.shape)}`);
  }
  const y = gemmTensor(x, false, w, false, bias);
  const inputs = bias ? [x, w, bias] : [x, w];
  recordOp({
    kind: 'dense',
    inputs,
    output: y,
    // dX reads W, dW reads x.
    saved: [...(w.requiresGrad ? [x] : []), ...(x.requiresGrad ? [w] : [])],
    backward: (gy, { needs }) => [
      needs[0] ? gemmTensor(gy, false, w, true) : null,
      needs[1] ? gemmTensor(x, true, gy, false) : null,
      ...(bias ? [needs[2] ? sumToChannels(gy) : null] : []),
    ],
  });
  return y;
}
