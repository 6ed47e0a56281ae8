// 2-D convolution over NHWC activations with HWIO filters, as implicit GEMM (kernels in
// wgsl/conv2d.ts): the forward, the input gradient and the filter gradient each run one
// register-blocked kernel; a 1×1 stride-1 unpadded convolution without an epilogue is a plain
// GEMM. The input gradient runs by stride phases reading the filter transposed, or, at stride 1
// where it was measured to pay (transposedPays), as the forward kernel itself over dY and a
// flipped, transposed filter copy. Stride-1 undilated 3×3 convolutions (forward and input gradient)
// run as Winograd F(2×2, 3×3) or F(4×4, 3×3) instead (conv2d-winograd.ts), with the transformed filter cached
// on the weight tensor. An input gradient with few channels (a first layer's) goes through its
// columns (conv2d-columns.ts).
// Batches whose activations exceed one storage binding run in chunks of whole images.
// An optional epilogue (per-channel affine = a folded inference batchnorm, residual add, ReLU) is
// applied in the forward kernel's store instead of as separate passes over the output.
import { dispatch, empty, fmt, groupsFor, isRecording, recordOp, ShapeError, assertPositiveInts, sameShape, type Tensor } from '../tensor/index.js';
import { sumToChannels } from './arithmetic.js';
import { scaleChannels } from './batchnorm.js';
import { relu } from './relu.js';
import { gemm, gemmGrid, maxBindingBytes, useSharedRows, windowOf, type Matrix } from './matmul.js';
import { checkPadding, NO_PADDING, samePadding, windowOutputSize, type Padding } from './padding.js';
import { winogradConv, winogradFilter, winogradForced, winogradTile } from './conv2d-winograd.js';
import { columnsInputGradient, columnsPay, columnsPerImage } from './conv2d-columns.js';
import { convRows, convFilterGradKernel, convForwardKernel, convInputGradKernel, flipTransposeFilterKernel, padChannelsKernel } from './wgsl/conv2d.js';

export interface Conv2dOptions {
  strides?: [number, number];
  dilations?: [number, number];
  /** Explicit per-side padding, 'valid' (none) or 'same' (TensorFlow: the odd pixel at the bottom/right). */
  padding?: Padding | 'valid' | 'same';
  /** [Cout], added in the kernel's store. */
  bias?: Tensor;
  /** Applied after the bias, in the kernel's store. */
  epilogue?: ConvEpilogue;
}

/** y = relu(((x ⊛ w + bias) − center)·scale + offset + residual), each part optional, in this order. */
export interface ConvEpilogue {
  /**
   * [3, Cout] = [center; scale; offset] per output channel: an inference batchnorm folded into the
   * convolution (batchNormCoefficients gives this layout). Takes no gradient.
   */
  affine?: Tensor;
  /** Added after the affine; the output's shape (a residual shortcut). Its gradient is the output's. */
  residual?: Tensor;
  /**
   * ReLU last. When the result will be recorded for autodiff the ReLU runs (and records) as its own
   * op, so its backward overrides (guided, deconvnet) apply.
   */
  relu?: boolean;
}

export interface ConvGeometry {
  batch: number;
  H: number;
  W: number;
  Cin: number;
  KH: number;
  KW: number;
  Cout: number;
  OH: number;
  OW: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Padding;
}

const OP = 'conv2d';

