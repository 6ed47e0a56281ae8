// Direct kernels for grouped and depthwise convolution (NHWC, filter [KH, KW, Cin/groups, Cout]),
// one invocation per output, input-gradient or partial filter-gradient element. A group has few
// channels (depthwise 1, ResNeXt 4–32), so implicit GEMM would have nothing to tile; each thread
// walks its window and its group's channels. The depthwise case with one output per input channel
// and channels a multiple of 4 runs on vec4 lanes (4 channels per thread).
// Batches too large for one storage binding run in chunks of whole images: p.xBase, p.yBase (and
// p.zBase for partial sums) are the chunk's offsets, in T units, inside the bound windows.
// The forward store applies an epilogue: + bias, the folded-batchnorm affine (the layout and
// arithmetic of conv-epilogue.ts), + residual, then one activation from the activation table.
import { flatKernelMain } from '../../tensor/flat-kernel.js';
import { activationHelpers, activationTable, type ActivationKind } from './activations.js';

/** Pixels one filter-gradient thread sums; the partial sums are then reduced over chunks. */
export const FILTER_GRAD_CHUNK = 128;

export interface GroupedForwardVariant {
  /** Depthwise with multiplier 1 and channels a multiple of 4: vec4 lanes. */
  vec4: boolean;
  /** Otherwise, groups of a multiple of 4 input and output channels: 4 output channels per invocation. */
  grouped4: boolean;
  bias: boolean;
  affine: boolean;
  residual: boolean;
  /** A table entry, or 'relu'. */
  activation?: ActivationKind | 'relu';
}

const params = /* wgsl */ `
struct Params {
  n: i32, H: i32, W: i32, Cin: i32, OH: i32, OW: i32, Cout: i32, KH: i32,
  KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, cinG: i32,
  coutG: i32, pixels: i32, chunk: i32, xBase: i32, yBase: i32, zBase: i32, alpha: f32, beta: f32,
}
@group(0) @binding(0) var<uniform> p: Params;`;

const typeAlias = (vec4: boolean) => `alias T = ${vec4 ? 'vec4<f32>' : 'f32'};`;

/** Unravels i over [N, D1, D2, C] (C in lanes of `lanes`) into b, r1, r2, c. */
const unravel = (d1: string, d2: string, c: string) => `let c = i % ${c};
  var t = i / ${c};
  let r2 = t % ${d2};
  t = t / ${d2};
  let r1 = t % ${d1};
  let b = t / ${d1};`;

function activationStore(kind: ActivationKind | 'relu' | undefined): string {
  if (!kind) return '';
  const expr = kind === 'relu' ? 'max(x, T(0.0))' : activationTable[kind].forward;
  return `{ let x = v; v = ${expr}; }`;
}

/** The store of one output value `acc` at element (T) index `at` of the image chunk, channel c. */
function epilogue(v: GroupedForwardVariant, acc: string, at: string): string {
  return [
    `var v = ${acc};`,
    v.bias ? 'v += bias[c];' : '',
    v.affine ? 'v = fma(v - coef[c], coef[cq + c], coef[2 * cq + c]);' : '',
    v.residual ? `v += residual[p.yBase + ${at}];` : '',
    activationStore(v.activation),
    `ys[p.yBase + ${at}] = v;`,
  ]
    .filter((line) => line)
    .join(' ');
}

function forwardHeader(v: GroupedForwardVariant): string {
  let slot = 4;
  const extra = [
    v.bias ? `@group(0) @binding(${slot++}) var<storage, read> bias: array<T>;` : '',
    v.affine ? `@group(0) @binding(${slot++}) var<storage, read> coef: array<T>;` : '',
    v.residual ? `@group(0) @binding(${slot++}) var<storage, read> residual: array<T>;` : '',
  ];
  return `${typeAlias(v.vec4 || v.grouped4)}
${params}
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> ys: array<T>;
${extra.join('\n')}
${v.activation && v.activation !== 'relu' ? activationHelpers : ''}`;
}

