// Launches flat elementwise kernels (wgsl/elementwise.ts), choosing the vec4 variant when the
// length and the broadcast channel count allow it.
import { dispatch, empty, groupsFor, type Tensor } from '../tensor/index.js';
import type { KernelPair } from './wgsl/elementwise.js';

function launch(kernels: KernelPair, inputs: Tensor[], n: number, c: number, floats?: number[]): Tensor {
  const y = empty(inputs[0].shape);
  const wide = n % 4 === 0 && c % 4 === 0;
  const items = wide ? n / 4 : n;
  dispatch({
    wgsl: wide ? kernels.vec4 : kernels.scalar,
    bindings: [...inputs.map((t) => t.buffer), y.buffer],
    ints: [items, wide ? c / 4 : c],
    floats,
    workgroups: groupsFor(items, 256),
    flops: n,
  });
  return y;
}

export function launchUnary(kernels: KernelPair, x: Tensor, floats?: number[]): Tensor {
  return launch(kernels, [x], x.size, 4, floats);
}

/** b is either a's shape or a per-channel vector of length c (then pass c). */
export function launchBinary(kernels: KernelPair, a: Tensor, b: Tensor, c = 4, floats?: number[]): Tensor {
  return launch(kernels, [a, b], a.size, c, floats);
}
