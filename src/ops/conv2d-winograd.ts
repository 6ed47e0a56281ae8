// Winograd F(m×m, 3×3) convolution (kernels and the algebra in wgsl/winograd.ts): input transform,
// α² GEMMs [tiles, Cin]·[Cin, Cout] in one dispatch (matmul.ts), output transform with the
// forward's epilogue. conv2d.ts asks winogradTile where it runs and caches the transformed filter
// with the weight.
import { dispatch, empty, groupsFor, type Tensor } from '../tensor/index.js';
import type { ConvEpilogue, ConvGeometry } from './conv2d.js';
import { gemm, maxBindingBytes } from './matmul.js';
import { SHARED_ROWS, sharedRowsAvailable } from './tiles.js';
import { F2, F4, winogradFilterKernel, winogradInputKernel, winogradOutputKernel, type WinogradTile } from './wgsl/winograd.js';

/** Elements along channels: vec4 groups when the count allows. */
const units = (c: number) => (c % 4 === 0 ? c / 4 : c);

/**
 * 'auto' picks per shape by measurement (winogradTile); 'f2' / 'f4' force that algorithm wherever
 * Winograd applies, 'off' runs the direct kernels everywhere (tests and A/B benchmarks).
 */
export type WinogradMode = 'auto' | 'f2' | 'f4' | 'off';
let mode: WinogradMode = 'auto';

export function setWinogradMode(m: WinogradMode): void {
  mode = m;
}

/** 'f2' or 'f4': Winograd wherever it applies, before any other choice (the columns path's too). */
export const winogradForced = () => mode === 'f2' || mode === 'f4';

/**
 * The Winograd algorithm for `g`, or undefined for the direct kernels. Measured on lavapipe
 * (`npm run bench -- --only winograd`: interleaved pairs of the same step, idle-eq ratio) on
 * ResNet50V2's 3×3 shapes, forward / input gradient, with per-lane GEMM tiles (load 5–12):
 *   F(2×2) vs direct:  56×56×64 0.66 / 0.63,  14×14×256 0.56 / 0.51,  7×7×512 0.58 / 0.50
 *   F(4×4) vs F(2×2):  56×56×64 0.68 / 0.66,  14×14×256 0.68 / 0.67,  7×7×512 0.67 / 0.64
 * and with shared-row tiles (tiles.ts; load 1–3), which speed the direct kernels and the α²
 * products alike but only when a product has rows to share:
 *   F(2×2) vs direct:  56×56×64 0.91 / 0.91,  14×14×256 0.70 / 0.62,  7×7×512 0.54 / 0.47
 *   F(4×4) vs F(2×2):  56×56×64 0.77 / 0.78,  14×14×256 0.73 / 0.73,  7×7×512 1.67 / 1.66
 * F(4×4) on one 7×7 image has 4 tiles, too few rows for a shared tile (its products fall back to
 * per-lane tiles), where F(2×2) has 16. So 'auto' takes F(4×4) where its products fill a shared
 * tile (or where the device has no shared tiles), else F(2×2), each only where its operands fit
 * a binding. The prices: memory, the transformed filter being α²/9 of the weight (4× for F(4×4))
 * and kept with it, a second one for the input gradient; and accuracy, F(4×4)'s error being ~6×
 * the direct kernel's (test/ops/conv2d-winograd.test.ts: 0.9–1.3e-5 of the output's largest
 * magnitude at K = 2304–4608, direct 1.6–2.2e-6).
 */
export function winogradTile(g: ConvGeometry): WinogradTile | undefined {
  if (mode === 'off') return undefined;
  if (mode !== 'auto') {
    const t = mode === 'f2' ? F2 : F4;
    return winogradApplies(g, t) ? t : undefined;
  }
  const fillsSharedTile = (t: WinogradTile) => !sharedRowsAvailable() || tileCount(g, t) >= SHARED_ROWS;
  const applicable = [F4, F2].filter((t) => winogradApplies(g, t));
  return applicable.find(fillsSharedTile) ?? applicable[0];
}

