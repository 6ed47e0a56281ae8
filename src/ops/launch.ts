// Shared launch helpers for flat elementwise kernels (header and grid folding in wgsl/elementwise.ts).
import { dispatch, empty, groupsFor, type Tensor } from '../tensor/index.js';

export function launchUnary(wgsl: string, x: Tensor, c = 1): Tensor {
  const y = empty(x.shape);
  dispatch({ wgsl, bindings: [x.buffer, y.buffer], ints: [x.size, c], workgroups: groupsFor(x.size, 256), flops: x.size });
  return y;
}

export function launchBinary(wgsl: string, a: Tensor, b: Tensor, c = 1): Tensor {
  const y = empty(a.shape);
  dispatch({ wgsl, bindings: [a.buffer, b.buffer, y.buffer], ints: [a.size, c], workgroups: groupsFor(a.size, 256), flops: a.size });
  return y;
}
