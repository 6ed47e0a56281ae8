// Local response normalization across channels (the last axis in NHWC), ONNX LRN:
// y_c = x_c·d_c^−β with d_c = bias + (α/size)·Σ_{c' ∈ window(c)} x_c'², window(c) = [c − lo, c + hi],
// lo = ⌊(size−1)/2⌋, hi = ⌈(size−1)/2⌉. One thread per element; the backward recomputes the
// neighbours' d (size² work per element, size is 5 in AlexNet and GoogLeNet).
import { flatKernelMain } from '../../tensor/flat-kernel.js';

const common = /* wgsl */ `struct Params { n: i32, c: i32, lo: i32, hi: i32, alpha: f32, beta: f32, bias: f32 }
@group(0) @binding(0) var<uniform> p: Params;`;

/** d at channel k of the row starting at base. */
const denominator = /* wgsl */ `
fn denom(base: i32, k: i32) -> f32 {
  var s = 0.0;
  for (var j = max(k - p.lo, 0); j <= min(k + p.hi, p.c - 1); j++) { let v = x[base + j]; s += v * v; }
  return p.bias + p.alpha * s;
}`;

export const lrnForward = `${common}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${denominator}
${flatKernelMain(`let k = i % p.c;
  y[i] = x[i] * pow(denom(i - k, k), -p.beta);`)}`;

/** dx_c = dy_c·d_c^−β − 2αβ·x_c·Σ_{c' : c ∈ window(c')} dy_c'·x_c'·d_c'^(−β−1), α already divided by size. */
export const lrnBackward = `${common}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
${denominator}
${flatKernelMain(`let k = i % p.c;
  let base = i - k;
  var s = 0.0;
  for (var j = max(k - p.hi, 0); j <= min(k + p.lo, p.c - 1); j++) {
    s += gy[base + j] * x[base + j] * pow(denom(base, j), -p.beta - 1.0);
  }
  gx[i] = gy[i] * pow(denom(base, k), -p.beta) - 2.0 * p.alpha * p.beta * x[i] * s;`)}`;
