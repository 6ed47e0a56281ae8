// In-place parameter updates, one invocation per element. Hyper-parameters travel as Params floats
// (the learning rate changes every step; the uniform cache absorbs that).
import { flatKernelMain } from '../tensor/index.js';

/**
 * Adam with decoupled weight decay (AdamW, Loshchilov & Hutter):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr·( (m/c1) / (√(v/c2) + ε) + wd·p ),  c1 = 1−β1^t, c2 = 1−β2^t.
 * Params floats: lr, β1, β2, ε, wd, 1/c1, 1/c2.
 */
export const adamwUpdate = /* wgsl */ `
struct Params { n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, invC1: f32, invC2: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${flatKernelMain(`let g = grad[i];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let w = param[i];
  param[i] = w - p.lr * ((mi * p.invC1) / (sqrt(vi * p.invC2) + p.eps) + p.wd * w);`)}`;

/**
 * SGD with momentum and L2 weight decay (the classic ResNet recipe):
 *   u ← μ·u + (g + wd·p);  p ← p − lr·u.
 * Params floats: lr, μ, wd.
 */
export const sgdMomentumUpdate = /* wgsl */ `
struct Params { n: i32, lr: f32, momentum: f32, wd: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> u: array<f32>;
${flatKernelMain(`let w = param[i];
  let ui = p.momentum * u[i] + grad[i] + p.wd * w;
  u[i] = ui;
  param[i] = w - p.lr * ui;`)}`;
