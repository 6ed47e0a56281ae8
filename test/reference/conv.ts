// Plain float64 2-D convolution for the tests: NHWC input, HWIO filter, explicit per-side padding,
// written as the definition (a sum over the window), with out-of-range input pixels as zeros.

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
  const [KH, KW, C, O] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  const y = new Float64Array(N * OH * OW * O);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let o = 0; o < O; o++) {
          let s = bias ? bias[o] : 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = oy * g.strides[0] - g.pad.top + ky * g.dilations[0];
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ox * g.strides[1] - g.pad.left + kx * g.dilations[1];
              if (ix < 0 || ix >= W) continue;
              const c0 = Math.floor(o / (O / groups)) * C;
              for (let c = 0; c < C; c++) s += x[((n * H + iy) * W + ix) * CX + c0 + c] * w[((ky * KW + kx) * C + c) * O + o];
            }
          }
          y[((n * OH + oy) * OW + ox) * O + o] = s;
        }
      }
    }
  }
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
  const [KH, KW, , O] = wShape;
  const [OH, OW] = convOutputSize(xShape, wShape, g);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * g.strides[0] - g.pad.top + ky * g.dilations[0];
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * g.strides[1] - g.pad.left + kx * g.dilations[1];
            if (ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) {
              let s = 0;
              for (let o = 0; o < O; o++) s += gy[((n * OH + oy) * OW + ox) * O + o] * w[((ky * KW + kx) * C + c) * O + o];
              dx[((n * H + iy) * W + ix) * C + c] += s;
            }
          }
        }
  return dx;
}