export function convGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): ConvGeometry {
  if (xShape.length !== 4) throw new ShapeError(OP, 'x of rank 4 [batch, height, width, channels] (NHWC)', `x ${fmt(xShape)}`);
  if (wShape.length !== 4) throw new ShapeError(OP, 'filter of rank 4 [kh, kw, in, out] (HWIO)', `filter ${fmt(wShape)}`);
  const [batch, H, W, Cin] = xShape;
  const [KH, KW, fin, Cout] = wShape;
  if (fin !== Cin)
    throw new ShapeError(
      OP,
      `filter [${KH}, ${KW}, ${Cin}, out] for x ${fmt(xShape)} (filter in-channels = x channels)`,
      `x ${fmt(xShape)}, filter ${fmt(wShape)}`,
    );
  assertPositiveInts(OP, 'filter dimensions', wShape);
  if (KH * KW * Cin * Cout * 4 > maxBindingBytes()) {
    throw new ShapeError(OP, `a filter within one storage binding (${maxBindingBytes()} bytes)`, `filter ${fmt(wShape)}`);
  }
  const strides = opts.strides ?? [1, 1];
  const dilations = opts.dilations ?? [1, 1];
  if (strides.length !== 2) throw new ShapeError(OP, 'strides [h, w]', `[${strides.join(', ')}]`);
  if (dilations.length !== 2) throw new ShapeError(OP, 'dilations [h, w]', `[${dilations.join(', ')}]`);
  assertPositiveInts(OP, 'strides', strides);
  assertPositiveInts(OP, 'dilations', dilations);
  const padding = opts.padding ?? 'valid';
  const pad = padding === 'valid' ? NO_PADDING : padding === 'same' ? samePadding(H, W, KH, KW, strides[0], strides[1], dilations[0], dilations[1]) : padding;
  if (typeof padding === 'string' && padding !== 'valid' && padding !== 'same') throw new ShapeError(OP, "padding 'valid', 'same' or per side", `'${padding}'`);
  checkPadding(OP, pad);
  const OH = windowOutputSize(OP, H, pad.top, pad.bottom, KH, strides[0], dilations[0]);
  const OW = windowOutputSize(OP, W, pad.left, pad.right, KW, strides[1], dilations[1]);
  if (opts.bias && (opts.bias.rank !== 1 || opts.bias.shape[0] !== Cout)) {
    throw new ShapeError(OP, `bias [${Cout}]`, `bias ${fmt(opts.bias.shape)} with filter ${fmt(wShape)}`);
  }
  const affine = opts.epilogue?.affine;
  if (affine && (affine.rank !== 2 || affine.shape[0] !== 3 || affine.shape[1] !== Cout)) {
    throw new ShapeError(
      OP,
      `epilogue affine [3, ${Cout}] (center, scale, offset per output channel)`,
      `affine ${fmt(affine.shape)} with filter ${fmt(wShape)}`,
    );
  }
  const residual = opts.epilogue?.residual;
  if (residual && !sameShape(residual.shape, [batch, OH, OW, Cout])) {
    throw new ShapeError(OP, `epilogue residual of the output's shape ${fmt([batch, OH, OW, Cout])}`, `residual ${fmt(residual.shape)}`);
  }
  return { batch, H, W, Cin, KH, KW, Cout, OH, OW, strides, dilations, pad };
}

/** A 1×1, stride-1, unpadded convolution is [pixels, Cin]·[Cin, Cout]. */
function isPointwise(g: ConvGeometry): boolean {
  const { pad } = g;
  return g.KH === 1 && g.KW === 1 && g.strides[0] === 1 && g.strides[1] === 1 && pad.top + pad.bottom + pad.left + pad.right === 0;
}

/** Whole images per dispatch so that every per-image operand fits one storage binding. */
export function imageChunks(g: ConvGeometry, perImageFloats: number[]): [number, number][] {
  const largest = Math.max(...perImageFloats);
  const perChunk = Math.floor((maxBindingBytes() / 4 - 64) / largest);
  if (perChunk < 1) {
    throw new ShapeError(OP, `one image's activations within a storage binding (${maxBindingBytes()} bytes)`, `${largest * 4} bytes per image`);
  }
  const out: [number, number][] = [];
  for (let n = 0; n < g.batch; n += perChunk) out.push([n, Math.min(g.batch, n + perChunk)]);
  return out;
}

interface DispatchPart {
  /** GEMM rows of this dispatch and the images they cover. */
  m: number;
  images: number;
  /** Float offsets of the gathered operand, the B operand and Y inside their bindings. */
  xBase: number;
  bBase: number;
  yBase: number;
  yStride: number;
  accumulate: boolean;
  /** GEMM columns (Cout, or Cin for the input gradient): sets the workgroup grid. */
  n: number;
  /** The kernel runs shared-row tiles (tiles.ts). */
  shared?: boolean;
}

/** Params in the order of the kernels' struct, and the workgroup count for `d`. */
function convLaunch(g: ConvGeometry, d: DispatchPart): { ints: number[]; workgroups: number } {
  const grid = gemmGrid(d.m, d.n, convRows(d), d.shared);
  const ints = [
    d.m,
    d.images,
    g.H,
    g.W,
    g.Cin,
    g.OH,
    g.OW,
    g.Cout,
    g.KH,
    g.KW,
    g.strides[0],
    g.strides[1],
    g.dilations[0],
    g.dilations[1],
    g.pad.top,
    g.pad.left,
    d.xBase,
    d.bBase,
    d.yBase,
    d.yStride,
    0,
    d.accumulate ? 1 : 0,
    grid.colBlocks,
    grid.colGroups,
  ];
  return { ints, workgroups: grid.workgroups };
}

