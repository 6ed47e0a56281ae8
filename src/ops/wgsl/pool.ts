// Pooling kernels over NHWC. Each comes in a scalar variant and a vec4 variant (4 channels per
// invocation) used when channels % 4 == 0; the Params field `c` counts lanes of that width.
//
// Forward kernels run one invocation per output cell and loop over the real (unpadded) cells of
// its window, so padding never enters a max and never adds to a sum. The backward kernels run
// one invocation per input cell and gather from the windows that contain it: every output
// gradient is read, never scattered, so there are no write races and no atomics.

/** Invocations per workgroup; the launcher folds the grid with groupsFor(total, POOL_WORKGROUP). */
export const POOL_WORKGROUP = 64;

/**
 * Window geometry, shared by every pooling kernel. Rows are in input coordinates: window `oh`
 * covers rows oh·sh − pt … oh·sh − pt + kh − 1. hEnd/wEnd = size + trailing padding, the end
 * of the padded input (the count-include-pad divisor stops there).
 */
const params = /* wgsl */ `
struct Params {
  total: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
  hEnd: i32, wEnd: i32, includePad: i32,
}
@group(0) @binding(0) var<uniform> p: Params;`;

interface Lanes {
  /** Value type of one invocation's channels. */
  f: string;
  /** Matching integer type (arg-max positions). */
  i: string;
}

const SCALAR: Lanes = { f: 'f32', i: 'i32' };
const VEC4: Lanes = { f: 'vec4<f32>', i: 'vec4<i32>' };

const entry = /* wgsl */ `
@compute @workgroup_size(${POOL_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * ${POOL_WORKGROUP}u);
  if (i >= p.total) { return; }`;

/** Splits an output index into (n, oh, ow, c) and clips its window to the real input. */
const outputWindow = /* wgsl */ `
  let c = i % p.c;
  var r = i / p.c;
  let ow = r % p.ow;
  r = r / p.ow;
  let oh = r % p.oh;
  let n = r / p.oh;
  let h0 = oh * p.sh - p.pt;
  let w0 = ow * p.sw - p.pl;
  let hs = max(h0, 0);
  let he = min(h0 + p.kh, p.h);
  let ws = max(w0, 0);
  let we = min(w0 + p.kw, p.w);`;

/**
 * Cells an average divides by. Exclude-pad: the real cells. Include-pad: the window clipped to the
 * padded input, so in ceil mode the overhang past the trailing padding is not counted (PyTorch,
 * onnx.reference). Windows always start inside the leading padding, hence no clip at the start.
 */
const divisor = /* wgsl */ `
fn divisor(h0: i32, w0: i32) -> f32 {
  if (p.includePad != 0) {
    return f32((min(h0 + p.kh, p.hEnd) - h0) * (min(w0 + p.kw, p.wEnd) - w0));
  }
  return f32((min(h0 + p.kh, p.h) - max(h0, 0)) * (min(w0 + p.kw, p.w) - max(w0, 0)));
}`;

const windowLoop = (body: string) => /* wgsl */ `
  for (var hh = hs; hh < he; hh++) {
    let row = (n * p.h + hh) * p.w;
    for (var ww = ws; ww < we; ww++) {
      let v = x[(row + ww) * p.c + c];
      ${body}
    }
  }`;

const maxForward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t.f}>;
${entry}
${outputWindow}
  // Every window holds at least one real cell (padding < kernel), so start from the first one.
  var best = x[((n * p.h + hs) * p.w + ws) * p.c + c];
${windowLoop('best = max(best, v);')}
  y[i] = best;
}`;

const avgForward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t.f}>;
${divisor}
${entry}
${outputWindow}
  var sum = ${t.f}(0.0);
${windowLoop('sum += v;')}
  y[i] = sum / divisor(h0, w0);
}`;

/**
 * The position h·W + w of each window's maximum, per channel. A strict '>' in row-major order
 * keeps the first of equal maxima: the tie rule of the max-pool gradient.
 */
const maxArgmax = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> arg: array<${t.i}>;
${entry}
${outputWindow}
  var best = x[((n * p.h + hs) * p.w + ws) * p.c + c];
  var at = ${t.i}(hs * p.w + ws);
${windowLoop(`let better = v > best;
      best = select(best, v, better);
      at = select(at, ${t.i}(hh * p.w + ww), better);`)}
  arg[i] = at;
}`;

/** Splits an input index into (n, h, w, c) and finds the range of windows containing it. */
const inputCell = /* wgsl */ `
  let c = i % p.c;
  var r = i / p.c;
  let w = r % p.w;
  r = r / p.w;
  let h = r % p.h;
  let n = r / p.h;
  // Window o covers padded rows o·s … o·s + k − 1; it holds padded row hp when
  // ceil((hp − k + 1) / s) ≤ o ≤ floor(hp / s). WGSL division truncates, hence the select.
  let hp = h + p.pt;
  let wp = w + p.pl;
  let ah = hp - p.kh + 1;
  let aw = wp - p.kw + 1;
  let ohLo = select(0, (ah + p.sh - 1) / p.sh, ah > 0);
  let owLo = select(0, (aw + p.sw - 1) / p.sw, aw > 0);
  let ohHi = min(hp / p.sh, p.oh - 1);
  let owHi = min(wp / p.sw, p.ow - 1);`;

const gatherLoop = (body: string) => /* wgsl */ `
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      let o = ((n * p.oh + oh) * p.ow + ow) * p.c + c;
      ${body}
    }
  }`;

/** dx: each input cell sums the output gradients of the windows whose arg-max it is. */
const maxBackward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> gy: array<${t.f}>;
@group(0) @binding(2) var<storage, read> arg: array<${t.i}>;
@group(0) @binding(3) var<storage, read_write> gx: array<${t.f}>;
${entry}
${inputCell}
  let here = ${t.i}(h * p.w + w);
  var g = ${t.f}(0.0);
${gatherLoop(`g += select(${t.f}(0.0), gy[o], arg[o] == here);`)}
  gx[i] = g;
}`;

/** dx: each input cell sums gy / divisor over the windows that contain it. */
const avgBackward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> gy: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> gx: array<${t.f}>;
${divisor}
${entry}
${inputCell}
  var g = ${t.f}(0.0);
${gatherLoop('g += gy[o] / divisor(oh * p.sh - p.pt, ow * p.sw - p.pl);')}
  gx[i] = g;
}`;

export interface PoolKernel {
  scalar: string;
  vec4: string;
}

const variants = (make: (t: Lanes) => string): PoolKernel => ({ scalar: make(SCALAR), vec4: make(VEC4) });

/** Bindings: x, y. */
export const maxPoolForward = variants(maxForward);
/** Bindings: x, y. Params.includePad selects the divisor. */
export const avgPoolForward = variants(avgForward);
/** Bindings: x, arg (i32 positions, one per output value). */
export const maxPoolArgmax = variants(maxArgmax);
/** Bindings: gy, arg, gx. */
export const maxPoolBackward = variants(maxBackward);
/** Bindings: gy, gx. */
export const avgPoolBackward = variants(avgBackward);
