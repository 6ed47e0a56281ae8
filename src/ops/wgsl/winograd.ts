// Winograd F(m×m, 3×3), m = 2 or 4, for stride-1, undilated 3×3 convolutions (Lavin & Gray 2016):
// each m×m output tile is Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A over its α×α input patch d (α = m + 2), so per
// tile and channel pair the 9·m² multiplies of the direct convolution become α² (F(2×2): 36 → 16,
// F(4×4): 144 → 36), summed over Cin as α² independent GEMMs [tiles, Cin]·[Cin, Cout] (matmul.ts).
// The three kernels here are the transforms:
//   filter  U[ξ, ci, co]   = (G g Gᵀ)[ξ]        once per weight tensor (cached with it, conv2d.ts)
//   input   V[ξ, tile, ci] = (Bᵀ d B)[ξ]        d = the tile's α×α input patch, zero outside
//   output  Y[m×m tile]    = Aᵀ M A + epilogue   M[ξ, tile, co] = the GEMMs' result
// with ξ = α·row + column of the transformed tile; the matrices are F2 and F4 below. They compute
// a correlation (no filter flip), the convolution of conv2d.ts.
// Every kernel is one invocation per (tile or filter row, channel group): vec4 along channels when
// the channel count is a multiple of 4 (`vec4`), else one channel per invocation (same arithmetic,
// scalar type).
import { flatKernelMain } from '../../tensor/flat-kernel.js';
import type { EpilogueVariant } from './conv-epilogue.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const elem = (vec4: boolean) => (vec4 ? 'vec4<f32>' : 'f32');

/** One Winograd F(m×m, 3×3) algorithm: output tile m, input tile α = m + 2, and its matrices. */
export interface WinogradTile {
  m: 2 | 4;
  alpha: number;
  /** Bᵀ [α, α], G [α, 3], Aᵀ [m, α]. */
  bt: number[][];
  g: number[][];
  at: number[][];
}