/** Output columns one vec4 depthwise invocation computes: each filter tap is loaded once for all of them. */
export const DEPTHWISE_COLS = 4;

/** Scalar grouped forward: one output per invocation, its group's input channels in the inner loop. */
function groupedScalarForward(v: GroupedForwardVariant): string {
  return `${forwardHeader(v)}
${flatKernelMain(`let cq = p.Cout;
  ${unravel('p.OH', 'p.OW', 'cq')}
  var acc = 0.0;
  for (var kh = 0; kh < p.KH; kh++) {
    let ih = r1 * p.sh - p.pt + kh * p.dh;
    if (ih < 0 || ih >= p.H) { continue; }
    for (var kw = 0; kw < p.KW; kw++) {
      let iw = r2 * p.sw - p.pl + kw * p.dw;
      if (iw < 0 || iw >= p.W) { continue; }
      let xb = p.xBase + ((b * p.H + ih) * p.W + iw) * p.Cin + (c / p.coutG) * p.cinG;
      let wb = (kh * p.KW + kw) * p.cinG * p.Cout + c;
      for (var ci = 0; ci < p.cinG; ci++) { acc += xs[xb + ci] * ws[wb + ci * p.Cout]; }
    }
  }
  ${epilogue(v, 'acc', 'i')}`)}`;
}

/** vec4 depthwise forward: 4 channels × DEPTHWISE_COLS output columns per invocation. */
function depthwiseVec4Forward(v: GroupedForwardVariant): string {
  const cols = Array.from({ length: DEPTHWISE_COLS }, (_, r) => r);
  return `${forwardHeader(v)}
${flatKernelMain(`let cq = p.Cout / 4;
  let blocks = (p.OW + ${DEPTHWISE_COLS - 1}) / ${DEPTHWISE_COLS};
  ${unravel('p.OH', 'blocks', 'cq')}
  let ow0 = r2 * ${DEPTHWISE_COLS};
  ${cols.map((r) => `var acc${r} = T(0.0);`).join(' ')}
  for (var kh = 0; kh < p.KH; kh++) {
    let ih = r1 * p.sh - p.pt + kh * p.dh;
    if (ih < 0 || ih >= p.H) { continue; }
    let row = (b * p.H + ih) * p.W;
    for (var kw = 0; kw < p.KW; kw++) {
      let wv = ws[(kh * p.KW + kw) * cq + c];
      let iw0 = ow0 * p.sw - p.pl + kw * p.dw;
      ${cols.map((r) => `{ let iw = iw0 + ${r} * p.sw; if (iw >= 0 && iw < p.W) { acc${r} += xs[p.xBase + (row + iw) * cq + c] * wv; } }`).join('\n      ')}
    }
  }
  let out0 = ((b * p.OH + r1) * p.OW + ow0) * cq + c;
  ${cols.map((r) => `if (ow0 + ${r} < p.OW) { ${epilogue(v, `acc${r}`, `out0 + ${r} * cq`)} }`).join('\n  ')}`)}`;
}

/**
 * Grouped forward over channel quads (ResNeXt, RegNet): 4 output channels of one group per
 * invocation, the group's inputs read 4 at a time, each multiplying 4 filter rows.
 */
function groupedVec4Forward(v: GroupedForwardVariant): string {
  return `${forwardHeader(v)}
${flatKernelMain(`let cq = p.Cout / 4;
  ${unravel('p.OH', 'p.OW', 'cq')}
  let cinq = p.Cin / 4;
  let x0 = ((c * 4) / p.coutG) * (p.cinG / 4);
  var acc = T(0.0);
  for (var kh = 0; kh < p.KH; kh++) {
    let ih = r1 * p.sh - p.pt + kh * p.dh;
    if (ih < 0 || ih >= p.H) { continue; }
    for (var kw = 0; kw < p.KW; kw++) {
      let iw = r2 * p.sw - p.pl + kw * p.dw;
      if (iw < 0 || iw >= p.W) { continue; }
      let xb = p.xBase + ((b * p.H + ih) * p.W + iw) * cinq + x0;
      var wr = (kh * p.KW + kw) * p.cinG * cq + c;
      for (var q = 0; q < p.cinG / 4; q++) {
        let xv = xs[xb + q];
        acc += ws[wr] * xv.x + ws[wr + cq] * xv.y + ws[wr + 2 * cq] * xv.z + ws[wr + 3 * cq] * xv.w;
        wr += 4 * cq;
      }
    }
  }
  ${epilogue(v, 'acc', 'i')}`)}`;
}

