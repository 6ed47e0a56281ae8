// 2-D max and average pooling over NHWC, and their global forms, with backward.
//
// Conventions (where frameworks differ):
// - padding is per side; 'same' is TF's (odd pixel bottom/right); each side must be smaller than
//   the kernel (onnxruntime's rule), which guarantees every window holds a real input cell.
// - dilations (ONNX MaxPool/AveragePool): window taps are `dilation` cells apart, so a window spans
//   (kernel − 1)·dilation + 1 cells. Padding must then be smaller than that span, and since taps can
//   step over the whole input, every window is checked to hold a real cell.
// - ceil mode: a last, partial window is added only if it starts inside the input or its leading
//   padding (PyTorch/ONNX), see windowOutputSize.
// - max pool: padded cells never win (as −∞). Gradient goes to the first maximum in row-major
//   window order; equal maxima after it get nothing. Backward passes scatter window by window in
//   phases of non-overlapping windows (wgsl/pool.ts): deterministic, no atomics.
// - avg pool, countIncludePad = false: divide by the real cells in the window (TF/Keras 'same',
//   InceptionV3). countIncludePad = true: divide by the window clipped to the padded input, i.e.
//   the full kernel area except, in ceil mode, the overhang past the trailing padding — what
//   PyTorch's avg_pool2d and onnx.reference's AveragePool do (older onnxruntime divided by the
//   full kernel there, microsoft/onnxruntime#16203).
import { assertPositiveInts, dispatch, empty, fmt, groupsFor, recordOp, ShapeError, zeros, type Tensor } from '../tensor/index.js';
import { checkPadding, NO_PADDING, samePadding, windowOutputSize, type Padding } from './padding.js';
import * as k from './wgsl/pool.js';

export interface Pool2dOptions {
  kernel: [number, number];
  /** Default: the kernel size (non-overlapping windows). */
  strides?: [number, number];
  /** Default 'valid' (no padding). */
  padding?: Padding | 'valid' | 'same';
  ceilMode?: boolean;
  /** Default [1, 1]: taps `dilation` cells apart ('same' padding accounts for the dilated span). */
  dilations?: [number, number];
}

export interface AvgPool2dOptions extends Pool2dOptions {
  countIncludePad: boolean;
}

/** A resolved pooling window over an [N, H, W, C] input. */
interface Window {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pad: Padding;
  oh: number;
  ow: number;
}

function checkPair(op: string, what: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new ShapeError(op, `${what} as [height, width]`, `${JSON.stringify(v)}`);
  const pair: [number, number] = [v[0], v[1]];
  assertPositiveInts(op, what, pair);
  return pair;
}

function checkInput(op: string, x: Tensor): void {
  if (x.rank !== 4) throw new ShapeError(op, 'x of rank 4 [N, H, W, C]', `x of shape ${fmt(x.shape)}`);
  if (x.shape[1] === 0 || x.shape[2] === 0) throw new ShapeError(op, 'x with non-empty spatial dimensions', `x of shape ${fmt(x.shape)}`);
}

function resolvePadding(
  op: string,
  padding: Pool2dOptions['padding'],
  x: Tensor,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
): Padding {
  if (padding === undefined || padding === 'valid') return NO_PADDING;
  if (padding === 'same') return samePadding(x.shape[1], x.shape[2], kh, kw, sh, sw, dh, dw);
  if (typeof padding !== 'object' || padding === null) {
    throw new ShapeError(op, `padding 'valid', 'same' or {top, bottom, left, right}`, `${JSON.stringify(padding)}`);
  }
  checkPadding(op, padding);
  // A copy: the backward runs later and must not see later edits to the caller's object.
  return { top: padding.top, bottom: padding.bottom, left: padding.left, right: padding.right };
}

/** Span of a dilated window along one axis, in input cells. */
const span = (k: number, d: number) => (k - 1) * d + 1;

/**
 * Whether each of `count` windows along an axis of `size` cells (leading padding `before`) has a tap
 * inside the input. Always true without dilation (padding < kernel); a dilated window can step over it.
 */
