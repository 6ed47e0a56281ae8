// Convolution as implicit GEMM over NHWC activations and HWIO filters, with the register-blocked
// tiles of matmul.ts. Only the gathering of the A operand is specific to convolution:
//   forward  Y[pixel, co]      = Σ_(tap, ci)  X[pixel·stride + tap·dilation − pad, ci] · W[tap, ci, co]
//   dX       dX[pixel, ci]     = Σ_(tap, co)  dY[(pixel + pad − tap·dilation) / stride, co] · W[tap, ci, co]
//   dW       dW[(tap, ci), co] = Σ_pixel      X[pixel·stride + tap·dilation − pad, ci] · dY[pixel, co]
// The HWIO filter is already the [taps·Cin, Cout] B matrix of the forward pass; the input gradient
// by stride phases reads it as "nk" (transposed per tap). Where it pays (conv2d.ts says when), the
// input gradient is instead the forward kernel itself over dY and a flipped, transposed filter copy
// [taps reversed, Cout, Cin] (flipTransposeFilterKernel), whose B loads are contiguous.
//
// The input gradient is computed by stride phases (sub-pixel decomposition): input pixels
// with the same (y mod strideH, x mod strideW) see the same set of taps, and those taps read dY
// densely, so no work is spent on the zeros a zero-inserted transposed convolution would
// multiply. workgroup z selects the phase.
import {
  accumulators,
  bBinding,
  enableFor,
  bBlockLoad,
  bSetup,
  bSingleLoad,
  columnSetup,
  entryPoint,
  fmaBlock,
  fmaSingle,
  lanes,
  ownRow,
  ownRows,
  store,
  storeBindings,
  tileIndex,
  type BLoad,
  type StoreVariant,
  type TileVariant,
} from './matmul.js';
import { SHARED_ROWS } from '../tiles.js';
import { epilogueBindings, epilogueStore, type EpilogueVariant } from './conv-epilogue.js';
import { flatKernelMain } from '../../tensor/flat-kernel.js';

/** Output rows (pixels, or filter rows for the filter gradient) per invocation. */
const CONV_ROWS = 8;

/** Output rows per invocation of a kernel variant (shared-row tiles take more: tiles.ts). */
export const convRows = (t: TileVariant) => (t.shared ? SHARED_ROWS : CONV_ROWS);

