// Register-blocked GEMM kernels, the fastest shape measured on lavapipe (see DESIGN.md "Speed"):
// no shared memory and no barriers; each invocation accumulates `rows` output rows × 4 columns
// in vec4 registers, the rows being shared by the whole workgroup (so their loads hit the same
// cache lines), and the K loop advances 4 at a time with fma.
//
// The pieces below (B-operand loads, accumulators, the store) are shared with the implicit-GEMM
// convolution kernels in conv2d.ts, which differ only in how they gather the A operand.
//
// Conventions every kernel here follows:
//   Y[M, N] = A[M, K] · B[K, N]; the A operand is "mk" (row-major [M, K]) or "km" (stored [K, M]),
//   B is "kn" ([K, N]) or "nk" (stored [N, K]). Strides and bases arrive in floats through Params;
//   a base is where this dispatch's (0, 0) element sits inside the bound slice of the buffer.

export interface GemmTile {
  /** Output rows per invocation, shared by the whole workgroup: 1, 2, 4 or 8. */
  rows: number;
  /** Invocations per workgroup, each computing 4 adjacent output columns. */
  width: number;
}

export interface BOperand {
  /** Stored as [N, K] rather than [K, N]. */
  transposed: boolean;
  /** Loads four floats at once along the contiguous axis (needs that axis, stride and base ≡ 0 mod 4). */
  vec4: boolean;
}

export interface StoreVariant {
  /** Output columns N ≡ 0 (mod 4): whole vec4 stores. */
  yVec4: boolean;
  /** Adds bias[biasBase + column] (only when not accumulating into Y). */
  bias: boolean;
}