export function windowsHitInput(size: number, before: number, kernel: number, stride: number, dilation: number, count: number): boolean {
  for (let o = 0; o < count; o++) {
    const start = o * stride - before;
    const first = start < 0 ? Math.ceil(-start / dilation) : 0;
    const end = Math.min(kernel, Math.floor((size - 1 - start) / dilation) + 1);
    if (first >= end) return false;
  }
  return true;
}

function resolveWindow(op: string, x: Tensor, opts: Pool2dOptions): Window {
  checkInput(op, x);
  const [n, h, w, c] = x.shape;
  const [kh, kw] = checkPair(op, 'kernel', opts.kernel);
  const [sh, sw] = checkPair(op, 'strides', opts.strides ?? opts.kernel);
  const [dh, dw] = checkPair(op, 'dilations', opts.dilations ?? [1, 1]);
  const pad = resolvePadding(op, opts.padding, x, kh, kw, sh, sw, dh, dw);
  const eh = span(kh, dh),
    ew = span(kw, dw);
  if (pad.top >= eh || pad.bottom >= eh || pad.left >= ew || pad.right >= ew) {
    const what = dh === 1 && dw === 1 ? `the kernel ${fmt([kh, kw])}` : `the dilated kernel span ${fmt([eh, ew])}`;
    throw new ShapeError(op, `padding smaller than ${what} on every side`, `padding ${JSON.stringify(pad)}`);
  }
  const ceil = opts.ceilMode ?? false;
  const oh = windowOutputSize(op, h, pad.top, pad.bottom, kh, sh, dh, ceil);
  const ow = windowOutputSize(op, w, pad.left, pad.right, kw, sw, dw, ceil);
  if (!windowsHitInput(h, pad.top, kh, sh, dh, oh) || !windowsHitInput(w, pad.left, kw, sw, dw, ow)) {
    throw new ShapeError(
      op,
      'every window to hold at least one input cell',
      `kernel ${fmt([kh, kw])}, dilations ${fmt([dh, dw])}, padding ${JSON.stringify(pad)} over ${fmt([h, w])}`,
    );
  }
  return { n, h, w, c, kh, kw, sh, sw, dh, dw, pad, oh, ow };
}

/** The whole image as one window: global pooling is pooling with kernel = strides = [H, W]. */
function globalWindow(op: string, x: Tensor): Window {
  checkInput(op, x);
  const [n, h, w, c] = x.shape;
  return { n, h, w, c, kh: h, kw: w, sh: h, sw: w, dh: 1, dw: 1, pad: NO_PADDING, oh: 1, ow: 1 };
}

function variant(kernel: k.PoolKernel, g: Window): { wgsl: string; lanes: number } {
  return g.c % 4 === 0 ? { wgsl: kernel.vec4, lanes: 4 } : { wgsl: kernel.scalar, lanes: 1 };
}

/** Outputs (oh, ow) = (ah + ph·i, aw + pw·j): the set one dispatch covers (see wgsl/pool.ts). */
interface Phase {
  ah: number;
  aw: number;
  ph: number;
  pw: number;
}

const EVERY_OUTPUT: Phase = { ah: 0, aw: 0, ph: 1, pw: 1 };

/**
 * Phases whose windows never overlap within a phase: the backward scatters one per dispatch. A
 * dilated window's taps interleave with its neighbours', so phases are spaced by the full span
 * ((k − 1)·d + 1), not the kernel: more phases, but still disjoint and atomic-free.
 */
function disjointPhases(g: Window): Phase[] {
  const ph = Math.ceil(span(g.kh, g.dh) / g.sh);
  const pw = Math.ceil(span(g.kw, g.dw) / g.sw);
  const phases: Phase[] = [];
  for (let ah = 0; ah < Math.min(ph, g.oh); ah++) for (let aw = 0; aw < Math.min(pw, g.ow); aw++) phases.push({ ah, aw, ph, pw });
  return phases;
}