export interface ConvVariant extends StoreVariant, TileVariant {
  /** The gathered operand (X, or dY for the input gradient) is read as vec4 along its channels. */
  aVec4: boolean;
  /** The B operand (filter, or dY for the filter gradient) is read as vec4 along Cout. */
  bVec4: boolean;
  /**
   * Forward only: the convolution has no padding, so every tap of every output pixel lies inside
   * the input and the gather needs no bounds test (a select per load costs ~10 % in the inner loop).
   */
  unpadded?: boolean;
  /** Forward only: 1×1, stride 1, unpadded; output pixel m reads input pixel m (no window arithmetic). */
  pointwise?: boolean;
  /** Input gradient only: stride 1, so one phase and every tap contributes (no per-tap phase test). */
  unitStride?: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Params shared by the three kernels: GEMM rows M and the images in this dispatch, input H, W,
 * Cin, output OH, OW, Cout, filter KH, KW, stride, dilation, padding top/left, the float offsets
 * of the gathered operand (xBase) and the B operand, then the GEMM store and grid fields.
 */
const params = /* wgsl */ `
struct Params {
  M: i32, nImages: i32, H: i32, W: i32, Cin: i32, OH: i32, OW: i32, Cout: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  xBase: i32, bBase: i32, yBase: i32, yStride: i32, biasBase: i32, accumulate: i32, colBlocks: i32, colGroups: i32
}
@group(0) @binding(0) var<uniform> p: Params;`;

const inBounds = (v: string, n: string) => `u32(${v}) < u32(${n})`;

/** `value`, or zero where row r's tap lies outside the input (unless `guarded` is false). */
const guard = (guarded: boolean, zero: string, value: string, r: number) => (guarded ? `select(${zero}, ${value}, ok${r})` : value);

/**
 * The rows this invocation gathers itself: all R (per-lane tiles, as a0..) or its own R/8 of the
 * shared rows (as am0.., broadcast to the others by fmaBlock).
 */
const gatheredRows = (R: number, t: TileVariant) => (t.shared ? ownRows(R) : range(R));
const gatheredName = (t: TileVariant) => (t.shared ? 'am' : 'a');

/** Per tap: the gathered rows' A for channels c..c+3 (vec4 along K) from per-row starts `s_r`. */
function gatherBlock(rows: number[], name: string, vec4: boolean, src: string, guarded: boolean): string {
  return rows
    .map((r) =>
      vec4
        ? `      let ${name}${r} = ${guard(guarded, 'vec4<f32>(0.0)', `${src}[s${r} + c / 4]`, r)};`
        : `      let ${name}${r} = ` +
          guard(guarded, 'vec4<f32>(0.0)', `vec4<f32>(${src}[s${r} + c], ${src}[s${r} + c + 1], ` + `${src}[s${r} + c + 2], ${src}[s${r} + c + 3])`, r) +
          ';',
    )
    .join('\n');
}

function gatherSingle(rows: number[], name: string, src: string, guarded: boolean): string {
  return rows.map((r) => `      let ${name}${r} = ${guard(guarded, '0.0', `${src}[s${r} + c]`, r)};`).join('\n');
}

/**
 * Walks the R consecutive output pixels row0, row0 + 1, … as (n, oy, ox), emitting `perRow(r)` for
 * each with those names in scope. Integer division is scalarised on lavapipe's SIMD lanes, so only
 * row0 is divided; the following pixels step with a carry. Pixels past the last image repeat the
 * last image's index (their loads stay in bounds; the store skips them).
 */
function consecutivePixels(rows: number, width: string, height: string, images: string, perRow: (r: number) => string): string {
  const head = `  var ox = row0 % ${width};
  var oy = (row0 / ${width}) % ${height};
  var n = min(row0 / (${width} * ${height}), ${images} - 1);`;
  const step = `  ox += 1;
  if (ox == ${width}) { ox = 0; oy += 1; }
  if (oy == ${height}) { oy = 0; n = min(n + 1, ${images} - 1); }`;
  return [head, ...range(rows).map((r) => (r < rows - 1 ? `${perRow(r)}\n${step}` : perRow(r)))].join('\n');
}

/** Channel loop over `count` channels of one tap: 4-deep steps, then single steps when not vec4. */
function channelLoop(v: ConvVariant, b: BLoad, count: string, src: string, bK: (c: string) => string, bOff: string, guarded = true): string {
  const R = convRows(v);
  const rows = gatheredRows(R, v);
  const name = gatheredName(v);
  const tail = v.aVec4
    ? ''
    : `
    for (var c = c4; c < ${count}; c++) {
${gatherSingle(rows, name, src, guarded)}
${bSingleLoad(b, bK('c'), bOff)}
${fmaSingle(R, v)}
    }`;
  return `    let c4 = ${count} & ~3;
    for (var c = 0; c < c4; c += 4) {
${gatherBlock(rows, name, v.aVec4, src, guarded)}
${bBlockLoad(b, bK('c'), bOff)}
${fmaBlock(R, v)}
    }${tail}`;
}

/**
 * Shared-row tiles: the pixel of each row this lane gathers, as (n, oy, ox) in the named grid
 * (clamped to the last row, so a row past the end reads in bounds and is not stored), emitting
 * `perRow(g, n, oy, ox)` for each.
 */
function ownPixels(R: number, rowsExpr: string, width: string, height: string, perRow: (g: number, n: string, oy: string, ox: string) => string): string {
  return ownRows(R)
    .map(
      (g) => `  let m${g} = min(${ownRow(g)}, ${rowsExpr} - 1);
  let qx${g} = m${g} % ${width};
  let qy${g} = (m${g} / ${width}) % ${height};
  let qn${g} = m${g} / (${width} * ${height});
${perRow(g, `qn${g}`, `qy${g}`, `qx${g}`)}`,
    )
    .join('\n');
}

/**
 * Forward: bindings x, w (HWIO = [taps·Cin, Cout], "kn"), y[, bias][, coef][, residual] (see
 * conv-epilogue.ts). M = nImages·OH·OW.
 */
export function convForwardKernel(v: ConvVariant & EpilogueVariant): string {
  const bOp: BLoad = v.bVec4 ? 'kn4' : 'strided';
  const R = convRows(v);
  return /* wgsl */ `${enableFor(v)}${params}
@group(0) @binding(1) var<storage, read> x: array<${v.aVec4 ? 'vec4<f32>' : 'f32'}>;
${bBinding(2, bOp)}
${epilogueBindings(3, v)}
${entryPoint(v)}
${tileIndex(R, v)}
${columnSetup('p.Cout')}
${bSetup(bOp, 'p.bBase', 'p.Cout', '1')}
${v.pointwise ? pointwiseGather(R, v) : windowGather(R, v, bOp)}
${epilogueStore(R, v, 'p.M', 'p.Cout')}
}`;
}

/** The taps of a general convolution: per tap, each row's start in x, then the channel loop. */
function windowGather(R: number, v: ConvVariant, bOp: BLoad): string {
  const guarded = !v.unpadded;
  const starts = (r: number | string, n: string, oy: string, ox: string) => `  let iy${r}0 = ${oy} * p.sh - p.pt;
  let ix${r}0 = ${ox} * p.sw - p.pl;
  let img${r} = p.xBase + ${n} * p.H * p.W * p.Cin;`;
  const rows = gatheredRows(R, v);
  return `${
    v.shared
      ? ownPixels(R, 'p.M', 'p.OW', 'p.OH', (g, n, oy, ox) => starts(g, n, oy, ox))
      : consecutivePixels(R, 'p.OW', 'p.OH', 'p.nImages', (r) => starts(r, 'n', 'oy', 'ox'))
  }
${accumulators(R)}
  for (var ky = 0; ky < p.KH; ky++) {
${rows
  .map((r) => (guarded ? `    let iy${r} = iy${r}0 + ky * p.dh;\n    let vy${r} = ${inBounds(`iy${r}`, 'p.H')};` : `    let iy${r} = iy${r}0 + ky * p.dh;`))
  .join('\n')}
    for (var kx = 0; kx < p.KW; kx++) {
${rows
  .map((r) => {
    const start = `(img${r} + (iy${r} * p.W + ix${r}) * p.Cin)${v.aVec4 ? ' / 4' : ''}`;
    return guarded
      ? `    let ix${r} = ix${r}0 + kx * p.dw;
    let ok${r} = vy${r} && ${inBounds(`ix${r}`, 'p.W')};
    let s${r} = select(0, ${start}, ok${r});`
      : `    let ix${r} = ix${r}0 + kx * p.dw;
    let s${r} = ${start};`;
  })
  .join('\n')}
    let wk = (ky * p.KW + kx) * p.Cin;
${channelLoop(v, bOp, 'p.Cin', 'x', (c) => `wk + ${c}`, '0', guarded)}
    }
  }`;
}

/** A 1×1, stride-1, unpadded convolution: output pixel m reads input pixel m, a plain GEMM row. */
function pointwiseGather(R: number, v: ConvVariant): string {
  const bOp: BLoad = v.bVec4 ? 'kn4' : 'strided';
  const row = (r: number) => (v.shared ? ownRow(r) : `row0 + ${r}`);
  return `${gatheredRows(R, v)
    .map((r) => `  let s${r} = (p.xBase + min(${row(r)}, p.M - 1) * p.Cin)${v.aVec4 ? ' / 4' : ''};`)
    .join('\n')}
${accumulators(R)}
${channelLoop(v, bOp, 'p.Cin', 'x', (c) => c, '0', false)}`;
}

/**
 * Input gradient: bindings dy, w (read "nk" per tap: element (co, ci) of tap t at
 * (t·Cin + ci)·Cout + co), dx. Workgroup z is the stride phase; M is the row count of the
 * largest phase (phase 0); in smaller phases the rows past their own count compute clamped values that are not stored.
 */
export function convInputGradKernel(v: ConvVariant): string {
  const bOp: BLoad = v.bVec4 ? 'nk4' : 'strided';
  const R = convRows(v);
  const rows = gatheredRows(R, v);
  // Per gathered row: its pixel in the phase grid (i, j) and its image's start in dY.
  const source = (r: number | string, n: string, oy: string, ox: string) => `  let i${r} = ${ox};
  let j${r} = ${oy};
  let img${r} = p.xBase + ${n} * p.OH * p.OW * p.Cout;`;
  // Per stored row: where it goes in dX.
  const target = (r: number) => `  let yrow${r} = (n * p.H + py + p.sh * oy) * p.W + px + p.sw * ox;`;
  return /* wgsl */ `${enableFor(v)}${params}
@group(0) @binding(1) var<storage, read> dy: array<${v.aVec4 ? 'vec4<f32>' : 'f32'}>;
${bBinding(2, bOp)}
${storeBindings(3, v)}
${entryPoint(v)}
${tileIndex(R, v)}
  let phase = i32(wg.z);
  let py = phase / p.sw;
  let px = phase % p.sw;
  let PH = (p.H - py + p.sh - 1) / p.sh;
  let PW = (p.W - px + p.sw - 1) / p.sw;
  let MP = p.nImages * PH * PW;
${columnSetup('p.Cin')}
${bSetup(bOp, 'p.bBase', '1', 'p.Cout')}
${
  v.shared
    ? ownPixels(R, 'MP', 'PW', 'PH', (g, n, oy, ox) => source(g, n, oy, ox))
    : consecutivePixels(R, 'PW', 'PH', 'p.nImages', (r) => `${source(r, 'n', 'oy', 'ox')}\n${target(r)}`)
}
${accumulators(R)}
  for (var ky = 0; ky < p.KH; ky++) {
    let ty = py + p.pt - ky * p.dh;
${
  v.unitStride
    ? '    let oyOff = ty;'
    : `    if (((ty % p.sh) + p.sh) % p.sh != 0) { continue; }
    let oyOff = ty / p.sh;`
}
${rows.map((r) => `    let oy${r} = j${r} + oyOff;\n    let vy${r} = ${inBounds(`oy${r}`, 'p.OH')};`).join('\n')}
    for (var kx = 0; kx < p.KW; kx++) {
      let tx = px + p.pl - kx * p.dw;
${
  v.unitStride
    ? '      let oxOff = tx;'
    : `      if (((tx % p.sw) + p.sw) % p.sw != 0) { continue; }
      let oxOff = tx / p.sw;`
}
${rows
  .map(
    (r) => `    let ox${r} = i${r} + oxOff;
    let ok${r} = vy${r} && ${inBounds(`ox${r}`, 'p.OW')};
    let s${r} = select(0, (img${r} + (oy${r} * p.OW + ox${r}) * p.Cout)${v.aVec4 ? ' / 4' : ''}, ok${r});`,
  )
  .join('\n')}
    let tapOff = (ky * p.KW + kx) * p.Cin * p.Cout;
${channelLoop(v, bOp, 'p.Cout', 'dy', (c) => c, 'tapOff')}
    }
  }
${v.shared ? consecutivePixels(R, 'PW', 'PH', 'p.nImages', target) : ''}
${store(R, v, 'MP', 'p.Cin', (r) => `yrow${r}`)}
}`;
}

/**
 * Filter gradient: bindings x, dy ("kn" B: [pixels, Cout]), dw ([taps·Cin, Cout]). M = taps·Cin
 * rows, K = the pixels of this dispatch's images. With aVec4 (Cin ≡ 0 mod 4) each group of 4
 * rows is 4 channels of one tap and loads as one vec4.
 */
export function convFilterGradKernel(v: ConvVariant): string {
  const bOp: BLoad = v.bVec4 ? 'kn4' : 'strided';
  const R = CONV_ROWS;
  const groups = v.aVec4 ? R / 4 : R;
  // Row set-up: a "group" is 4 rows (vec4) or 1 row (scalar) sharing one tap.
  const setup = range(groups)
    .map((g) => {
      const first = v.aVec4 ? `min(row0 + ${4 * g}, p.M - 4)` : `min(row0 + ${g}, p.M - 1)`;
      return `  let m${g} = ${first};
  let ci${g} = m${g} % p.Cin;
  let tap${g} = m${g} / p.Cin;
  let oyOff${g} = (tap${g} / p.KW) * p.dh - p.pt;
  let oxOff${g} = (tap${g} % p.KW) * p.dw - p.pl;`;
    })
    .join('\n');
  const perRow = range(groups)
    .map(
      (g) => `        let iy${g} = oy * p.sh + oyOff${g};
        let ix${g} = ox * p.sw + oxOff${g};
        let ok${g} = ${inBounds(`iy${g}`, 'p.H')} && ${inBounds(`ix${g}`, 'p.W')};
        let xi${g} = select(0, img + (iy${g} * p.W + ix${g}) * p.Cin + ci${g}, ok${g});
        let g${g} = select(${v.aVec4 ? 'vec4<f32>(0.0)' : '0.0'}, x[xi${g}${v.aVec4 ? ' / 4' : ''}], ok${g});`,
    )
    .join('\n');
  const fma = range(R)
    .map((r) => `        acc${r} = fma(vec4<f32>(${v.aVec4 ? `g${r >> 2}.${lanes[r & 3]}` : `g${r}`}), b0, acc${r});`)
    .join('\n');
  return /* wgsl */ `${params}
@group(0) @binding(1) var<storage, read> x: array<${v.aVec4 ? 'vec4<f32>' : 'f32'}>;
${bBinding(2, bOp)}
${storeBindings(3, v)}
${entryPoint()}
${tileIndex(R)}
${columnSetup('p.Cout')}
${bSetup(bOp, 'p.bBase', 'p.Cout', '1')}
${setup}
${accumulators(R)}
  var pixel = 0;
  for (var n = 0; n < p.nImages; n++) {
    let img = p.xBase + n * p.H * p.W * p.Cin;
    for (var oy = 0; oy < p.OH; oy++) {
      for (var ox = 0; ox < p.OW; ox++) {
${perRow}
${bSingleLoad(bOp, 'pixel')}
${fma}
        pixel++;
      }
    }
  }
${store(R, v, 'p.M', 'p.Cout')}
}`;
}

/**
 * Copies [outer, C, inner] into [outer, Cp, inner] with zeros in the added channels: lets a
 * 3-channel first layer (image and filter) take the vec4 path, 4/3 of the work at ~3× the speed.
 */
export const padChannelsKernel = /* wgsl */ `
struct Params { n: i32, C: i32, Cp: i32, inner: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${flatKernelMain(`let inner = i % p.inner;
  let c = (i / p.inner) % p.Cp;
  let outer = i / (p.inner * p.Cp);
  var v = 0.0;
  if (c < p.C) { v = x[(outer * p.C + c) * p.inner + inner]; }
  y[i] = v;`)}`;

/**
 * [taps, Cin, Cout] → [taps reversed, Cout, Cin]: the filter of the input gradient seen as a
 * forward convolution of dY (the taps flipped, in and out channels swapped). With both channel
 * counts ≡ 0 (mod 4) each invocation moves a 4×4 block as four vec4 loads and four vec4 stores:
 * the element-wise version's reads, strided by Cout, ran at ~0.5 GB/s on lavapipe and cost a 3×3
 * 512→512 filter more time than the 7×7 convolution it serves.
 */
export function flipTransposeFilterKernel(vec4: boolean, scaled: boolean): string {
  // With `scaled`, output channel co's row is multiplied by coef[Cout + co] (an epilogue affine's
  // scale): (dY·s) ⊛ Wᵀ = dY ⊛ (s·W)ᵀ, so the input gradient needs no pass scaling dY first.
  const sc = (co: string) => (scaled ? ` * coef[p.Cout + ${co}]` : '');
  const stores = lanes.map((l, k) => `  wt[dst + ${k} * (p.Cin / 4)] = vec4<f32>(r0.${l}, r1.${l}, r2.${l}, r3.${l})${sc(`co4 * 4 + ${k}`)};`);
  const body = vec4
    ? `let co4 = i % (p.Cout / 4);
  let ci4 = (i / (p.Cout / 4)) % (p.Cin / 4);
  let tap = i / ((p.Cout / 4) * (p.Cin / 4));
  let src = ((p.taps - 1 - tap) * p.Cin + ci4 * 4) * (p.Cout / 4) + co4;
  let r0 = w[src];
  let r1 = w[src + p.Cout / 4];
  let r2 = w[src + 2 * (p.Cout / 4)];
  let r3 = w[src + 3 * (p.Cout / 4)];
  let dst = (tap * p.Cout + co4 * 4) * (p.Cin / 4) + ci4;
${stores.join('\n')}`
    : `let ci = i % p.Cin;
  let co = (i / p.Cin) % p.Cout;
  let tap = p.taps - 1 - i / (p.Cin * p.Cout);
  wt[i] = w[(tap * p.Cin + ci) * p.Cout + co]${sc('co')};`;
  const t = vec4 ? 'vec4<f32>' : 'f32';
  return /* wgsl */ `
struct Params { n: i32, taps: i32, Cin: i32, Cout: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<${t}>;
@group(0) @binding(2) var<storage, read_write> wt: array<${t}>;
${scaled ? '@group(0) @binding(3) var<storage, read> coef: array<f32>;' : ''}
${flatKernelMain(body)}`;
}
