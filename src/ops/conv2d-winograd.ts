// Winograd F(2×2, 3×3) convolution (kernels and the algebra in wgsl/winograd.ts): input transform,
// 16 GEMMs [tiles, Cin]·[Cin, Cout] (matmul.ts), output transform with the forward's epilogue.
// conv2d.ts decides where it runs (winogradPays) and caches the transformed filter with the weight.
import { dispatch, empty, groupsFor, type Tensor } from '../tensor/index.js';
import type { ConvEpilogue, ConvGeometry } from './conv2d.js';
import { gemm, maxBindingBytes } from './matmul.js';
import { winogradFilterKernel, winogradInputKernel, winogradOutputKernel } from './wgsl/winograd.js';

/** Elements along channels: vec4 groups when the count allows. */
const units = (c: number) => (c % 4 === 0 ? c / 4 : c);

/**
 * 'auto' runs Winograd where it was measured to pay (winogradPays); 'on' / 'off' force it wherever
 * it applies / nowhere (tests and A/B benchmarks). 'auto' and 'on' agree today (it paid on every
 * shape measured); they stay apart so a shape found to lose can be left out of 'auto' alone.
 */
export type WinogradMode = 'auto' | 'on' | 'off';
let mode: WinogradMode = 'auto';

export function setWinogradMode(m: WinogradMode): void {
  mode = m;
}

export function winogradMode(): WinogradMode {
  return mode;
}

/**
 * Whether `g` runs as Winograd: where it applies, unless the mode says otherwise. Measured on
 * lavapipe (`npm run bench -- --only winograd`: interleaved pairs of the same step with Winograd on
 * and off, idle-eq ratio, load 5–12): ResNet50V2's 3×3 shapes 56×56×64 forward 0.66 / input
 * gradient 0.63, 14×14×256 0.56 / 0.51, 7×7×512 0.58 / 0.50 — every shape won, the small maps
 * most (the direct kernel's bounds tests and 9 taps per pixel cost more than the transforms), so
 * 'auto' takes it wherever it applies. The price is memory: the transformed filter is 16/9 of the
 * weight and is kept with it (a second one for the input gradient, made on first use).
 */
export function winogradPays(g: ConvGeometry): boolean {
  return mode !== 'off' && winogradApplies(g);
}

/** Whether F(2×2, 3×3) can run `g`: a stride-1, undilated 3×3 whose transformed operands fit one binding each. */
export function winogradApplies(g: ConvGeometry): boolean {
  if (g.KH !== 3 || g.KW !== 3 || g.strides[0] !== 1 || g.strides[1] !== 1 || g.dilations[0] !== 1 || g.dilations[1] !== 1) return false;
  const tiles = g.batch * Math.ceil(g.OH / 2) * Math.ceil(g.OW / 2);
  const largest = 16 * Math.max(tiles * Math.max(g.Cin, g.Cout), g.Cin * g.Cout);
  return largest * 4 <= maxBindingBytes() && g.batch * Math.max(g.H * g.W * g.Cin, g.OH * g.OW * g.Cout) * 4 <= maxBindingBytes();
}

/** U [16, Cin, Cout] = G·w·Gᵀ per channel pair, from an HWIO w [3, 3, Cin, Cout]. */
export function winogradFilter(w: Tensor): Tensor {
  const [, , cin, cout] = w.shape;
  const u = empty([16, cin, cout]);
  const vec4 = cout % 4 === 0;
  const n = cin * units(cout);
  dispatch({ wgsl: winogradFilterKernel(vec4), bindings: [w.buffer, u.buffer], ints: [n, cin, units(cout)], workgroups: groupsFor(n, 256), flops: 28 * n });
  return u;
}

let runs = 0;

/** How many convolutions ran as Winograd so far (lets tests see the path was taken). */
export function winogradRuns(): number {
  return runs;
}

/**
 * y = conv2d(x, w) through the epilogue, with u = winogradFilter(w); with `inputScale` (an affine
 * [3, Cin]), x's channels are first multiplied by its scale row (in the input transform).
 */
export function winogradConv(g: ConvGeometry, x: Tensor, u: Tensor, bias: Tensor | undefined, epilogue: ConvEpilogue, inputScale?: Tensor): Tensor {
  runs++;
  const TH = Math.ceil(g.OH / 2),
    TW = Math.ceil(g.OW / 2);
  const T = g.batch * TH * TW;
  const v = empty([16, T, g.Cin]);
  const inVec4 = g.Cin % 4 === 0;
  const nIn = T * units(g.Cin);
  dispatch({
    wgsl: winogradInputKernel(inVec4, inputScale !== undefined),
    bindings: [x.buffer, v.buffer, ...(inputScale ? [inputScale.buffer] : [])],
    ints: [nIn, T, TH, TW, g.H, g.W, units(g.Cin), g.pad.top, g.pad.left, g.Cin],
    workgroups: groupsFor(nIn, 256),
    flops: 32 * nIn,
  });
  const m = empty([16, T, g.Cout]);
  // The 16 products M[ξ] = V[ξ]·U[ξ] in one dispatch (matmul.ts says why).
  gemm({
    a: { buffer: v.buffer, rows: T, cols: g.Cin },
    transposeA: false,
    b: { buffer: u.buffer, rows: g.Cin, cols: g.Cout },
    transposeB: false,
    y: { buffer: m.buffer, rows: T, cols: g.Cout },
    batch: { count: 16, aStride: T * g.Cin, bStride: g.Cin * g.Cout, yStride: T * g.Cout },
  });
  v.dispose();
  const y = empty([g.batch, g.OH, g.OW, g.Cout]);
  const { affine, residual } = epilogue;
  const outVec4 = g.Cout % 4 === 0;
  const nOut = T * units(g.Cout);
  const variant = { bias: bias !== undefined, affine: affine !== undefined, residual: residual !== undefined, relu: epilogue.relu ?? false };
  dispatch({
    wgsl: winogradOutputKernel(outVec4, variant),
    bindings: [m.buffer, y.buffer, ...[bias, affine, residual].flatMap((t) => (t ? [t.buffer] : []))],
    ints: [nOut, T, TH, TW, g.OH, g.OW, units(g.Cout), g.Cout],
    workgroups: groupsFor(nOut, 256),
    flops: 24 * nOut,
  });
  m.dispose();
  return y;
}