/** Output tiles of `g` at tile size t.m: the rows of each of the α² products. */
const tileCount = (g: ConvGeometry, t: WinogradTile) => g.batch * Math.ceil(g.OH / t.m) * Math.ceil(g.OW / t.m);

/** Whether `t` can run `g`: a stride-1, undilated 3×3 whose transformed operands fit one binding each. */
function winogradApplies(g: ConvGeometry, t: WinogradTile): boolean {
  if (g.KH !== 3 || g.KW !== 3 || g.strides[0] !== 1 || g.strides[1] !== 1 || g.dilations[0] !== 1 || g.dilations[1] !== 1) return false;
  const tiles = tileCount(g, t);
  const largest = t.alpha ** 2 * Math.max(tiles * Math.max(g.Cin, g.Cout), g.Cin * g.Cout);
  return largest * 4 <= maxBindingBytes() && g.batch * Math.max(g.H * g.W * g.Cin, g.OH * g.OW * g.Cout) * 4 <= maxBindingBytes();
}

/** U [α², Cin, Cout] = G·w·Gᵀ per channel pair, from an HWIO w [3, 3, Cin, Cout]. */
export function winogradFilter(w: Tensor, t: WinogradTile): Tensor {
  const [, , cin, cout] = w.shape;
  const u = empty([t.alpha ** 2, cin, cout]);
  const vec4 = cout % 4 === 0;
  const n = cin * units(cout);
  dispatch({
    wgsl: winogradFilterKernel(t, vec4),
    bindings: [w.buffer, u.buffer],
    ints: [n, cin, units(cout)],
    workgroups: groupsFor(n, 256),
    flops: 9 * t.alpha ** 2 * n,
  });
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
export function winogradConv(
  g: ConvGeometry,
  t: WinogradTile,
  x: Tensor,
  u: Tensor,
  bias: Tensor | undefined,
  epilogue: ConvEpilogue,
  inputScale?: Tensor,
): Tensor {
  runs++;
  const TH = Math.ceil(g.OH / t.m),
    TW = Math.ceil(g.OW / t.m);
  const T = g.batch * TH * TW;
  const A2 = t.alpha ** 2;
  const v = empty([A2, T, g.Cin]);
  const inVec4 = g.Cin % 4 === 0;
  const nIn = T * units(g.Cin);
  dispatch({
    wgsl: winogradInputKernel(t, inVec4, inputScale !== undefined),
    bindings: [x.buffer, v.buffer, ...(inputScale ? [inputScale.buffer] : [])],
    ints: [nIn, T, TH, TW, g.H, g.W, units(g.Cin), g.pad.top, g.pad.left, g.Cin],
    workgroups: groupsFor(nIn, 256),
    flops: 2 * t.alpha ** 3 * nIn,
  });
  const m = empty([A2, T, g.Cout]);
  // The α² products M[ξ] = V[ξ]·U[ξ] in one dispatch (matmul.ts says why).
  gemm({
    a: { buffer: v.buffer, rows: T, cols: g.Cin },
    transposeA: false,
    b: { buffer: u.buffer, rows: g.Cin, cols: g.Cout },
    transposeB: false,
    y: { buffer: m.buffer, rows: T, cols: g.Cout },
    batch: { count: A2, aStride: T * g.Cin, bStride: g.Cin * g.Cout, yStride: T * g.Cout },
  });
  v.dispose();
  const y = empty([g.batch, g.OH, g.OW, g.Cout]);
  const { affine, residual } = epilogue;
  const outVec4 = g.Cout % 4 === 0;
  const nOut = T * units(g.Cout);
  const variant = { bias: bias !== undefined, affine: affine !== undefined, residual: residual !== undefined, relu: epilogue.relu ?? false };
  dispatch({
    wgsl: winogradOutputKernel(t, outVec4, variant),
    bindings: [m.buffer, y.buffer, ...[bias, affine, residual].flatMap((t) => (t ? [t.buffer] : []))],
    ints: [nOut, T, TH, TW, g.OH, g.OW, units(g.Cout), g.Cout],
    workgroups: groupsFor(nOut, 256),
    flops: 2 * t.alpha ** 2 * (t.alpha + t.m) * nOut,
  });
  m.dispose();
  return y;
}
