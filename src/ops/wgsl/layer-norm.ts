// Layer normalization over the last `cols` values of each row (ConvNeXt's LayerNorm over NHWC
// channels): one thread per row, two passes for the mean and variance. The forward keeps each
// row's mean and 1/σ for the backward.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

export interface LayerNormVariant {
  gamma: boolean;
  beta: boolean;
}

const params = /* wgsl */ `struct Params { n: i32, cols: i32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;`;

export function layerNormForward(v: LayerNormVariant): string {
  let slot = 4;
  return `${params}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
${v.gamma ? `@group(0) @binding(${slot++}) var<storage, read> gamma: array<f32>;` : ''}
${v.beta ? `@group(0) @binding(${slot++}) var<storage, read> beta: array<f32>;` : ''}
${flatKernelMain(`let base = i * p.cols;
  var s = 0.0;
  for (var j = 0; j < p.cols; j++) { s += x[base + j]; }
  let mean = s / f32(p.cols);
  var q = 0.0;
  for (var j = 0; j < p.cols; j++) { let d = x[base + j] - mean; q += d * d; }
  let rstd = inverseSqrt(q / f32(p.cols) + p.eps);
  for (var j = 0; j < p.cols; j++) {
    y[base + j] = (x[base + j] - mean) * rstd${v.gamma ? ' * gamma[j]' : ''}${v.beta ? ' + beta[j]' : ''};
  }
  stats[2 * i] = mean;
  stats[2 * i + 1] = rstd;`)}`;
}

/** dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ, per row. */
export function layerNormInputGrad(gamma: boolean): string {
  return `${params}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;
${gamma ? '@group(0) @binding(5) var<storage, read> gamma: array<f32>;' : ''}
${flatKernelMain(`let base = i * p.cols;
  let mean = stats[2 * i];
  let rstd = stats[2 * i + 1];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = 0; j < p.cols; j++) {
    let g = gy[base + j]${gamma ? ' * gamma[j]' : ''};
    s1 += g;
    s2 += g * (x[base + j] - mean) * rstd;
  }
  let m1 = s1 / f32(p.cols);
  let m2 = s2 / f32(p.cols);
  for (var j = 0; j < p.cols; j++) {
    let g = gy[base + j]${gamma ? ' * gamma[j]' : ''};
    gx[base + j] = rstd * (g - m1 - (x[base + j] - mean) * rstd * m2);
  }`)}`;
}

/** dy·x̂ per element (summed over rows afterwards: the gradient of γ). */
export const layerNormGammaTerms = /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> t: array<f32>;
${flatKernelMain(`let row = i / p.cols;
  t[i] = gy[i] * (x[i] - stats[2 * row]) * stats[2 * row + 1];`)}`;
