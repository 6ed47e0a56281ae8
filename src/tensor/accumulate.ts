// Gradient accumulation (a + b) lives in the core so autodiff does not depend on the ops layer.
import { dispatch, groupsFor } from './kernel.js';
import { assertSameShape } from './shape.js';
import { empty, type Tensor } from './tensor.js';
import { flatKernelMain } from './flat-kernel.js';

const ADD_WGSL = /* wgsl */ `
struct Params { n: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${flatKernelMain(`y[i] = a[i] + b[i];`)}`;

export function accumulate(a: Tensor, b: Tensor): Tensor {
  assertSameShape('gradient accumulation', a.shape, b.shape);
  const y = empty(a.shape);
  dispatch({ wgsl: ADD_WGSL, bindings: [a.buffer, b.buffer, y.buffer], ints: [a.size], workgroups: groupsFor(a.size, 256), flops: a.size });
  return y;
}
