// Row maxima and minima of a [rows, R] array, one thread per row (the reduced axes are moved
// last first). Fine for pooling-sized rows; a very long row is walked by one thread.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

const rowKernel = (fn: 'max' | 'min') => /* wgsl */ `
struct Params { n: i32, r: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${flatKernelMain(`let start = i * p.r;
  var m = x[start];
  for (var j = 1; j < p.r; j++) { m = ${fn}(m, x[start + j]); }
  y[i] = m;`)}`;

export const rowMax = rowKernel('max');
export const rowMin = rowKernel('min');
