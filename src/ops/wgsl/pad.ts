// Window copy over NHWC: out[n, y, x, :] = in[n, y + offY, x + offX, :], or `value` where that
// falls outside the input. Padding uses negative offsets; its backward (a crop) positive ones.
// A thread per output pixel copies its channels: index divisions per element made a flat
// thread-per-value kernel 2-6x slower on lavapipe (integer division is not vectorised there).

const windowCopy = (item: 'f32' | 'vec4<f32>') => /* wgsl */ `
struct Params { pixels: i32, outH: i32, outW: i32, c: i32, inH: i32, inW: i32, offY: i32, offX: i32, value: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<${item}>;
@group(0) @binding(2) var<storage, read_write> dst: array<${item}>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let pixel = i32(gid.x + gid.y * nwg.x * 64u);
  if (pixel >= p.pixels) { return; }
  let x = pixel % p.outW;
  let t = pixel / p.outW;
  let y = t % p.outH;
  let b = t / p.outH;
  let sy = y + p.offY;
  let sx = x + p.offX;
  let o = pixel * p.c;
  if (sy >= 0 && sy < p.inH && sx >= 0 && sx < p.inW) {
    let s = ((b * p.inH + sy) * p.inW + sx) * p.c;
    for (var ch = 0; ch < p.c; ch++) { dst[o + ch] = src[s + ch]; }
  } else {
    for (var ch = 0; ch < p.c; ch++) { dst[o + ch] = ${item}(p.value); }
  }
}`;

export const copyWindow = windowCopy('f32');
/** p.c counts vec4 items (channels / 4). */
export const copyWindowVec4 = windowCopy('vec4<f32>');

/** Pixels per workgroup of both variants. */
export const PIXELS_PER_WORKGROUP = 64;