const whole = (t: Tensor) => ({ buffer: t.buffer, offset: 0, size: t.size * 4 });

/** [outer, C, inner] → [outer, Cp, inner], zero-filled. */
function padChannels(t: Tensor, _outer: number, c: number, cp: number, inner: number, shape: number[]): Tensor {
  const y = empty(shape);
  dispatch({ wgsl: padChannelsKernel, bindings: [t.buffer, y.buffer], ints: [y.size, c, cp, inner], workgroups: groupsFor(y.size, 256), flops: y.size });
  return y;
}

/**
 * Few input channels (an RGB first layer) would take the slow scalar gather; padding image and
 * filter to a multiple of 4 channels with zeros costs one small copy each and runs the vec4 path.
 */
function withPaddedChannels(g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | undefined, epilogue: ConvEpilogue): Tensor {
  const cp = Math.ceil(g.Cin / 4) * 4;
  const xp = padChannels(x, g.batch * g.H * g.W, g.Cin, cp, 1, [g.batch, g.H, g.W, cp]);
  const wp = padChannels(w, g.KH * g.KW, g.Cin, cp, g.Cout, [g.KH, g.KW, cp, g.Cout]);
  // The padded filter is a temporary: nothing derived from it is worth caching (no Winograd).
  const y = forward({ ...g, Cin: cp }, xp, wp, bias, epilogue, false);
  xp.dispose();
  wp.dispose();
  return y;
}

/** `w` is a lasting tensor (a weight), so a Winograd transform of it may be cached with it. */
function forward(g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor | undefined, epilogue: ConvEpilogue, lasting = true): Tensor {
  if (g.Cin % 4 !== 0 && g.Cin >= 3) return withPaddedChannels(g, x, w, bias, epilogue);
  const tile = lasting ? winogradTile(g) : undefined;
  if (tile)
    return winogradConv(
      g,
      tile,
      x,
      w.derived(`winograd${tile.alpha}`, () => winogradFilter(w, tile)),
      bias,
      epilogue,
    );
  const y = empty([g.batch, g.OH, g.OW, g.Cout]);
  const { affine, residual } = epilogue;
  const relu = epilogue.relu ?? false;
  // The implicit-GEMM kernel runs a 1×1 convolution as fast as the plain GEMM (measured on
  // ResNet50V2's and InceptionV3's pointwise shapes) and has the epilogue.
  if (isPointwise(g) && !affine && !residual && !relu) {
    const pixels = g.batch * g.H * g.W;
    gemm({
      a: { buffer: x.buffer, rows: pixels, cols: g.Cin },
      transposeA: false,
      b: { buffer: w.buffer, rows: g.Cin, cols: g.Cout },
      transposeB: false,
      y: { buffer: y.buffer, rows: pixels, cols: g.Cout },
      bias: bias?.buffer,
    });
    return y;
  }
  const shared = useSharedRows(g.batch * g.OH * g.OW, g.Cout);
  const wgsl = convForwardKernel({
    shared,
    aVec4: g.Cin % 4 === 0,
    bVec4: g.Cout % 4 === 0,
    yVec4: g.Cout % 4 === 0,
    bias: bias !== undefined,
    affine: affine !== undefined,
    residual: residual !== undefined,
    relu,
    unpadded: g.pad.top + g.pad.bottom + g.pad.left + g.pad.right === 0,
    pointwise: isPointwise(g),
  });
  const xPer = g.H * g.W * g.Cin,
    yPer = g.OH * g.OW * g.Cout;
  for (const [n0, n1] of imageChunks(g, [xPer, yPer])) {
    const xw = windowOf(x.buffer, n0 * xPer, n1 * xPer);
    const yw = windowOf(y.buffer, n0 * yPer, n1 * yPer);
    const m = (n1 - n0) * g.OH * g.OW;
    const launch = convLaunch(g, { m, images: n1 - n0, xBase: xw.base, bBase: 0, yBase: yw.base, yStride: g.Cout, accumulate: false, n: g.Cout, shared });
    // The residual has y's shape, so the same window puts it at the same base.
    const epilogueBindings = [
      ...(bias ? [whole(bias)] : []),
      ...(affine ? [whole(affine)] : []),
      ...(residual ? [windowOf(residual.buffer, n0 * yPer, n1 * yPer).binding] : []),
    ];
    dispatch({
      wgsl,
      bindings: [xw.binding, whole(w), yw.binding, ...epilogueBindings],
      ints: launch.ints,
      workgroups: groupsFor(launch.workgroups, 1),
      flops: 2 * m * g.Cout * g.KH * g.KW * g.Cin,
    });
  }
  return y;
}

