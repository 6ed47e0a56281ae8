// Batched transpose [N, A, B] -> [N, B, A]. Flatten in NCHW order views NHWC as [N, H·W, C] and
// moves channels first; its backward is the same kernel with A and B swapped. Each thread writes
// up to CHUNK consecutive outputs of one output row, so index divisions happen per thread, not
// per value (integer division is slow on lavapipe).

export const CHUNK = 64;
export const THREADS_PER_WORKGROUP = 64;

export const swapLastTwo = /* wgsl */ `
struct Params { threads: i32, a: i32, b: i32, chunks: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${THREADS_PER_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * ${THREADS_PER_WORKGROUP}u);
  if (t >= p.threads) { return; }
  // Output row = batch·B + bi holds A values.
  let row = t / p.chunks;
  let start = (t - row * p.chunks) * ${CHUNK};
  let end = min(start + ${CHUNK}, p.a);
  let batch = row / p.b;
  let bi = row - batch * p.b;
  for (var ai = start; ai < end; ai++) {
    dst[row * p.a + ai] = src[(batch * p.a + ai) * p.b + bi];
  }
}`;