/** Runs one pooling kernel with one invocation per output value (per lane of channels) of a phase. */
function launch(kernel: k.PoolKernel, g: Window, phase: Phase, bindings: Tensor[], includePad = false): void {
  const { wgsl, lanes } = variant(kernel, g);
  const ohN = Math.ceil((g.oh - phase.ah) / phase.ph);
  const owN = Math.ceil((g.ow - phase.aw) / phase.pw);
  const values = g.n * ohN * owN * g.c;
  const total = values / lanes;
  if (total === 0) return;
  const ints = [
    total,
    g.h,
    g.w,
    g.c / lanes,
    g.oh,
    g.ow,
    g.kh,
    g.kw,
    g.sh,
    g.sw,
    g.pad.top,
    g.pad.left,
    g.h + g.pad.bottom,
    g.w + g.pad.right,
    includePad ? 1 : 0,
    phase.ah,
    phase.aw,
    phase.ph,
    phase.pw,
    ohN,
    owN,
    g.dh,
    g.dw,
  ];
  dispatch({ wgsl, bindings: bindings.map((t) => t.buffer), ints, workgroups: groupsFor(total, k.POOL_WORKGROUP), flops: values * g.kh * g.kw });
}

function poolOutput(x: Tensor, g: Window, shape: readonly number[], kernel: k.PoolKernel, includePad = false): Tensor {
  const y = empty(shape);
  launch(kernel, g, EVERY_OUTPUT, [x, y], includePad);
  return y;
}

function maxPoolGradient(x: Tensor, gy: Tensor, g: Window): Tensor {
  const gx = zeros(x.shape);
  for (const phase of disjointPhases(g)) launch(k.maxPoolBackward, g, phase, [x, gy, gx]);
  return gx;
}

function avgPoolGradient(x: Tensor, gy: Tensor, g: Window, includePad: boolean): Tensor {
  const gx = zeros(x.shape);
  for (const phase of disjointPhases(g)) launch(k.avgPoolBackward, g, phase, [gy, gx], includePad);
  return gx;
}

export function maxPool(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = resolveWindow('maxPool', x, opts);
  const y = poolOutput(x, g, [g.n, g.oh, g.ow, g.c], k.maxPoolForward);
  recordOp({ kind: 'maxpool', inputs: [x], output: y, saved: [x], backward: (gy, { needs }) => [needs[0] ? maxPoolGradient(x, gy, g) : null] });
  return y;
}

export function avgPool(x: Tensor, opts: AvgPool2dOptions): Tensor {
  if (typeof opts.countIncludePad !== 'boolean') throw new ShapeError('avgPool', 'countIncludePad true or false', `${JSON.stringify(opts.countIncludePad)}`);
  const g = resolveWindow('avgPool', x, opts);
  const include = opts.countIncludePad;
  const y = poolOutput(x, g, [g.n, g.oh, g.ow, g.c], k.avgPoolForward, include);
  recordOp({ kind: 'avgpool', inputs: [x], output: y, backward: (gy, { needs }) => [needs[0] ? avgPoolGradient(x, gy, g, include) : null] });
  return y;
}

/** Mean over H and W: [N, H, W, C] → [N, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  const g = globalWindow('globalAvgPool', x);
  const y = poolOutput(x, g, [g.n, g.c], k.avgPoolForward);
  recordOp({ kind: 'globalavgpool', inputs: [x], output: y, backward: (gy, { needs }) => [needs[0] ? avgPoolGradient(x, gy, g, false) : null] });
  return y;
}

/** Max over H and W: [N, H, W, C] → [N, C]; the gradient goes to the first maximum in row-major order. */
export function globalMaxPool(x: Tensor): Tensor {
  const g = globalWindow('globalMaxPool', x);
  const y = poolOutput(x, g, [g.n, g.c], k.maxPoolForward);
  recordOp({ kind: 'globalmaxpool', inputs: [x], output: y, saved: [x], backward: (gy, { needs }) => [needs[0] ? maxPoolGradient(x, gy, g) : null] });
  return y;
}