/**
 * [KH, KW, Cin, Cout] → [KH, KW, Cout, Cin] with the taps reversed (see flipTransposeFilterKernel),
 * each output channel scaled by the affine's scale when one is given.
 */
function flipTransposeFilter(g: ConvGeometry, w: Tensor, affine?: Tensor): Tensor {
  const wt = empty([g.KH, g.KW, g.Cout, g.Cin]);
  const vec4 = g.Cin % 4 === 0 && g.Cout % 4 === 0;
  const n = vec4 ? wt.size / 16 : wt.size;
  const bindings = [w.buffer, wt.buffer, ...(affine ? [affine.buffer] : [])];
  dispatch({
    wgsl: flipTransposeFilterKernel(vec4, affine !== undefined),
    bindings,
    ints: [n, g.KH * g.KW, g.Cin, g.Cout],
    workgroups: groupsFor(n, 256),
    flops: wt.size,
  });
  return wt;
}

/**
 * The input gradient as a forward convolution: dX = dY ⊛ flip(W)ᵀ with stride 1, the same
 * dilation and padding (K−1)·d − p before (the rest after), when that padding is not negative.
 */
function transposedGeometry(g: ConvGeometry): ConvGeometry | undefined {
  if (g.strides[0] !== 1 || g.strides[1] !== 1) return undefined;
  const [dh, dw] = g.dilations;
  const top = (g.KH - 1) * dh - g.pad.top,
    left = (g.KW - 1) * dw - g.pad.left;
  const bottom = g.H - 1 + (g.KH - 1) * dh - top - (g.OH - 1),
    right = g.W - 1 + (g.KW - 1) * dw - left - (g.OW - 1);
  if (Math.min(top, left, bottom, right) < 0) return undefined;
  return { ...g, H: g.OH, W: g.OW, Cin: g.Cout, Cout: g.Cin, OH: g.H, OW: g.W, pad: { top, bottom, left, right } };
}

/**
 * Whether the input gradient runs as the forward kernel over a flipped, transposed filter copy.
 * Measured on lavapipe, in-process A/B against the phase kernel reading W "nk" (12 interleaved
 * pairs, idle-equivalent time): 3×3 56×56×64→64 8 % faster, 14×14×256→256 15 % faster; but
 * 7×7×512→512 5 % slower (the copy of a 2.4 M-float filter outweighs a 25 k-float dX), 1×1
 * 14×14×1024→256 7 % slower than the plain GEMM, and stride 2 no faster (3×3/2 28×28×128: equal).
 * So: stride 1, not pointwise, and a filter at most 32 times dX's size (14×14×256: 12×; 7×7×512: 94×).
 */
function transposedPays(g: ConvGeometry): boolean {
  const filter = g.KH * g.KW * g.Cin * g.Cout;
  return !isPointwise(g) && filter <= 32 * g.batch * g.H * g.W * g.Cin;
}

/** Whether a forced Winograd mode (tests, A/B benchmarks) takes this input gradient. */
function forcedWinograd(g: ConvGeometry): boolean {
  const t = transposedGeometry(g);
  return winogradForced() && t !== undefined && winogradTile(t) !== undefined;
}

