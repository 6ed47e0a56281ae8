// Kernels over strided views of up to 8 dimensions: one invocation per output element unravels
// its index over the output's dims and reads each input at base + Σ coordinate·stride. A stride of
// 0 broadcasts, a permuted stride list transposes, a base and scaled strides slice with steps.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

/** Dimensions a strided view handles (the uniform holds two vec4<i32> per list). */
export const MAX_STRIDED_DIMS = 8;
/** Inputs a strided map reads (one base offset each, in one vec4<i32>). */
export const MAX_STRIDED_INPUTS = 4;

const at = (list: string) => `${list}[d / 4][d % 4]`;

function params(inputs: number): string {
  const strides = Array.from({ length: inputs }, (_, j) => `s${j}: array<vec4<i32>, 2>`).join(', ');
  return `struct Params { n: i32, nd: i32, pad0: i32, pad1: i32, bases: vec4<i32>, dims: array<vec4<i32>, 2>, ${strides} }
@group(0) @binding(0) var<uniform> p: Params;`;
}

/** Unravels i into o0..o{k-1}, the inputs' element offsets. */
function offsets(inputs: number): string {
  const range = Array.from({ length: inputs }, (_, j) => j);
  return `var rest = i;
  ${range.map((j) => `var o${j} = p.bases[${j}];`).join(' ')}
  for (var d = p.nd - 1; d >= 0; d--) {
    let size = ${at('p.dims')};
    let c = rest % size;
    rest = rest / size;
    ${range.map((j) => `o${j} += c * ${at(`p.s${j}`)};`).join(' ')}
  }`;
}

const cache = new Map<string, string>();

/**
 * y[i] = expr, where the expression names the inputs' values `v0`, `v1`, … (f32). `helpers` are
 * WGSL functions the expression may call.
 */
export function stridedMapKernel(inputs: number, expr: string, helpers = ''): string {
  const key = `${inputs}|${expr}|${helpers}`;
  let wgsl = cache.get(key);
  if (!wgsl) {
    const range = Array.from({ length: inputs }, (_, j) => j);
    wgsl = `${params(inputs)}
${range.map((j) => `@group(0) @binding(${j + 1}) var<storage, read> x${j}: array<f32>;`).join('\n')}
@group(0) @binding(${inputs + 1}) var<storage, read_write> y: array<f32>;
${helpers}
${flatKernelMain(`${offsets(inputs)}
  ${range.map((j) => `let v${j} = x${j}[o${j}];`).join(' ')}
  y[i] = ${expr};`)}`;
    cache.set(key, wgsl);
  }
  return wgsl;
}

/** The inverse of a one-input map: y[base + Σ c·stride] = x[i] (y is cleared first where needed). */
export const stridedScatter = /* wgsl */ `${params(1)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${flatKernelMain(`${offsets(1)}
  y[o0] = x[i];`)}`;
