// Direct kernels for grouped and depthwise convolution (NHWC, filter [KH, KW, Cin/groups, Cout]),
// one invocation per output, input-gradient or partial filter-gradient element. A group has few
// channels (depthwise 1, ResNeXt 4–32), so implicit GEMM would have nothing to tile; each thread
// walks its window and its group's channels. The depthwise case with one output per input channel
// and channels a multiple of 4 runs on vec4 lanes (4 channels per thread).
// The forward store applies an epilogue: + bias, the folded-batchnorm affine (the layout and
// arithmetic of conv-epilogue.ts), + residual, then one activation from the activation table.
import { flatKernelMain } from '../../tensor/flat-kernel.js';
import { activationHelpers, activationTable, type ActivationKind } from './activations.js';

/** Pixels one filter-gradient thread sums; the partial sums are then reduced over chunks. */
export const FILTER_GRAD_CHUNK = 128;

export interface GroupedForwardVariant {
  /** Depthwise with multiplier 1 and channels a multiple of 4: vec4 lanes. */
  vec4: boolean;
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
  coutG: i32, pixels: i32, chunk: i32, pad0: i32, alpha: f32, beta: f32,
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

export function groupedForwardKernel(v: GroupedForwardVariant): string {
  let slot = 4;
  const extra = [
    v.bias ? `@group(0) @binding(${slot++}) var<storage, read> bias: array<T>;` : '',
    v.affine ? `@group(0) @binding(${slot++}) var<storage, read> coef: array<T>;` : '',
    v.residual ? `@group(0) @binding(${slot++}) var<storage, read> residual: array<T>;` : '',
  ];
  const cq = v.vec4 ? '(p.Cout / 4)' : 'p.Cout';
  const accumulate = v.vec4
    ? 'acc += xs[((b * p.H + ih) * p.W + iw) * cq + c] * ws[(kh * p.KW + kw) * cq + c];'
    : `let xb = ((b * p.H + ih) * p.W + iw) * p.Cin + (c / p.coutG) * p.cinG;
        let wb = (kh * p.KW + kw) * p.cinG * p.Cout + c;
        for (var ci = 0; ci < p.cinG; ci++) { acc += xs[xb + ci] * ws[wb + ci * p.Cout]; }`;
  return `${typeAlias(v.vec4)}
${params}
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> ys: array<T>;
${extra.join('\n')}
${v.activation && v.activation !== 'relu' ? activationHelpers : ''}
${flatKernelMain(`let cq = ${cq};
  ${unravel('p.OH', 'p.OW', 'cq')}
  var acc = T(0.0);
  for (var kh = 0; kh < p.KH; kh++) {
    let ih = r1 * p.sh - p.pt + kh * p.dh;
    if (ih < 0 || ih >= p.H) { continue; }
    for (var kw = 0; kw < p.KW; kw++) {
      let iw = r2 * p.sw - p.pl + kw * p.dw;
      if (iw < 0 || iw >= p.W) { continue; }
      ${accumulate}
    }
  }
  var v = acc;
  ${v.bias ? 'v += bias[c];' : ''}
  ${v.affine ? 'v = fma(v - coef[c], coef[cq + c], coef[2 * cq + c]);' : ''}
  ${v.residual ? 'v += residual[i];' : ''}
  ${activationStore(v.activation)}
  ys[i] = v;`)}`;
}

/** dx[b, ih, iw, ci] = Σ over the windows that read it and its group's outputs of dy·w. */
export function groupedInputGradKernel(vec4: boolean): string {
  const cq = vec4 ? '(p.Cin / 4)' : 'p.Cin';
  const accumulate = vec4
    ? 'acc += gys[((b * p.OH + oh) * p.OW + ow) * cq + c] * ws[(kh * p.KW + kw) * cq + c];'
    : `let o0 = (c / p.cinG) * p.coutG;
        let gb = ((b * p.OH + oh) * p.OW + ow) * p.Cout + o0;
        let wb = ((kh * p.KW + kw) * p.cinG + c % p.cinG) * p.Cout + o0;
        for (var oo = 0; oo < p.coutG; oo++) { acc += gys[gb + oo] * ws[wb + oo]; }`;
  return `${typeAlias(vec4)}
${params}
@group(0) @binding(1) var<storage, read> gys: array<T>;
@group(0) @binding(2) var<storage, read> ws: array<T>;
@group(0) @binding(3) var<storage, read_write> gxs: array<T>;
${flatKernelMain(`let cq = ${cq};
  ${unravel('p.H', 'p.W', 'cq')}
  var acc = T(0.0);
  for (var kh = 0; kh < p.KH; kh++) {
    let th = r1 + p.pt - kh * p.dh;
    if (th < 0 || th % p.sh != 0 || th / p.sh >= p.OH) { continue; }
    let oh = th / p.sh;
    for (var kw = 0; kw < p.KW; kw++) {
      let tw = r2 + p.pl - kw * p.dw;
      if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= p.OW) { continue; }
      let ow = tw / p.sw;
      ${accumulate}
    }
  }
  gxs[i] = acc;`)}`;
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
    acc += gys[q * cq + o] * xs[((b * p.H + ih) * p.W + iw) * cinq + ci];
  }
  partial[i] = acc;`)}`;
}