export function groupedForwardKernel(v: GroupedForwardVariant): string {
  return v.vec4 ? depthwiseVec4Forward(v) : v.grouped4 ? groupedVec4Forward(v) : groupedScalarForward(v);
}

/** dx[b, ih, iw, ci] = Σ over the windows that read it and its group's outputs of dy·w. */
function groupedScalarInputGrad(): string {
  return `${typeAlias(false)}
${params}
@group(0) @binding(1) var<storage, read> gys: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> gxs: array<T>;
${flatKernelMain(`let cq = p.Cin;
  ${unravel('p.H', 'p.W', 'cq')}
  var acc = 0.0;
  for (var kh = 0; kh < p.KH; kh++) {
    let th = r1 + p.pt - kh * p.dh;
    if (th < 0 || th % p.sh != 0 || th / p.sh >= p.OH) { continue; }
    let oh = th / p.sh;
    for (var kw = 0; kw < p.KW; kw++) {
      let tw = r2 + p.pl - kw * p.dw;
      if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= p.OW) { continue; }
      let ow = tw / p.sw;
      let o0 = (c / p.cinG) * p.coutG;
      let gb = p.yBase + ((b * p.OH + oh) * p.OW + ow) * p.Cout + o0;
      let wb = ((kh * p.KW + kw) * p.cinG + c % p.cinG) * p.Cout + o0;
      for (var oo = 0; oo < p.coutG; oo++) { acc += gys[gb + oo] * ws[wb + oo]; }
    }
  }
  gxs[p.xBase + i] = acc;`)}`;
}

const inputGradTap = (r: number) => `acc${r} += gys[p.yBase + (row + tw / p.sw) * cq + c] * wv;`;

/** vec4 depthwise input gradient: 4 channels × DEPTHWISE_COLS input columns per invocation, each tap loaded once. */
function depthwiseVec4InputGrad(): string {
  const cols = Array.from({ length: DEPTHWISE_COLS }, (_, r) => r);
  return `${typeAlias(true)}
${params}
@group(0) @binding(1) var<storage, read> gys: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> gxs: array<T>;
${flatKernelMain(`let cq = p.Cin / 4;
  let blocks = (p.W + ${DEPTHWISE_COLS - 1}) / ${DEPTHWISE_COLS};
  ${unravel('p.H', 'blocks', 'cq')}
  let iw0 = r2 * ${DEPTHWISE_COLS};
  ${cols.map((r) => `var acc${r} = T(0.0);`).join(' ')}
  for (var kh = 0; kh < p.KH; kh++) {
    let th = r1 + p.pt - kh * p.dh;
    if (th < 0 || th % p.sh != 0 || th / p.sh >= p.OH) { continue; }
    let row = (b * p.OH + th / p.sh) * p.OW;
    for (var kw = 0; kw < p.KW; kw++) {
      let wv = ws[(kh * p.KW + kw) * cq + c];
      let tw0 = iw0 + p.pl - kw * p.dw;
      ${cols.map((r) => `{ let tw = tw0 + ${r}; if (tw >= 0 && tw % p.sw == 0 && tw / p.sw < p.OW) { ${inputGradTap(r)} } }`).join('\n      ')}
    }
  }
  let at = p.xBase + ((b * p.H + r1) * p.W + iw0) * cq + c;
  ${cols.map((r) => `if (iw0 + ${r} < p.W) { gxs[at + ${r} * cq] = acc${r}; }`).join('\n  ')}`)}`;
}

