// Elementwise kernels over flat arrays. Large tensors fold the workgroup grid into 2-D, so the
// linear index is x + y·(groups in x)·256.

const header = (bindings: string) => /* wgsl */ `
struct Params { n: i32, c: i32 }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
fn linearIndex(gid: vec3<u32>, nwg: vec3<u32>) -> i32 { return i32(gid.x + gid.y * nwg.x * 256u); }
`;

const unary = (body: string) => /* wgsl */ `${header(`
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;`)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= p.n) { return; }
  ${body}
}`;

const binary = (body: string) => /* wgsl */ `${header(`
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;`)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= p.n) { return; }
  ${body}
}`;

export const reluForward = unary('y[i] = max(x[i], 0.0);');

/** a = forward input x, b = upstream gradient. */
export const reluBackward = binary('y[i] = select(0.0, b[i], a[i] > 0.0);');
/** Guided backprop: positive gradient only where the input was positive. */
export const reluBackwardGuided = binary('y[i] = select(0.0, max(b[i], 0.0), a[i] > 0.0);');
/** Deconvnet: the ReLU applied to the gradient, ignoring the forward input. */
export const reluBackwardDeconvnet = binary('y[i] = max(b[i], 0.0);');

export const add = binary('y[i] = a[i] + b[i];');
/** b has p.c values broadcast along the last (channel) axis. */
export const addChannel = binary('y[i] = a[i] + b[i % p.c];');
export const mul = binary('y[i] = a[i] * b[i];');
export const mulChannel = binary('y[i] = a[i] * b[i % p.c];');

export const scale = /* wgsl */ `
struct Params { n: i32, c: i32, s: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * 256u);
  if (i >= p.n) { return; }
  y[i] = x[i] * p.s;
}`;

/** Sums rows of an (rows, c) array into c values: the gradient of a channel broadcast. */
export const sumOverRows = /* wgsl */ `
struct Params { rows: i32, c: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ch = i32(gid.x);
  if (ch >= p.c) { return; }
  var s = 0.0;
  for (var r = 0; r < p.rows; r++) { s += x[r * p.c + ch]; }
  y[ch] = s;
}`;
