// Kernels over strided views of up to 8 dimensions: one invocation per output element unravels
// its index over the output's dims and reads each input at base + Σ coordinate·stride. A stride of
// 0 broadcasts, a permuted stride list transposes, a base and scaled strides slice with steps.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

/** Dimensions a strided view handles (the uniform holds two vec4<i32> per list). */
export const MAX_STRIDED_DIMS = 8;
/** Inputs a strided map reads (one base offset each, in one vec4<i32>). */
export const MAX_STRIDED_INPUTS = 4;

function params(inputs: number): string {
  const strides = Array.from({ length: inputs }, (_, j) => `s${j}: array<vec4<i32>, 2>`).join(', ');
  return `struct Params { n: i32, nd: i32, pad0: i32, pad1: i32, bases: vec4<i32>, dims: array<vec4<i32>, 2>, ${strides} }
@group(0) @binding(0) var<uniform> p: Params;`;
}

/**
 * Unravels i into o0..o{k-1}, the inputs' element offsets, over `nd` dims unrolled (one pipeline
 * per collapsed rank): constant indices into the uniform arrays, no loop over p.nd.
 */
function offsets(inputs: number, nd: number): string {
  const range = Array.from({ length: inputs }, (_, j) => j);
  const lines = [`var rest = i;`, ...range.map((j) => `var o${j} = p.bases[${j}];`)];
  for (let d = nd - 1; d >= 0; d--) {
    const at = (list: string) => `${list}[${d >> 2}][${d & 3}]`;
    lines.push(d === 0 ? `let c0 = rest;` : `let c${d} = rest % ${at('p.dims')};`);
    if (d > 0) lines.push(`rest = rest / ${at('p.dims')};`);
    lines.push(...range.map((j) => `o${j} += c${d} * ${at(`p.s${j}`)};`));
  }
  return lines.join('\n  ');
}

const cache = new Map<string, string>();

/** How the kernel reads input j: scalars (`f32`), or, in a vec4 kernel, 4 lanes or one value splat. */
export type LaneRead = 'scalar' | 'lanes' | 'splat';

/**
 * y[i] = expr, where the expression names the inputs' values `v0`, `v1`, … of type `T` (f32, or
 * vec4<f32> when `reads` are 'lanes'/'splat': then each invocation writes 4 consecutive outputs of
 * the innermost dim, and the expression must be written for both types, e.g. `T(0.0)`). `helpers`
 * are WGSL functions the expression may call.
 */
export function stridedMapKernel(reads: readonly LaneRead[], nd: number, expr: string, helpers = ''): string {
  const key = `${reads.join(',')}|${nd}|${expr}|${helpers}`;
  let wgsl = cache.get(key);
  if (!wgsl) {
    const vec4 = reads.some((r) => r !== 'scalar');
    const decl = (j: number) => `@group(0) @binding(${j + 1}) var<storage, read> x${j}: array<${reads[j] === 'lanes' ? 'vec4<f32>' : 'f32'}>;`;
    const load = (j: number) => (reads[j] === 'lanes' ? `x${j}[o${j} / 4]` : reads[j] === 'splat' ? `T(x${j}[o${j}])` : `x${j}[o${j}]`);
    const offsetCode = offsets(reads.length, nd).replace('var rest = i;', vec4 ? 'var rest = i * 4;' : 'var rest = i;');
    wgsl = `alias T = ${vec4 ? 'vec4<f32>' : 'f32'};
${params(reads.length)}
${reads.map((_, j) => decl(j)).join('\n')}
@group(0) @binding(${reads.length + 1}) var<storage, read_write> y: array<T>;
${helpers}
${flatKernelMain(`${offsetCode}
  ${reads.map((_, j) => `let v${j} = ${load(j)};`).join(' ')}
  y[i] = ${expr};`)}`;
    cache.set(key, wgsl);
  }
  return wgsl;
}

/** The inverse of a one-input map: y[base + Σ c·stride] = x[i] (y is cleared first where needed). */
export const stridedScatterKernel = (nd: number) => /* wgsl */ `${params(1)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${flatKernelMain(`${offsets(1, nd)}
  y[o0] = x[i];`)}`;
