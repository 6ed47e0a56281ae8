// Winograd F(2×2, 3×3) for stride-1, undilated 3×3 convolutions (Lavin & Gray 2016): each 2×2
// output tile is Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d Bᵀ) ] A over its 4×4 input patch d, so per tile and channel
// pair the 36 multiplies of the direct convolution become 16, summed over Cin as 16 independent
// GEMMs [tiles, Cin]·[Cin, Cout] (run by matmul.ts). The three kernels here are the transforms:
//   filter  U[ξ, ci, co]   = (G g Gᵀ)[ξ]        once per weight tensor (cached with it, conv2d.ts)
//   input   V[ξ, tile, ci] = (Bᵀ d B)[ξ]        d = the tile's 4×4 input patch, zero outside
//   output  Y[2×2 tile]    = Aᵀ M A + epilogue   M[ξ, tile, co] = the GEMMs' result
// with ξ = 4·row + column of the 4×4 transformed tile, and
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// These compute a correlation (no filter flip), the convolution of conv2d.ts.
// Every kernel is one invocation per (tile or filter row, channel group): vec4 along channels when
// the channel count is a multiple of 4 (`vec4`), else one channel per invocation (same arithmetic,
// scalar type).
import { flatKernelMain } from '../../tensor/flat-kernel.js';
import type { EpilogueVariant } from './conv-epilogue.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const elem = (vec4: boolean) => (vec4 ? 'vec4<f32>' : 'f32');

/** Bᵀ·(4 values along one axis): the input transform's 1-D step. */
const bt = (d: string[]) => [`${d[0]} - ${d[2]}`, `${d[1]} + ${d[2]}`, `${d[2]} - ${d[1]}`, `${d[1]} - ${d[3]}`];
/** G·(3 values): the filter transform's 1-D step. */
const gm = (g: string[]) => [g[0], `0.5 * (${g[0]} + ${g[1]} + ${g[2]})`, `0.5 * (${g[0]} - ${g[1]} + ${g[2]})`, g[2]];
/** Aᵀ·(4 values): the output transform's 1-D step. */
const at = (m: string[]) => [`${m[0]} + ${m[1]} + ${m[2]}`, `${m[1]} - ${m[2]} - ${m[3]}`];

/**
 * Emits a separable 2-D transform: `step` along columns of `src` (rows × cols names) into t, then
 * along rows of t into `dst` names. Returns the WGSL lines.
 */
function separable(src: string[][], step: (v: string[]) => string[], tName: string, dst: (r: number, c: number) => string): string[] {
  const rows = src.length,
    cols = src[0].length;
  const lines: string[] = [];
  // Along the first axis (each column j): t[i][j] = step(src[·][j])[i].
  const t: string[][] = [];
  for (let j = 0; j < cols; j++) {
    const out = step(range(rows).map((i) => src[i][j]));
    out.forEach((e, i) => {
      t[i] ??= [];
      t[i][j] = `${tName}${i}${j}`;
      lines.push(`  let ${tName}${i}${j} = ${e};`);
    });
  }
  // Along the second axis (each row i of t).
  t.forEach((row, i) => {
    step(row).forEach((e, j) => lines.push(`  let ${dst(i, j)} = ${e};`));
  });
  return lines;
}

/**
 * Filter transform: w [3, 3, Cin, C] (HWIO, C = Cout in elements) → u [16, Cin, C].
 * Params: n = Cin·C invocations, Cin, C.
 */
export function winogradFilterKernel(vec4: boolean): string {
  const g = range(3).map((r) => range(3).map((s) => `g${r}${s}`));
  const loads = range(9).map((k) => `  let g${Math.floor(k / 3)}${k % 3} = w[(${k} * p.Cin + ci) * p.C + co];`);
  const transform = separable(g, gm, 't', (r, c) => `u${r}${c}`);
  const stores = range(16).map((k) => `  u[(${k} * p.Cin + ci) * p.C + co] = u${k >> 2}${k & 3};`);
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
 * Input transform: x [images, H, W, C] → v [16, T, C], T = images·TH·TW tiles, tile (ty, tx)
 * reading rows 2·ty − pt .. +3 and columns 2·tx − pl .. +3 (zero outside the image).
 * With `scaled`, channel c is multiplied by coef[Cs + c] (an epilogue affine's scale row, Cs its
 * channel count): the transform is linear, so the input gradient through a folded batchnorm scales
 * dY here instead of in a pass of its own or in a per-affine filter copy.
 * Params: n = T·C invocations, T, TH, TW, H, W, C, pt, pl, Cs.
 */
export function winogradInputKernel(vec4: boolean, scaled: boolean): string {
  const zero = vec4 ? 'vec4<f32>(0.0)' : '0.0';
  const loads = range(4).flatMap((r) => [
    `  let y${r} = top + ${r};`,
    `  let vy${r} = u32(y${r}) < u32(p.H);`,
    ...range(4).map(
      (s) => `  let d${r}${s} = select(${zero}, x[select(0, ((img * p.H + y${r}) * p.W + x0 + ${s}) * p.C + c, vy${r} && vx${s})], vy${r} && vx${s});`,
    ),
  ]);
  const d = range(4).map((r) => range(4).map((s) => `d${r}${s}`));
  const transform = separable(d, bt, 't', (r, c) => `v${r}${c}`);
  const scale = vec4
    ? `vec4<f32>(${range(4)
        .map((j) => `coef[p.Cs + 4 * c + ${j}]`)
        .join(', ')})`
    : 'coef[p.Cs + c]';
  const stores = [
    ...(scaled ? [`  let sc = ${scale};`] : []),
    ...range(16).map((k) => `  v[(${k} * p.T + tile) * p.C + c] = v${k >> 2}${k & 3}${scaled ? ' * sc' : ''};`),
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
  let top = 2 * ty - p.pt;
  let x0 = 2 * tx - p.pl;
${range(4)
  .map((s) => `  let vx${s} = u32(x0 + ${s}) < u32(p.W);`)
  .join('\n')}
${[...loads, ...transform, ...stores].join('\n')}`)}`;
}

/**
 * Output transform: m [16, T, C] → y [images, OH, OW, C] through the forward's epilogue (bias,
 * affine, residual, relu: the order and arithmetic of conv-epilogue.ts). Bindings: m, y[, bias]
 * [, coef][, residual]. Params: n = T·C invocations, T, TH, TW, OH, OW, C, Cout (channels, for
 * the affine's rows).
 */
export function winogradOutputKernel(vec4: boolean, v: Omit<EpilogueVariant, 'yVec4'>): string {
  const E = elem(vec4);
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
  const m = range(4).map((r) => range(4).map((s) => `m${r}${s}`));
  const loads = range(16).map((k) => `  let m${k >> 2}${k & 3} = m[(${k} * p.T + tile) * p.C + c];`);
  const transform = separable(m, at, 's', (r, c) => `o${r}${c}`);
  const stores = range(4).map((k) => {
    const a = k >> 1,
      b = k & 1;
    return `  if (2 * ty + ${a} < p.OH && 2 * tx + ${b} < p.OW) {
    let yi = ((img * p.OH + 2 * ty + ${a}) * p.OW + 2 * tx + ${b}) * p.C + c;
    var r = o${a}${b}${v.bias ? ' + bv' : ''};
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
