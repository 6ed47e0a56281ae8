// Row maxima and minima of a [rows, R] array (the reduced axes are moved last first), in passes:
// thread (row, g) reduces chunk g of its row into [rows, G], until one value per row is left, so no
// thread walks a long row alone.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

const rowKernel = (fn: 'max' | 'min') => /* wgsl */ `
struct Params { n: i32, r: i32, chunk: i32, groups: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${flatKernelMain(`let g = i % p.groups;
  let row = i / p.groups;
  let start = row * p.r + g * p.chunk;
  let end = row * p.r + min((g + 1) * p.chunk, p.r);
  var m = x[start];
  for (var j = start + 1; j < end; j++) { m = ${fn}(m, x[j]); }
  y[i] = m;`)}`;

export const rowMax = rowKernel('max');
export const rowMin = rowKernel('min');
