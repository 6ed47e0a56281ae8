// Plain float64 2-D convolution and its input and filter gradients for the tests: NHWC input, HWIO
// filter, explicit per-side padding, written as the definition (sums over the window), with
// out-of-range input pixels as zeros.

export interface ConvRefGeometry {
  strides: [number, number];
  dilations: [number, number];
  pad: { top: number; bottom: number; left: number; right: number };
}

export function convOutputSize(xShape: readonly number[], wShape: readonly number[], g: ConvRefGeometry): [number, number] {
  const [, H, W] = xShape;
  const [KH, KW] = wShape;
  const oh = Math.floor((H + g.pad.top + g.pad.bottom - (KH - 1) * g.dilations[0] - 1) / g.strides[0]) + 1;
  const ow = Math.floor((W + g.pad.left + g.pad.right - (KW - 1) * g.dilations[1] - 1) / g.strides[1]) + 1;
  return [oh, ow];
}

/**
 * Calls `visit` for every (image n, output pixel oy/ox, tap ky/kx) whose input pixel (iy, ix) lies
 * inside x: the window the forward and both gradients sum over.
 */
function forEachTap(
  xShape: readonly number[],
  wShape: readonly number[],
  g: ConvRefGeometry,
  visit: (n: number, oy: number, ox: number, ky: number, kx: number, iy: number, ix: number) => void,
): void {
  const [N, H, W] = xShape;
  const [KH, KW] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * g.strides[0] - g.pad.top + ky * g.dilations[0];
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * g.strides[1] - g.pad.left + kx * g.dilations[1];
            if (ix < 0 || ix >= W) continue;
            visit(n, oy, ox, ky, kx, iy, ix);
          }
        }
}

/** groups > 1: the filter is [KH, KW, C/groups, O]; output o reads the input channels of group ⌊o/(O/groups)⌋. */
export function conv2dRef(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  g: ConvRefGeometry,
  bias?: ArrayLike<number>,
  groups = 1,
): Float64Array {
  const [N, H, W, CX] = xShape;
  const [, KW, C, O] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  const y = new Float64Array(N * OH * OW * O);
  if (bias) for (let i = 0; i < y.length; i++) y[i] = bias[i % O];
  forEachTap(xShape, wShape, g, (n, oy, ox, ky, kx, iy, ix) => {
    const xi = ((n * H + iy) * W + ix) * CX,
      yi = ((n * OH + oy) * OW + ox) * O,
      wi = (ky * KW + kx) * C;
    for (let o = 0; o < O; o++) {
      const c0 = Math.floor(o / (O / groups)) * C;
      let s = 0;
      for (let c = 0; c < C; c++) s += x[xi + c0 + c] * w[(wi + c) * O + o];
      y[yi + o] += s;
    }
  });
  return y;
}

/** dL/dx of conv2dRef (groups 1) for the output gradient `gy`: each output's gradient spread back over its window. */
export function conv2dInputGradientRef(
  gy: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  g: ConvRefGeometry,
): Float64Array {
  const [N, H, W, C] = xShape;
  const [, KW, , O] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  const dx = new Float64Array(N * H * W * C);
  forEachTap(xShape, wShape, g, (n, oy, ox, ky, kx, iy, ix) => {
    const yi = ((n * OH + oy) * OW + ox) * O;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += gy[yi + o] * w[((ky * KW + kx) * C + c) * O + o];
      dx[((n * H + iy) * W + ix) * C + c] += s;
    }
  });
  return dx;
}

/** dL/dw of conv2dRef (groups 1) for the output gradient `gy`: each tap's filter sums input × output gradient over the window. */
export function conv2dFilterGradientRef(
  x: ArrayLike<number>,
  xShape: readonly number[],
  gy: ArrayLike<number>,
  wShape: readonly number[],
  g: ConvRefGeometry,
): Float64Array {
  const [, H, W, C] = xShape;
  const [KH, KW, , O] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  const dw = new Float64Array(KH * KW * C * O);
  forEachTap(xShape, wShape, g, (n, oy, ox, ky, kx, iy, ix) => {
    const xi = ((n * H + iy) * W + ix) * C,
      yi = ((n * OH + oy) * OW + ox) * O,
      wi = (ky * KW + kx) * C;
    for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) dw[(wi + c) * O + o] += x[xi + c] * gy[yi + o];
  });
  return dw;
}

/**
 * y — and, for a non-empty output gradient `gy`, dX and dW — of a convolution with stride s,
 * padding p on every side and dilation d (the op tests' common case).
 */
export function symmetricConvRef(x: ArrayLike<number>, xs: number[], w: ArrayLike<number>, ws: number[], gy: ArrayLike<number>, s: number, p: number, d = 1) {
  const g: ConvRefGeometry = { strides: [s, s], dilations: [d, d], pad: { top: p, bottom: p, left: p, right: p } };
  const [OH, OW] = convOutputSize(xs, ws, g);
  const withGrads = gy.length > 0;
  return {
    y: conv2dRef(x, xs, w, ws, g),
    dx: withGrads ? conv2dInputGradientRef(gy, xs, w, ws, g) : new Float64Array(0),
    dw: withGrads ? conv2dFilterGradientRef(x, xs, gy, ws, g) : new Float64Array(0),
    yShape: [xs[0], OH, OW, ws[3]],
  };
}
