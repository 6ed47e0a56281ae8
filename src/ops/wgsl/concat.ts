// Strided block copy: rows of `inner` contiguous items move between two arrays with their own row
// stride and offset. Concat writes each input into its band of the output; its backward reads the
// bands back out. Each thread copies up to CHUNK items of one row, so there is one index division
// per thread, not per value (slow on lavapipe), and a long row (axis-0 concat) still spreads over
// many threads. The vec4 variant serves bands whose sizes and offsets are multiples of 4.

export const CHUNK = 64;
export const THREADS_PER_WORKGROUP = 64;

const blockCopy = (item: 'f32' | 'vec4<f32>') => /* wgsl */ `
struct Params { threads: i32, inner: i32, chunks: i32, srcStride: i32, srcOffset: i32, dstStride: i32, dstOffset: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<${item}>;
@group(0) @binding(2) var<storage, read_write> dst: array<${item}>;
@compute @workgroup_size(${THREADS_PER_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * ${THREADS_PER_WORKGROUP}u);
  if (t >= p.threads) { return; }
  let row = t / p.chunks;
  let start = (t - row * p.chunks) * ${CHUNK};
  let end = min(start + ${CHUNK}, p.inner);
  let s = row * p.srcStride + p.srcOffset;
  let d = row * p.dstStride + p.dstOffset;
  for (var j = start; j < end; j++) { dst[d + j] = src[s + j]; }
}`;

export const copyBlock = blockCopy('f32');
export const copyBlockVec4 = blockCopy('vec4<f32>');