export interface MatmulVariant extends GemmTile, StoreVariant {
  a: { transposed: boolean; vec4: boolean };
  b: BOperand;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lanes = ['x', 'y', 'z', 'w'];

/** Declarations of binding `b` (the B operand) for the variant. */
export function bBinding(slot: number, b: BOperand): string {
  return `@group(0) @binding(${slot}) var<storage, read> b: array<${b.vec4 ? 'vec4<f32>' : 'f32'}>;`;
}

export function storeBindings(firstSlot: number, s: StoreVariant): string {
  const lines = [`@group(0) @binding(${firstSlot}) var<storage, read_write> y: array<${s.yVec4 ? 'vec4<f32>' : 'f32'}>;`];
  if (s.bias) lines.push(`@group(0) @binding(${firstSlot + 1}) var<storage, read> bias: array<f32>;`);
  return lines.join('\n');
}

/**
 * Column set-up for an invocation: `col4` is its output column group (4 columns), `cv` that
 * group clamped in range (vec4 B), `c0..c3` the single columns clamped (scalar B or store).
 * Clamping keeps every load in bounds without branches; only the store is guarded.
 */
export function columnSetup(nExpr: string): string {
  return /* wgsl */ `
  let col4 = colBlock * WIDTH + i32(lid.x);
  let cv = min(col4, (${nExpr}) / 4 - 1);
${range(4).map((j) => `  let c${j} = min(col4 * 4 + ${j}, (${nExpr}) - 1);`).join('\n')}`;
}

/**
 * Per-invocation B set-up; `bBaseExpr` and `bStrideExpr` are in floats. For "nk" B the four
 * column starts are precomputed; for "kn" B the row stride.
 */
export function bSetup(b: BOperand, bBaseExpr: string, bStrideExpr: string): string {
  if (b.transposed) {
    return b.vec4
      ? range(4).map((j) => `  let bc${j} = (${bBaseExpr} + c${j} * ${bStrideExpr}) / 4;`).join('\n')
      : range(4).map((j) => `  let bc${j} = ${bBaseExpr} + c${j} * ${bStrideExpr};`).join('\n');
  }
  return b.vec4
    ? `  let bs4 = ${bStrideExpr} / 4;\n  let bc = ${bBaseExpr} / 4 + cv;`
    : `  let bs = ${bStrideExpr};\n  let bc = ${bBaseExpr};`;
}

/**
 * Loads B rows k..k+3 as b0..b3 (vec4 along n). `k` is an i32 expression relative to the B
 * base; `off` an extra offset in floats added to the base (a convolution tap; "0" otherwise).
 */
export function bBlockLoad(b: BOperand, k: string, off = '0'): string {
  if (b.transposed) {
    if (b.vec4) {
      const u = range(4).map((j) => `    let u${j} = b[bc${j} + (${off} + ${k}) / 4];`);
      const t = range(4).map((i) => `    let b${i} = vec4<f32>(u0.${lanes[i]}, u1.${lanes[i]}, u2.${lanes[i]}, u3.${lanes[i]});`);
      return [...u, ...t].join('\n');
    }
    return range(4)
      .map((i) => `    let b${i} = vec4<f32>(${range(4).map((j) => `b[bc${j} + ${off} + ${k} + ${i}]`).join(', ')});`)
      .join('\n');
  }
  if (b.vec4) {
    return [`    let br = bc + (${off}) / 4 + (${k}) * bs4;`, ...range(4).map((i) => `    let b${i} = b[br + ${i} * bs4];`)].join('\n');
  }
  return [
    `    let br = bc + ${off} + (${k}) * bs;`,
    ...range(4).map((i) => `    let b${i} = vec4<f32>(${range(4).map((j) => `b[br + ${i} * bs + c${j}]`).join(', ')});`),
  ].join('\n');
}

/** Loads the single B row k as `b0` (vec4 along n); for K tails. Not available for vec4 "nk" B. */
export function bSingleLoad(b: BOperand, k: string, off = '0'): string {
  if (b.transposed) {
    if (b.vec4) throw new Error('vec4 nk B operand has no K tail');
    return `    let b0 = vec4<f32>(${range(4).map((j) => `b[bc${j} + ${off} + ${k}]`).join(', ')});`;
  }
  if (b.vec4) return `    let b0 = b[bc + (${off}) / 4 + (${k}) * bs4];`;
  return `    let b0 = vec4<f32>(${range(4).map((j) => `b[bc + ${off} + (${k}) * bs + c${j}]`).join(', ')});`;
}

export function accumulators(rows: number): string {
  return range(rows).map((r) => `  var acc${r} = vec4<f32>(0.0);`).join('\n');
}

/** acc_r += Σ_i a_r[i] · b_i for a 4-deep K step (a_r vec4 along k, b_i vec4 along n). */
export function fmaBlock(rows: number): string {
  return range(rows)
    .map((r) => range(4).map((i) => `    acc${r} = fma(vec4<f32>(a${r}.${lanes[i]}), b${i}, acc${r});`).join('\n'))
    .join('\n');
}

/** acc_r += a_r · b0 for a single K step (a_r scalar). */
export function fmaSingle(rows: number): string {
  return range(rows).map((r) => `    acc${r} = fma(vec4<f32>(a${r}), b0, acc${r});`).join('\n');
}

/**
 * Writes acc_r to Y[row0 + r, col4*4 ..] (+ bias unless accumulating, + old Y when accumulating).
 * Params fields used: M or the given mExpr, N, yStride, yBase, biasBase, accumulate.
 */
export function store(rows: number, s: StoreVariant, mExpr: string, nExpr: string, rowIndex: (r: number) => string = (r) => `row0 + ${r}`): string {
  const biasVec = s.bias
    ? `  var bv = vec4<f32>(0.0);
  if (p.accumulate == 0) { bv = vec4<f32>(${range(4).map((j) => `bias[p.biasBase + c${j}]`).join(', ')}); }`
    : '  let bv = vec4<f32>(0.0);';
  const body = range(rows).map((r) => {
    const m = rowIndex(r);
    if (s.yVec4) {
      return `  if (row0 + ${r} < ${mExpr} && col4 < (${nExpr}) / 4) {
    let yi = (p.yBase + (${m}) * p.yStride) / 4 + col4;
    var v = acc${r} + bv;
    if (p.accumulate != 0) { v += y[yi]; }
    y[yi] = v;
  }`;
    }
    return `  if (row0 + ${r} < ${mExpr}) {
    let yr = p.yBase + (${m}) * p.yStride + col4 * 4;
    let v = acc${r} + bv;
${range(4)
  .map((j) => `    if (col4 * 4 + ${j} < ${nExpr}) { if (p.accumulate != 0) { y[yr + ${j}] += v.${lanes[j]}; } else { y[yr + ${j}] = v.${lanes[j]}; } }`)
  .join('\n')}
  }`;
  });
  return [biasVec, ...body].join('\n');
}

/** Maps the (possibly 2-D folded) workgroup id to a row block and a column block. */
export const blockIndex = /* wgsl */ `
  let wgId = i32(wg.x + wg.y * nwg.x);
  let colBlock = wgId % p.colBlocks;
  let rowBlock = wgId / p.colBlocks;`;

export const entryPoint = `@compute @workgroup_size(WIDTH)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {`;

/** Replaces the WIDTH and ROWS placeholders (fixed per variant, never per call). */
export function finish(src: string, tile: GemmTile): string {
  return src.replaceAll('WIDTH', String(tile.width)).replaceAll('ROWS', String(tile.rows));
}

function aSetup(v: MatmulVariant): string {
  const R = v.rows;
  if (!v.a.transposed) {
    return range(R)
      .map((r) => (v.a.vec4 ? `  let ar${r} = (p.aBase + min(row0 + ${r}, p.M - 1) * p.aStride) / 4;` : `  let ar${r} = p.aBase + min(row0 + ${r}, p.M - 1) * p.aStride;`))
      .join('\n');
  }
  if (v.a.vec4) {
    return [`  let as4 = p.aStride / 4;`, ...range(R / 4).map((g) => `  let ag${g} = p.aBase / 4 + min(row0 / 4 + ${g}, p.M / 4 - 1);`)].join('\n');
  }
  return range(R).map((r) => `  let ar${r} = p.aBase + min(row0 + ${r}, p.M - 1);`).join('\n');
}

function aBlockLoad(v: MatmulVariant): string {
  const R = v.rows;
  if (!v.a.transposed) {
    return range(R)
      .map((r) => (v.a.vec4 ? `    let a${r} = a[ar${r} + k / 4];` : `    let a${r} = vec4<f32>(a[ar${r} + k], a[ar${r} + k + 1], a[ar${r} + k + 2], a[ar${r} + k + 3]);`))
      .join('\n');
  }
  if (v.a.vec4) {
    const t = range(4).flatMap((i) => range(R / 4).map((g) => `    let t${i}_${g} = a[ag${g} + (k + ${i}) * as4];`));
    const a = range(R).map((r) => `    let a${r} = vec4<f32>(${range(4).map((i) => `t${i}_${r >> 2}.${lanes[r & 3]}`).join(', ')});`);
    return [...t, ...a].join('\n');
  }
  return range(R)
    .map((r) => `    let a${r} = vec4<f32>(${range(4).map((i) => `a[ar${r} + (k + ${i}) * p.aStride]`).join(', ')});`)
    .join('\n');
}

function aSingleLoad(v: MatmulVariant): string {
  const R = v.rows;
  if (!v.a.transposed) {
    if (v.a.vec4) throw new Error('vec4 mk A operand has no K tail');
    return range(R).map((r) => `    let a${r} = a[ar${r} + k];`).join('\n');
  }
  if (v.a.vec4) {
    return [
      ...range(R / 4).map((g) => `    let t_${g} = a[ag${g} + k * as4];`),
      ...range(R).map((r) => `    let a${r} = t_${r >> 2}.${lanes[r & 3]};`),
    ].join('\n');
  }
  return range(R).map((r) => `    let a${r} = a[ar${r} + k * p.aStride];`).join('\n');
}

/**
 * Params (i32, in order): M, N, K, aStride, bStride, yStride, aBase, bBase, yBase, biasBase,
 * accumulate, colBlocks. Bindings: a, b, y[, bias].
 */
export function matmulKernel(v: MatmulVariant): string {
  if (v.a.transposed && v.a.vec4 && v.rows % 4 !== 0) throw new Error('vec4 km A operand needs rows % 4 == 0');
  const kTail = !(v.a.vec4 && !v.a.transposed) && !(v.b.vec4 && v.b.transposed);
  const src = /* wgsl */ `
struct Params { M: i32, N: i32, K: i32, aStride: i32, bStride: i32, yStride: i32, aBase: i32, bBase: i32, yBase: i32, biasBase: i32, accumulate: i32, colBlocks: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<${v.a.vec4 ? 'vec4<f32>' : 'f32'}>;
${bBinding(2, v.b)}
${storeBindings(3, v)}
${entryPoint}
${blockIndex}
  let row0 = rowBlock * ROWS;
  if (row0 >= p.M) { return; }
${columnSetup('p.N')}
${aSetup(v)}
${bSetup(v.b, 'p.bBase', 'p.bStride')}
${accumulators(v.rows)}
  let k4 = p.K & ~3;
  for (var k = 0; k < k4; k += 4) {
${aBlockLoad(v)}
${bBlockLoad(v.b, 'k')}
${fmaBlock(v.rows)}
  }
${kTail
  ? `  for (var k = k4; k < p.K; k++) {
${aSingleLoad(v)}
${bSingleLoad(v.b, 'k')}
${fmaSingle(v.rows)}
  }`
  : ''}
${store(v.rows, v, 'p.M', 'p.N')}
}`;
  return finish(src, v);
}
