// The fused activation of conv2d, dense and batchnorm nodes (Keras' `activation=`), applied after
// the node's own op; the pre-activation tensor is released.
import { ShapeError, type Tensor } from '../../tensor/index.js';
import { relu } from '../../ops/relu.js';
import type { Activation } from '../graph.js';

export function activate(y: Tensor, activation: Activation | undefined): Tensor {
  if (activation === undefined) return y;
  if (activation !== 'relu') throw new ShapeError('activation', "'relu'", `'${String(activation)}'`);
  const out = relu(y);
  y.dispose();
  return out;
}
