// Row kernels along the last axis (softmax, log-softmax, their backwards; the loss reuses the
// scaffold). Two variants of the same body: a workgroup per row with tree reductions in workgroup
// memory, for few long rows (a 1000-class output spread over the whole workgroup), and a thread
// per row, for many rows, because a barrier-heavy workgroup costs ~20 µs each on lavapipe.

/** Invocations per workgroup of the workgroup-per-row variant. */
export const ROW_WORKGROUP = 128;
const THREAD_WORKGROUP = 64;

export type RowMode = 'workgroup' | 'thread';

/** Rows each workgroup of a variant covers (for groupsFor). */
export function rowsPerWorkgroup(mode: RowMode): number {
  return mode === 'workgroup' ? 1 : THREAD_WORKGROUP;
}

const treeReduce = /* wgsl */ `
const WG: u32 = ${ROW_WORKGROUP}u;
var<workgroup> red: array<f32, ${ROW_WORKGROUP}>;
// Every invocation must call these (they hold barriers); the trailing barrier lets the caller
// reuse red right away.
fn rowSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
fn rowMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}`;

const noReduce = /* wgsl */ `
fn rowSum(v: f32, lid: u32) -> f32 { return v; }
fn rowMax(v: f32, lid: u32) -> f32 { return v; }`;

/**
 * A kernel running `body` once per row. `header` declares Params (with `rows: i32` first) and the
 * bindings. The body sees `row`, `lid`, and walks its row as `for (j = first; j < k; j += step)`,
 * combining the walkers' partial results with rowSum / rowMax.
 */
export function rowKernel(mode: RowMode, header: string, body: string): string {
  if (mode === 'workgroup') {
    return /* wgsl */ `${header}
${treeReduce}
@compute @workgroup_size(${ROW_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = i32(wid.x + wid.y * nwg.x);
  if (row >= p.rows) { return; }
  let first = i32(lid);
  let step = i32(WG);
  ${body}
}`;
  }
  return /* wgsl */ `${header}
${noReduce}
@compute @workgroup_size(${THREAD_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = i32(gid.x + gid.y * nwg.x * ${THREAD_WORKGROUP}u);
  if (row >= p.rows) { return; }
  let lid = 0u;
  let first = 0;
  let step = 1;
  ${body}
}`;
}

const params = /* wgsl */ `
struct Params { rows: i32, k: i32 }
@group(0) @binding(0) var<uniform> p: Params;`;

const forwardHeader = /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;`;

const forwardBody = (store: string) => /* wgsl */ `
  let base = row * p.k;
  var m = -3.4028234e38;
  for (var j = first; j < p.k; j += step) { m = max(m, x[base + j]); }
  let mx = rowMax(m, lid);
  var s = 0.0;
  for (var j = first; j < p.k; j += step) { s += exp(x[base + j] - mx); }
  let total = rowSum(s, lid);
  for (var j = first; j < p.k; j += step) { ${store} }`;

const backwardHeader = /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;`;

const backwardBody = (term: string, store: string) => /* wgsl */ `
  let base = row * p.k;
  var s = 0.0;
  for (var j = first; j < p.k; j += step) { s += ${term}; }
  let total = rowSum(s, lid);
  for (var j = first; j < p.k; j += step) { ${store} }`;

const both = (header: string, body: string): Record<RowMode, string> => ({
  workgroup: rowKernel('workgroup', header, body),
  thread: rowKernel('thread', header, body),
});

export const softmaxForward = both(forwardHeader, forwardBody('y[base + j] = exp(x[base + j] - mx) / total;'));
export const logSoftmaxForward = both(forwardHeader, forwardBody('y[base + j] = x[base + j] - mx - log(total);'));
/** gx = y·(gy − Σ gy·y), y the softmax output. */
export const softmaxBackward = both(backwardHeader, backwardBody('gy[base + j] * y[base + j]', 'gx[base + j] = y[base + j] * (gy[base + j] - total);'));
/** gx = gy − exp(y)·Σ gy, y the log-softmax output. */
export const logSoftmaxBackward = both(backwardHeader, backwardBody('gy[base + j]', 'gx[base + j] = gy[base + j] - exp(y[base + j]) * total;'));