/** dL/dx from dL/dy; with an epilogue affine, dy is the gradient after it (its scale goes into the filter copy). */
function inputGradient(g: ConvGeometry, gy: Tensor, w: Tensor, affine?: Tensor): Tensor {
  // Measured (lavapipe, dX alone): VGG16's first layer 20 ms by Winograd, 9.5 through the columns;
  // ResNet50V2's stem 24 by phases, 14 through the columns; InceptionV3's 6.3 by phases, 5.5.
  if (columnsPay(g) && !forcedWinograd(g)) {
    return withScaledDy(gy, affine, (gz) => columnsInputGradient(g, gz, w, imageChunks(g, [columnsPerImage(g), g.OH * g.OW * g.Cout, g.H * g.W * g.Cin])));
  }
  const t = transposedGeometry(g);
  const tile = t && winogradTile(t);
  if (t && tile) {
    // The flipped, transposed filter's transform, cached with the weight. An affine's scale is
    // applied to dY in the input transform, not folded into the cached filter: models compute the
    // affine afresh each run, so a per-affine cache entry would grow with every run.
    const u = w.derived(`winograd${tile.alpha}-dx`, () => {
      const wt = flipTransposeFilter(g, w);
      const transformed = winogradFilter(wt, tile);
      wt.dispose();
      return transformed;
    });
    return winogradConv(t, tile, gy, u, undefined, {}, affine);
  }
  if (t && transposedPays(g)) {
    const wt = flipTransposeFilter(g, w, affine);
    const dx = forward(t, gy, wt, undefined, {}, false);
    wt.dispose();
    return dx;
  }
  return withScaledDy(gy, affine, (gz) => (isPointwise(g) ? pointwiseInputGradient(g, gz, w) : phasedInputGradient(g, gz, w)));
}

/** `dx(gz)` for gz = dY scaled by the affine's scale (a copy released after), for kernels that cannot scale dY themselves. */
function withScaledDy(gy: Tensor, affine: Tensor | undefined, dx: (gz: Tensor) => Tensor): Tensor {
  const gz = affine ? scaleChannels(gy, affine) : gy;
  const result = dx(gz);
  if (gz !== gy) gz.dispose();
  return result;
}

function pointwiseInputGradient(g: ConvGeometry, gy: Tensor, w: Tensor): Tensor {
  const dx = empty([g.batch, g.H, g.W, g.Cin]);
  const pixels = g.batch * g.H * g.W;
  gemm({
    a: { buffer: gy.buffer, rows: pixels, cols: g.Cout },
    transposeA: false,
    b: { buffer: w.buffer, rows: g.Cin, cols: g.Cout },
    transposeB: true,
    y: { buffer: dx.buffer, rows: pixels, cols: g.Cin },
  });
  return dx;
}

function phasedInputGradient(g: ConvGeometry, gy: Tensor, w: Tensor): Tensor {
  const dx = empty([g.batch, g.H, g.W, g.Cin]);
  const [sh, sw] = g.strides;
  const shared = useSharedRows((g.batch * g.H * g.W) / (sh * sw), g.Cin);
  const wgsl = convInputGradKernel({
    shared,
    aVec4: g.Cout % 4 === 0,
    bVec4: g.Cout % 4 === 0,
    yVec4: g.Cin % 4 === 0,
    bias: false,
    unitStride: sh === 1 && sw === 1,
  });
  const dyPer = g.OH * g.OW * g.Cout,
    dxPer = g.H * g.W * g.Cin;
  for (const [n0, n1] of imageChunks(g, [dyPer, dxPer])) {
    const dyw = windowOf(gy.buffer, n0 * dyPer, n1 * dyPer);
    const dxw = windowOf(dx.buffer, n0 * dxPer, n1 * dxPer);
    // Rows of the largest stride phase (phase 0); the others' extra rows are not stored.
    const m = (n1 - n0) * Math.ceil(g.H / sh) * Math.ceil(g.W / sw);
    const launch = convLaunch(g, { m, images: n1 - n0, xBase: dyw.base, bBase: 0, yBase: dxw.base, yStride: g.Cin, accumulate: false, n: g.Cin, shared });
    const [gx, gyCount] = groupsFor(launch.workgroups, 1);
    dispatch({
      wgsl,
      bindings: [dyw.binding, whole(w), dxw.binding],
      ints: launch.ints,
      workgroups: [gx, gyCount, sh * sw],
      flops: 2 * (n1 - n0) * g.OH * g.OW * g.Cout * g.KH * g.KW * g.Cin,
    });
  }
  return dx;
}

