// ReLU, with the backward overrides explanations need: 'guided' (guided backprop) and
// 'deconvnet'.
import { recordOp, type Tensor } from '../tensor/index.js';
import { launchBinary, launchUnary } from './launch.js';
import * as k from './wgsl/elementwise.js';

const backwardKernels: Record<string, k.KernelPair> = {
  guided: k.reluBackwardGuided,
  deconvnet: k.reluBackwardDeconvnet,
};

export function relu(x: Tensor): Tensor {
  const y = launchUnary(k.reluForward, x);
  recordOp({
    kind: 'relu',
    inputs: [x],
    output: y,
    saved: [x],
    overrides: Object.keys(backwardKernels),
    backward: (gy, { override }) => [launchBinary(override ? backwardKernels[override] : k.reluBackward, x, gy)],
  });
  return y;
}