/**
 * Grouped input gradient over channel quads: 4 input channels of one group per invocation; for each
 * tap, dy of 4 consecutive outputs dotted with the 4 filter rows of those input channels.
 */
function groupedVec4InputGrad(): string {
  return `${typeAlias(true)}
${params}
@group(0) @binding(1) var<storage, read> gys: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> gxs: array<T>;
${flatKernelMain(`let cq = p.Cin / 4;
  ${unravel('p.H', 'p.W', 'cq')}
  let coutq = p.Cout / 4;
  let o0 = ((c * 4) / p.cinG) * (p.coutG / 4);
  let cig = (c * 4) % p.cinG;
  var acc = T(0.0);
  for (var kh = 0; kh < p.KH; kh++) {
    let th = r1 + p.pt - kh * p.dh;
    if (th < 0 || th % p.sh != 0 || th / p.sh >= p.OH) { continue; }
    for (var kw = 0; kw < p.KW; kw++) {
      let tw = r2 + p.pl - kw * p.dw;
      if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= p.OW) { continue; }
      let gb = p.yBase + ((b * p.OH + th / p.sh) * p.OW + tw / p.sw) * coutq + o0;
      let wb = ((kh * p.KW + kw) * p.cinG + cig) * coutq + o0;
      for (var q = 0; q < p.coutG / 4; q++) {
        let g = gys[gb + q];
        acc += vec4<f32>(dot(g, ws[wb + q]), dot(g, ws[wb + coutq + q]), dot(g, ws[wb + 2 * coutq + q]), dot(g, ws[wb + 3 * coutq + q]));
      }
    }
  }
  gxs[p.xBase + i] = acc;`)}`;
}

export function groupedInputGradKernel(vec4: boolean, grouped4: boolean): string {
  return vec4 ? depthwiseVec4InputGrad() : grouped4 ? groupedVec4InputGrad() : groupedScalarInputGrad();
}

/**
 * Partial filter gradients [chunks, F]: thread (chunk, f) sums dy·x over its chunk of the N·OH·OW
 * output pixels for filter element f = ((kh·KW + kw)·cinG + cig)·Cout + o (in lanes for vec4).
 */
export function groupedFilterGradKernel(vec4: boolean): string {
  const f = vec4 ? 'p.KH * p.KW * (p.Cout / 4)' : 'p.KH * p.KW * p.cinG * p.Cout';
  const cq = vec4 ? '(p.Cout / 4)' : 'p.Cout';
  return `${typeAlias(vec4)}
${params}
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read> gys: array<T>;
@group(0) @binding(3) var<storage, read_write> partial: array<T>;
${flatKernelMain(`let cq = ${cq};
  let fs = ${f};
  let e = i % fs;
  let chunk = i / fs;
  let o = e % cq;
  var t = e / cq;
  ${vec4 ? 'let ci = o;' : 'let ci = (o / p.coutG) * p.cinG + t % p.cinG;\n  t = t / p.cinG;'}
  let kw = t % p.KW;
  let kh = t / p.KW;
  let cinq = ${vec4 ? '(p.Cin / 4)' : 'p.Cin'};
  var acc = T(0.0);
  let end = min(p.pixels, (chunk + 1) * p.chunk);
  for (var q = chunk * p.chunk; q < end; q++) {
    let ow = q % p.OW;
    let rest = q / p.OW;
    let oh = rest % p.OH;
    let b = rest / p.OH;
    let ih = oh * p.sh - p.pt + kh * p.dh;
    let iw = ow * p.sw - p.pl + kw * p.dw;
    if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) { continue; }
    acc += gys[p.yBase + q * cq + o] * xs[p.xBase + ((b * p.H + ih) * p.W + iw) * cinq + ci];
  }
  partial[p.zBase + i] = acc;`)}`;
}
