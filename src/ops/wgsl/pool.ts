// Pooling kernels over NHWC. Each comes in a scalar variant and a vec4 variant (4 channels per
// invocation) used when channels % 4 == 0; the Params field `c` counts lanes of that width.
//
// Every kernel runs one invocation per output value of a *phase*: the outputs whose (oh, ow) are
// (ah + ph·i, aw + pw·j). Forward passes use a single phase holding every output (0, 0, 1, 1).
// Backward passes scatter each window's gradient into its input cells, one phase per dispatch,
// with ph = ceil(((kh − 1)·dh + 1) / sh) and pw likewise: windows of one phase are then further
// apart than a (dilated) window spans, so no two invocations of a dispatch touch the same cell —
// no atomics, no races, and the phases follow each other in dispatch order. (On lavapipe this was
// 3–4× faster than gathering, per input cell, from the windows that contain it.)

/** Invocations per workgroup; the launcher folds the grid with groupsFor(total, POOL_WORKGROUP). */
export const POOL_WORKGROUP = 64;

/**
 * Window geometry. Rows are in input coordinates: window `oh` has taps at rows oh·sh − pt + t·dh,
 * t = 0 … kh − 1 (columns likewise). hEnd/wEnd = size + trailing padding, the end of the padded
 * input (the count-include-pad divisor stops there). ah, aw, ph, pw, ohN, owN select the phase.
 */
const params = /* wgsl */ `
struct Params {
  total: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
  hEnd: i32, wEnd: i32, includePad: i32,
  ah: i32, aw: i32, ph: i32, pw: i32, ohN: i32, owN: i32, dh: i32, dw: i32,
}
@group(0) @binding(0) var<uniform> p: Params;`;

interface Lanes {
  /** Value type of one invocation's channels. */
  f: string;
  /** Matching integer type (arg-max positions). */
  i: string;
  /** Component names, for per-channel scatters. */
  parts: readonly string[];
}

const SCALAR: Lanes = { f: 'f32', i: 'i32', parts: [''] };
const VEC4: Lanes = { f: 'vec4<f32>', i: 'vec4<i32>', parts: ['.x', '.y', '.z', '.w'] };

const entry = /* wgsl */ `
@compute @workgroup_size(${POOL_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * ${POOL_WORKGROUP}u);
  if (i >= p.total) { return; }`;

/**
 * Splits a phase index into (n, oh, ow, c), the output index o, and the taps inside the input:
 * rows h0 + t·dh for t in [rowFirst, rowEnd), columns w0 + t·dw for t in [colFirst, colEnd), and
 * `first`, the first real cell. A window starts at most at the last row (windowOutputSize's ceil
 * rule), so h − 1 − h0 ≥ 0 and the divisions floor.
 */
const outputWindow = /* wgsl */ `
  let c = i % p.c;
  var r = i / p.c;
  let ow = p.aw + (r % p.owN) * p.pw;
  r = r / p.owN;
  let oh = p.ah + (r % p.ohN) * p.ph;
  let n = r / p.ohN;
  let o = ((n * p.oh + oh) * p.ow + ow) * p.c + c;
  let h0 = oh * p.sh - p.pt;
  let w0 = ow * p.sw - p.pl;
  let rowFirst = select(0, (p.dh - 1 - h0) / p.dh, h0 < 0);
  let rowEnd = min(p.kh, (p.h - 1 - h0) / p.dh + 1);
  let colFirst = select(0, (p.dw - 1 - w0) / p.dw, w0 < 0);
  let colEnd = min(p.kw, (p.w - 1 - w0) / p.dw + 1);
  let first = ((n * p.h + h0 + rowFirst * p.dh) * p.w + w0 + colFirst * p.dw) * p.c + c;`;

/**
 * Cells an average divides by. Exclude-pad: the taps inside the input. Include-pad: the taps
 * inside the padded input, so in ceil mode the overhang past the trailing padding is not counted
 * (PyTorch, onnx.reference). Windows always start inside the leading padding, hence no clip at the
 * start; hEnd − 1 − h0 ≥ 0 as above.
 */
const divisor = /* wgsl */ `
fn divisor(h0: i32, w0: i32, realTaps: i32) -> f32 {
  if (p.includePad != 0) {
    return f32(min(p.kh, (p.hEnd - 1 - h0) / p.dh + 1) * min(p.kw, (p.wEnd - 1 - w0) / p.dw + 1));
  }
  return f32(realTaps);
}`;

const windowLoop = (body: string) => /* wgsl */ `
  for (var th = rowFirst; th < rowEnd; th++) {
    let row = (n * p.h + h0 + th * p.dh) * p.w + w0;
    for (var tw = colFirst; tw < colEnd; tw++) {
      let at = (row + tw * p.dw) * p.c + c;
      ${body}
    }
  }`;

const maxForward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t.f}>;
${entry}
${outputWindow}
  // Every window holds at least one real cell (checked on the host), so start from the first one.
  var best = x[first];
${windowLoop('best = max(best, x[at]);')}
  y[o] = best;
}`;

const avgForward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t.f}>;
${divisor}
${entry}
${outputWindow}
  var sum = ${t.f}(0.0);
${windowLoop('sum += x[at];')}
  y[o] = sum / divisor(h0, w0, (rowEnd - rowFirst) * (colEnd - colFirst));
}`;

/**
 * dx += gy routed to each window's maximum, per channel. A strict '>' in row-major order keeps
 * the first of equal maxima: the tie rule of the max-pool gradient. gx must start at zero.
 */
const maxBackward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${t.f}>;
@group(0) @binding(2) var<storage, read> gy: array<${t.f}>;
@group(0) @binding(3) var<storage, read_write> gx: array<${t.f}>;
${entry}
${outputWindow}
  var best = x[first];
  var arg = ${t.i}(first);
${windowLoop(`let v = x[at];
      let better = v > best;
      best = select(best, v, better);
      arg = select(arg, ${t.i}(at), better);`)}
  let g = gy[o];
${t.parts.map((q) => `  gx[arg${q}]${q} += g${q};`).join('\n')}
}`;

/** dx += gy / divisor over each window's real cells. gx must start at zero. */
const avgBackward = (t: Lanes) => /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> gy: array<${t.f}>;
@group(0) @binding(2) var<storage, read_write> gx: array<${t.f}>;
${divisor}
${entry}
${outputWindow}
  let g = gy[o] / divisor(h0, w0, (rowEnd - rowFirst) * (colEnd - colFirst));
${windowLoop('gx[at] += g;')}
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
/** Bindings: x, gy, gx (accumulated into; one dispatch per phase). */
export const maxPoolBackward = variants(maxBackward);
/** Bindings: gy, gx (accumulated into; one dispatch per phase). */
export const avgPoolBackward = variants(avgBackward);