/** F(2×2, 3×3): exact small coefficients, error close to the direct sum's (tests measure it). */
export const F2: WinogradTile = {
  m: 2,
  alpha: 4,
  bt: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  g: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

/** F(4×4, 3×3) (Lavin & Gray's points 0, ±1, ±2): 36 products per 16 outputs instead of 144. */
export const F4: WinogradTile = {
  m: 4,
  alpha: 6,
  bt: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  g: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

/** Σ c_i·v_i as WGSL, zero terms left out and ±1 as a plain add or subtract. */
function combination(coefficients: number[], values: string[]): string {
  const terms = coefficients.flatMap((c, i) => {
    if (c === 0) return [];
    const magnitude = Math.abs(c) === 1 ? values[i] : `${Math.abs(c)} * ${values[i]}`;
    return [{ negative: c < 0, text: magnitude }];
  });
  if (terms.length === 0) return '0.0';
  return terms.map((t, i) => (i === 0 ? (t.negative ? `-${t.text}` : t.text) : `${t.negative ? ' - ' : ' + '}${t.text}`)).join('');
}

/** The 1-D step of a transform: matrix · (values along one axis). */
const step = (matrix: number[][]) => (v: string[]) => matrix.map((row) => combination(row, v));

/**
 * Emits a separable 2-D transform: `step` along columns of `src` (rows × cols names) into t, then
 * along rows of t into `dst` names. Returns the WGSL lines.
 */
function separable(src: string[][], apply: (v: string[]) => string[], tName: string, dst: (r: number, c: number) => string): string[] {
  const rows = src.length,
    cols = src[0].length;
  const lines: string[] = [];
  // Along the first axis (each column j): t[i][j] = apply(src[·][j])[i].
  const t: string[][] = [];
  for (let j = 0; j < cols; j++) {
    apply(range(rows).map((i) => src[i][j])).forEach((e, i) => {
      t[i] ??= [];
      t[i][j] = `${tName}${i}_${j}`;
      lines.push(`  let ${tName}${i}_${j} = ${e};`);
    });
  }
  // Along the second axis (each row i of t).
  t.forEach((row, i) => {
    apply(row).forEach((e, j) => lines.push(`  let ${dst(i, j)} = ${e};`));
  });
  return lines;
}

/**
 * Filter transform: w [3, 3, Cin, C] (HWIO, C = Cout in elements) → u [α², Cin, C].
 * Params: n = Cin·C invocations, Cin, C.
 */
export function winogradFilterKernel(t: WinogradTile, vec4: boolean): string {
  const g = range(3).map((r) => range(3).map((c) => `g${r}_${c}`));
  const loads = range(9).map((k) => `  let g${Math.floor(k / 3)}_${k % 3} = w[(${k} * p.Cin + ci) * p.C + co];`);
  const transform = separable(g, step(t.g), 't', (r, c) => `u${r}_${c}`);
  const stores = range(t.alpha ** 2).map((k) => `  u[(${k} * p.Cin + ci) * p.C + co] = u${Math.floor(k / t.alpha)}_${k % t.alpha};`);
  return /* wgsl */ `
struct Params { n: i32, Cin: i32, C: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<${elem(vec4)}>;
@group(0) @binding(2) var<storage, read_write> u: array<${elem(vec4)}>;
${flatKernelMain(`let co = i % p.C;
  let ci = i / p.C;
${[...loads, ...transform, ...stores].join('\n')}`)}`;
}

/**
 * Input transform: x [images, H, W, C] → v [α², T, C], T = images·TH·TW tiles, tile (ty, tx)
 * reading rows m·ty − pt .. + α − 1 and columns m·tx − pl .. + α − 1 (zero outside the image).
 * With `scaled`, channel c is multiplied by coef[Cs + c] (an epilogue affine's scale row, Cs its
 * channel count): the transform is linear, so the input gradient through a folded batchnorm scales
 * dY here instead of in a pass of its own or in a per-affine filter copy.
 * Params: n = T·C invocations, T, TH, TW, H, W, C, pt, pl, Cs.
 */
export function winogradInputKernel(t: WinogradTile, vec4: boolean, scaled: boolean): string {
  const A = t.alpha;
  const zero = vec4 ? 'vec4<f32>(0.0)' : '0.0';
  const loads = range(A).flatMap((r) => [
    `  let y${r} = top + ${r};`,
    `  let vy${r} = u32(y${r}) < u32(p.H);`,
    ...range(A).map(
      (c) => `  let d${r}_${c} = select(${zero}, x[select(0, ((img * p.H + y${r}) * p.W + x0 + ${c}) * p.C + c, vy${r} && vx${c})], vy${r} && vx${c});`,
    ),
  ]);
  const d = range(A).map((r) => range(A).map((c) => `d${r}_${c}`));
  const transform = separable(d, step(t.bt), 't', (r, c) => `v${r}_${c}`);
  const scale = vec4
    ? `vec4<f32>(${range(4)
        .map((j) => `coef[p.Cs + 4 * c + ${j}]`)
        .join(', ')})`
    : 'coef[p.Cs + c]';
  const stores = [
    ...(scaled ? [`  let sc = ${scale};`] : []),
    ...range(A * A).map((k) => `  v[(${k} * p.T + tile) * p.C + c] = v${Math.floor(k / A)}_${k % A}${scaled ? ' * sc' : ''};`),
  ];
  return /* wgsl */ `
struct Params { n: i32, T: i32, TH: i32, TW: i32, H: i32, W: i32, C: i32, pt: i32, pl: i32, Cs: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${elem(vec4)}>;
@group(0) @binding(2) var<storage, read_write> v: array<${elem(vec4)}>;
${scaled ? '@group(0) @binding(3) var<storage, read> coef: array<f32>;' : ''}
${flatKernelMain(`let c = i % p.C;
  let tile = i / p.C;
  let tx = tile % p.TW;
  let ty = (tile / p.TW) % p.TH;
  let img = tile / (p.TW * p.TH);
  let top = ${t.m} * ty - p.pt;
  let x0 = ${t.m} * tx - p.pl;
${range(A)
  .map((c) => `  let vx${c} = u32(x0 + ${c}) < u32(p.W);`)
  .join('\n')}
${[...loads, ...transform, ...stores].join('\n')}`)}`;
}

/**
 * Output transform: m [α², T, C] → y [images, OH, OW, C] through the forward's epilogue (bias,
 * affine, residual, relu: the order and arithmetic of conv-epilogue.ts). Bindings: m, y[, bias]
 * [, coef][, residual]. Params: n = T·C invocations, T, TH, TW, OH, OW, C, Cout (channels, for
 * the affine's rows).
 */
export function winogradOutputKernel(t: WinogradTile, vec4: boolean, v: Omit<EpilogueVariant, 'yVec4'>): string {
  const E = elem(vec4);
  const A = t.alpha;
  const perChannel = (arr: string, row: string) =>
    vec4
      ? `vec4<f32>(${range(4)
          .map((j) => `${arr}[${row}4 * c + ${j}]`)
          .join(', ')})`
      : `${arr}[${row}c]`;
  let slot = 3;
  const bindings = [
    v.bias ? `@group(0) @binding(${slot++}) var<storage, read> bias: array<f32>;` : '',
    v.affine ? `@group(0) @binding(${slot++}) var<storage, read> coef: array<f32>;` : '',
    v.residual ? `@group(0) @binding(${slot++}) var<storage, read> residual: array<${E}>;` : '',
  ];
  const m = range(A).map((r) => range(A).map((c) => `m${r}_${c}`));
  const loads = range(A * A).map((k) => `  let m${Math.floor(k / A)}_${k % A} = m[(${k} * p.T + tile) * p.C + c];`);
  const transform = separable(m, step(t.at), 's', (r, c) => `o${r}_${c}`);
  const stores = range(t.m * t.m).map((k) => {
    const a = Math.floor(k / t.m),
      b = k % t.m;
    return `  if (${t.m} * ty + ${a} < p.OH && ${t.m} * tx + ${b} < p.OW) {
    let yi = ((img * p.OH + ${t.m} * ty + ${a}) * p.OW + ${t.m} * tx + ${b}) * p.C + c;
    var r = o${a}_${b}${v.bias ? ' + bv' : ''};
${v.affine ? '    r = fma(r - center, scale, offset);' : ''}
${v.residual ? '    r += residual[yi];' : ''}
${v.relu ? `    r = max(r, ${E}(0.0));` : ''}
    y[yi] = r;
  }`;
  });
  return /* wgsl */ `
struct Params { n: i32, T: i32, TH: i32, TW: i32, OH: i32, OW: i32, C: i32, Cout: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<${E}>;
@group(0) @binding(2) var<storage, read_write> y: array<${E}>;
${bindings.filter((b) => b).join('\n')}
${flatKernelMain(`let c = i % p.C;
  let tile = i / p.C;
  let tx = tile % p.TW;
  let ty = (tile / p.TW) % p.TH;
  let img = tile / (p.TW * p.TH);
${v.bias ? `  let bv = ${perChannel('bias', '')};` : ''}
${v.affine ? [`  let center = ${perChannel('coef', '')};`, `  let scale = ${perChannel('coef', 'p.Cout + ')};`, `  let offset = ${perChannel('coef', '2 * p.Cout + ')};`].join('\n') : ''}
${[...loads, ...transform, ...stores].join('\n')}`)}`;
}