function filterGradient(g: ConvGeometry, x: Tensor, gy: Tensor): Tensor {
  const dw = empty([g.KH, g.KW, g.Cin, g.Cout]);
  if (isPointwise(g)) {
    const pixels = g.batch * g.H * g.W;
    const xm: Matrix = { buffer: x.buffer, rows: pixels, cols: g.Cin };
    gemm({
      a: xm,
      transposeA: true,
      b: { buffer: gy.buffer, rows: pixels, cols: g.Cout },
      transposeB: false,
      y: { buffer: dw.buffer, rows: g.Cin, cols: g.Cout },
    });
    return dw;
  }
  const wgsl = convFilterGradKernel({ aVec4: g.Cin % 4 === 0, bVec4: g.Cout % 4 === 0, yVec4: g.Cout % 4 === 0, bias: false });
  const xPer = g.H * g.W * g.Cin,
    dyPer = g.OH * g.OW * g.Cout;
  const m = g.KH * g.KW * g.Cin;
  imageChunks(g, [xPer, dyPer]).forEach(([n0, n1], i) => {
    const xw = windowOf(x.buffer, n0 * xPer, n1 * xPer);
    const dyw = windowOf(gy.buffer, n0 * dyPer, n1 * dyPer);
    // Image chunks after the first add their share of the sum over pixels.
    const launch = convLaunch(g, { m, images: n1 - n0, xBase: xw.base, bBase: dyw.base, yBase: 0, yStride: g.Cout, accumulate: i > 0, n: g.Cout });
    dispatch({
      wgsl,
      bindings: [xw.binding, dyw.binding, whole(dw)],
      ints: launch.ints,
      workgroups: groupsFor(launch.workgroups, 1),
      flops: 2 * (n1 - n0) * g.OH * g.OW * g.Cout * m,
    });
  });
  return dw;
}

/**
 * dL/dx of conv2d(x, w, opts) for an x of shape `xShape`, given dL/dy: the backward pass's input
 * gradient alone (tf.conv2dTranspose's role), without recording anything.
 */
export function conv2dInputGradient(
  xShape: readonly number[],
  w: Tensor,
  gy: Tensor,
  opts: Pick<Conv2dOptions, 'strides' | 'dilations' | 'padding'> = {},
): Tensor {
  const g = convGeometry(xShape, w.shape, opts);
  if (!sameShape(gy.shape, [g.batch, g.OH, g.OW, g.Cout]))
    throw new ShapeError(OP, `dy of the output's shape ${fmt([g.batch, g.OH, g.OW, g.Cout])}`, `dy ${fmt(gy.shape)}`);
  return inputGradient(g, gy, w);
}

/**
 * conv2d(x [N, H, W, Cin], w [KH, KW, Cin, Cout]) → [N, OH, OW, Cout], with an optional epilogue
 * fused into the store. Gradients: input, filter, bias and residual, each computed only when asked
 * for (the epilogue's affine scales the output gradient first; its coefficients take none).
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const g = convGeometry(x.shape, w.shape, opts);
  const { bias, epilogue = {} } = opts;
  const { affine, residual } = epilogue;
  const inputs = [x, w, ...(bias ? [bias] : []), ...(affine ? [affine] : []), ...(residual ? [residual] : [])];
  const recorded = isRecording() && inputs.some((t) => t.requiresGrad);
  if (recorded && affine?.requiresGrad) throw new Error('conv2d: the epilogue affine takes no gradient; fold a batchnorm only when its parameters need none');
  if (recorded && epilogue.relu) {
    const z = conv2d(x, w, { ...opts, epilogue: { ...epilogue, relu: false } });
    const y = relu(z);
    z.dispose();
    return y;
  }
  const y = forward(g, x, w, bias, epilogue);
  // Positions in `inputs` (the residual may be the same tensor as x, so not by lookup).
  const biasAt = bias ? 2 : -1;
  const residualAt = residual ? inputs.length - 1 : -1;
  recordOp({
    kind: 'conv2d',
    inputs,
    output: y,
    // The input gradient reads the filter, the filter gradient reads the input.
    saved: [...(w.requiresGrad ? [x] : []), ...(x.requiresGrad ? [w] : []), ...(affine ? [affine] : [])],
    backward: (gy, { needs }) => {
      const grads: (Tensor | null)[] = inputs.map(() => null);
      // The input gradient scales by the affine itself (in its filter copy when it makes one): gy
      // is scaled here only for the filter and bias gradients (an explanation's backward needs neither).
      const gz = affine && (needs[1] || (biasAt > 0 && needs[biasAt])) ? scaleChannels(gy, affine) : gy;
      if (needs[0]) grads[0] = inputGradient(g, gy, w, affine);
      if (needs[1]) grads[1] = filterGradient(g, x, gz);
      if (biasAt > 0 && needs[biasAt]) grads[biasAt] = sumToChannels(gz);
      if (residualAt > 0 && needs[residualAt]) grads[residualAt] = gy;
      if (gz !== gy) gz.dispose();
      return grads;
    },
  });
  return y;
}
