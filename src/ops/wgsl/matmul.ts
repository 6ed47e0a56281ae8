// Register-blocked GEMM kernels, the fastest shape measured on lavapipe (see DESIGN.md "Speed"):
// no workgroup memory and no barriers; each invocation accumulates ROWS output rows × 4 columns
// in vec4 registers and the K loop advances 4 at a time with fma. Invocations next to each other
// in a workgroup take adjacent column groups of the same rows. Two tilings:
//   - shared-row tiles (TileVariant.shared; tiles.ts says when): all lanes share the rows, each
//     A row is loaded by one lane of 8 and broadcast across the subgroup (lavapipe scalarises
//     every load per lane, so this is what made the GEMM 2.5× faster);
//   - per-lane tiles (any device): each invocation loads its own rows' A; when N is small (fewer
//     column groups than the workgroup width) the remaining lanes take further rows instead of
//     idling (`colGroups` in Params, a runtime value).
//
// The pieces below (B-operand loads, accumulators, the store) are shared with the implicit-GEMM
// convolution kernels in conv2d.ts, which differ only in how they gather the A operand.
//
// Conventions: Y[M, N] = A[M, K] · B[K, N]. An operand is loaded as vec4 along its contiguous
// axis when that axis allows ("mk4"/"km4" for A stored [M, K] / [K, M]; "kn4"/"nk4" for B
// stored [K, N] / [N, K]), otherwise element by element with runtime row and column strides
// ("strided", any layout). Strides and bases are in floats; a base is where this dispatch's
// (0, 0) element sits inside the bound slice of the buffer.

import { SHARE_GROUP, sharedWidth, workgroupWidth } from '../tiles.js';

export type ALoad = 'mk4' | 'km4' | 'strided';
export type BLoad = 'kn4' | 'nk4' | 'strided';

export interface StoreVariant {
  /** Output columns N ≡ 0 (mod 4): whole vec4 stores. */
  yVec4: boolean;
  /** Adds bias[biasBase + column] (only when not accumulating into Y). */
  bias: boolean;
}

export interface TileVariant {
  /**
   * Shared-row tiles (tiles.ts): the workgroup's invocations share their output rows, each A row is
   * loaded by one lane of 8 and handed to the others by subgroupBroadcast. Without: each
   * invocation loads its own rows (any device).
   */
  shared?: boolean;
}

export interface MatmulVariant extends StoreVariant, TileVariant {
  /** Output rows per invocation: 1, 4 or 8. */
  rows: number;
  a: ALoad;
  b: BLoad;
  /**
   * Workgroup z selects one of several equally shaped products: Params gain aBatch, bBatch and
   * yBatch, the float distances between consecutive matrices, added to the bases.
   */
  batched?: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const lanes = ['x', 'y', 'z', 'w'];

export function bBinding(slot: number, b: BLoad): string {
  return `@group(0) @binding(${slot}) var<storage, read> b: array<${b === 'strided' ? 'f32' : 'vec4<f32>'}>;`;
}

export function storeBindings(firstSlot: number, s: StoreVariant): string {
  const lines = [`@group(0) @binding(${firstSlot}) var<storage, read_write> y: array<${s.yVec4 ? 'vec4<f32>' : 'f32'}>;`];
  if (s.bias) lines.push(`@group(0) @binding(${firstSlot + 1}) var<storage, read> bias: array<f32>;`);
  return lines.join('\n');
}

/** What a shader using shared-row tiles must declare first. */
export const enableFor = (t: TileVariant) => (t.shared ? 'enable subgroups;' : '');

/** The entry point at the adapter's workgroup width (tiles.ts). */
export const entryPoint = (t: TileVariant = {}) => `@compute @workgroup_size(${t.shared ? sharedWidth() : workgroupWidth()})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${
  t.shared ? ', @builtin(subgroup_invocation_id) sgid: u32' : ''
}) {`;

/**
 * This invocation's first output row `row0` and column group `col4` (4 columns), from the
 * (possibly 2-D folded) workgroup id. Params fields: colBlocks, colGroups.
 *
 * Invocations past the last row do not return early: every load clamps its row and only the
 * store is guarded. An early `return` on a per-lane condition leaves lavapipe's SIMD code under an
 * execution mask for the rest of the kernel, every accumulator update in the K loop becoming a
 * masked select; without it the same GEMM ran 15–20 % faster (8 rows × width 8–32, measured here).
 */
export const tileIndex = (rows: number, t: TileVariant = {}) =>
  t.shared
    ? /* wgsl */ `
  let wgId = i32(wg.x + wg.y * nwg.x);
  let col4 = (wgId % p.colBlocks) * ${sharedWidth()} + i32(lid.x);
  let row0 = (wgId / p.colBlocks) * ${rows};
  let own = i32(sgid % ${SHARE_GROUP}u);`
    : /* wgsl */ `
  let wgId = i32(wg.x + wg.y * nwg.x);
  let lane = i32(lid.x);
  let col4 = (wgId % p.colBlocks) * p.colGroups + lane % p.colGroups;
  let row0 = ((wgId / p.colBlocks) * (${workgroupWidth()} / p.colGroups) + lane / p.colGroups) * ${rows};`;

/**
 * Column set-up: `cv` is the column group clamped in range (vec4 B), `c0..c3` the single
 * columns clamped. Clamping keeps every load in bounds without branches; only stores are guarded.
 */
export function columnSetup(nExpr: string): string {
  return [`  let cv = min(col4, max((${nExpr}) / 4 - 1, 0));`, ...range(4).map((j) => `  let c${j} = min(col4 * 4 + ${j}, (${nExpr}) - 1);`)].join('\n');
}

/** Per-invocation B set-up. Expressions are in floats; the strides say where B(k, n) is: base + k·rowStride + n·colStride. */
export function bSetup(b: BLoad, base: string, rowStride: string, colStride: string): string {
  switch (b) {
    case 'kn4':
      return `  let bs4 = (${rowStride}) / 4;\n  let bc = (${base}) / 4 + cv;`;
    case 'nk4':
      return range(4)
        .map((j) => `  let bc${j} = ((${base}) + c${j} * (${colStride})) / 4;`)
        .join('\n');
    case 'strided':
      return [`  let bsr = ${rowStride};`, ...range(4).map((j) => `  let bc${j} = (${base}) + c${j} * (${colStride});`)].join('\n');
  }
}

/**
 * Loads B rows k..k+3 as b0..b3 (vec4 along n). `k` is an i32 expression relative to the base;
 * `off` an extra offset in floats (a convolution tap; "0" otherwise).
 */
export function bBlockLoad(b: BLoad, k: string, off = '0'): string {
  switch (b) {
    case 'kn4':
      return [`    let br = bc + (${off}) / 4 + (${k}) * bs4;`, ...range(4).map((i) => `    let b${i} = b[br + ${i} * bs4];`)].join('\n');
    case 'nk4': {
      const u = range(4).map((j) => `    let u${j} = b[bc${j} + (${off} + ${k}) / 4];`);
      const t = range(4).map((i) => `    let b${i} = vec4<f32>(u0.${lanes[i]}, u1.${lanes[i]}, u2.${lanes[i]}, u3.${lanes[i]});`);
      return [...u, ...t].join('\n');
    }
    case 'strided':
      return [
        `    let br = ${off} + (${k}) * bsr;`,
        ...range(4).map(
          (i) =>
            `    let b${i} = vec4<f32>(${range(4)
              .map((j) => `b[bc${j} + br + ${i} * bsr]`)
              .join(', ')});`,
        ),
      ].join('\n');
  }
}

/** Loads the single B row k as `b0`; for K tails (never needed with "nk4", whose K ≡ 0 mod 4). */
export function bSingleLoad(b: BLoad, k: string, off = '0'): string {
  switch (b) {
    case 'kn4':
      return `    let b0 = b[bc + (${off}) / 4 + (${k}) * bs4];`;
    case 'nk4':
      throw new Error('an nk4 B operand has no K tail');
    case 'strided':
      return `    let b0 = vec4<f32>(${range(4)
        .map((j) => `b[bc${j} + ${off} + (${k}) * bsr]`)
        .join(', ')});`;
  }
}

export function accumulators(rows: number): string {
  return range(rows)
    .map((r) => `  var acc${r} = vec4<f32>(0.0);`)
    .join('\n');
}

/** acc_r += Σ_i a_r[i] · b_i for a 4-deep K step (a_r vec4 along k, b_i vec4 along n). */
export function fmaBlock(rows: number, t: TileVariant = {}): string {
  return range(rows)
    .map((r) => [...(t.shared ? [broadcast(r)] : []), ...range(4).map((i) => `    acc${r} = fma(vec4<f32>(a${r}.${lanes[i]}), b${i}, acc${r});`)].join('\n'))
    .join('\n');
}

/** acc_r += a_r · b0 for a single K step (a_r scalar). */
export function fmaSingle(rows: number, t: TileVariant = {}): string {
  return range(rows)
    .map((r) => `${t.shared ? `${broadcast(r)}\n` : ''}    acc${r} = fma(vec4<f32>(a${r}), b0, acc${r});`)
    .join('\n');
}

/**
 * Shared-row tiles: row r's A value from the lane that loaded it (`am<g>` holds row g·8 + own),
 * taken next to its use so that only one row's A is live at a time.
 */
const broadcast = (r: number) => `    let a${r} = subgroupBroadcast(am${Math.floor(r / SHARE_GROUP)}, ${r % SHARE_GROUP}u);`;

/** Shared-row tiles: the row of group g this lane loads for all. */
export const ownRow = (g: number) => `row0 + ${g * SHARE_GROUP} + own`;

/** Shared-row tiles: how many rows each lane loads. */
export const ownRows = (rows: number) => range(rows / SHARE_GROUP);

/**
 * Writes acc_r to Y[row, col4·4 ..] for rows row0 + r below mExpr (+ bias unless accumulating,
 * + the old Y when accumulating). `rowIndex(r)` gives Y's row for tile row r. Params fields:
 * yStride, yBase, biasBase, accumulate.
 */
export function store(
  rows: number,
  s: StoreVariant,
  mExpr: string,
  nExpr: string,
  rowIndex: (r: number) => string = (r) => `row0 + ${r}`,
  yBase = 'p.yBase',
): string {
  const biasVec = s.bias
    ? `  var bv = vec4<f32>(0.0);
  if (p.accumulate == 0) { bv = vec4<f32>(${range(4)
    .map((j) => `bias[p.biasBase + c${j}]`)
    .join(', ')}); }`
    : '  let bv = vec4<f32>(0.0);';
  const columnsOk = s.yVec4 ? `col4 < (${nExpr}) / 4` : `col4 * 4 < ${nExpr}`;
  const body = range(rows).map((r) => {
    const m = rowIndex(r);
    if (s.yVec4) {
      return `    if (row0 + ${r} < ${mExpr}) {
      let yi = (${yBase} + (${m}) * p.yStride) / 4 + col4;
      var v = acc${r} + bv;
      if (p.accumulate != 0) { v += y[yi]; }
      y[yi] = v;
    }`;
    }
    return `    if (row0 + ${r} < ${mExpr}) {
      let yr = ${yBase} + (${m}) * p.yStride + col4 * 4;
      var v = acc${r} + bv;
${range(4)
  .map((j) => `      if (col4 * 4 + ${j} < ${nExpr}) { if (p.accumulate != 0) { v.${lanes[j]} += y[yr + ${j}]; } y[yr + ${j}] = v.${lanes[j]}; }`)
  .join('\n')}
    }`;
  });
  return [biasVec, `  if (${columnsOk}) {`, ...body, '  }'].join('\n');
}

function aSetup(v: MatmulVariant, aBase: string): string {
  const R = v.rows;
  if (v.shared) {
    const rowOf = (g: number) => `min(${ownRow(g)}, p.M - 1) * p.aRowStride`;
    switch (v.a) {
      case 'mk4':
        return ownRows(R)
          .map((g) => `  let ar${g} = (${aBase} + ${rowOf(g)}) / 4;`)
          .join('\n');
      case 'strided':
        return [`  let asc = p.aColStride;`, ...ownRows(R).map((g) => `  let ar${g} = ${aBase} + ${rowOf(g)};`)].join('\n');
      case 'km4':
        throw new Error('shared-row tiles read A by rows (mk4 or strided)');
    }
  }
  switch (v.a) {
    case 'mk4':
      return range(R)
        .map((r) => `  let ar${r} = (${aBase} + min(row0 + ${r}, p.M - 1) * p.aRowStride) / 4;`)
        .join('\n');
    case 'km4':
      return [`  let as4 = p.aColStride / 4;`, ...range(R / 4).map((g) => `  let ag${g} = ${aBase} / 4 + min(row0 / 4 + ${g}, p.M / 4 - 1);`)].join('\n');
    case 'strided':
      return [`  let asc = p.aColStride;`, ...range(R).map((r) => `  let ar${r} = ${aBase} + min(row0 + ${r}, p.M - 1) * p.aRowStride;`)].join('\n');
  }
}

function aBlockLoad(v: MatmulVariant): string {
  const R = v.rows;
  if (v.shared) {
    return ownRows(R)
      .map((g) =>
        v.a === 'mk4'
          ? `    let am${g} = a[ar${g} + k / 4];`
          : `    let am${g} = vec4<f32>(${range(4)
              .map((i) => `a[ar${g} + (k + ${i}) * asc]`)
              .join(', ')});`,
      )
      .join('\n');
  }
  switch (v.a) {
    case 'mk4':
      return range(R)
        .map((r) => `    let a${r} = a[ar${r} + k / 4];`)
        .join('\n');
    case 'km4': {
      const t = range(4).flatMap((i) => range(R / 4).map((g) => `    let t${i}_${g} = a[ag${g} + (k + ${i}) * as4];`));
      const a = range(R).map(
        (r) =>
          `    let a${r} = vec4<f32>(${range(4)
            .map((i) => `t${i}_${r >> 2}.${lanes[r & 3]}`)
            .join(', ')});`,
      );
      return [...t, ...a].join('\n');
    }
    case 'strided':
      return range(R)
        .map(
          (r) =>
            `    let a${r} = vec4<f32>(${range(4)
              .map((i) => `a[ar${r} + (k + ${i}) * asc]`)
              .join(', ')});`,
        )
        .join('\n');
  }
}

function aSingleLoad(v: MatmulVariant): string {
  const R = v.rows;
  if (v.shared) {
    return ownRows(R)
      .map((g) => `    let am${g} = a[ar${g} + k * asc];`)
      .join('\n');
  }
  switch (v.a) {
    case 'mk4':
      throw new Error('an mk4 A operand has no K tail');
    case 'km4':
      return [...range(R / 4).map((g) => `    let t_${g} = a[ag${g} + k * as4];`), ...range(R).map((r) => `    let a${r} = t_${r >> 2}.${lanes[r & 3]};`)].join(
        '\n',
      );
    case 'strided':
      return range(R)
        .map((r) => `    let a${r} = a[ar${r} + k * asc];`)
        .join('\n');
  }
}

/**
 * Params (i32, in order): M, N, K, aRowStride, aColStride, bRowStride, bColStride, yStride,
 * aBase, bBase, yBase, biasBase, accumulate, colBlocks, colGroups[, aBatch, bBatch, yBatch].
 * Bindings: a, b, y[, bias].
 */
export function matmulKernel(v: MatmulVariant): string {
  if (v.a === 'km4' && v.rows % 4 !== 0) throw new Error('a km4 A operand needs rows % 4 == 0');
  const kTail = v.a !== 'mk4' && v.b !== 'nk4';
  const [aBase, bBase, yBase] = v.batched ? ['aBase', 'bBase', 'yBase'] : ['p.aBase', 'p.bBase', 'p.yBase'];
  const bases = v.batched
    ? `  let aBase = p.aBase + i32(wg.z) * p.aBatch;
  let bBase = p.bBase + i32(wg.z) * p.bBatch;
  let yBase = p.yBase + i32(wg.z) * p.yBatch;`
    : '';
  if (v.shared && v.rows % SHARE_GROUP !== 0) throw new Error(`shared-row tiles need rows % ${SHARE_GROUP} == 0`);
  return /* wgsl */ `${enableFor(v)}
struct Params {
  M: i32, N: i32, K: i32, aRowStride: i32, aColStride: i32, bRowStride: i32, bColStride: i32, yStride: i32,
  aBase: i32, bBase: i32, yBase: i32, biasBase: i32, accumulate: i32, colBlocks: i32, colGroups: i32${v.batched ? ', aBatch: i32, bBatch: i32, yBatch: i32' : ''}
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<${v.a === 'strided' ? 'f32' : 'vec4<f32>'}>;
${bBinding(2, v.b)}
${storeBindings(3, v)}
${entryPoint(v)}
${tileIndex(v.rows, v)}
${bases}
${columnSetup('p.N')}
${aSetup(v, aBase)}
${bSetup(v.b, bBase, 'p.bRowStride', 'p.bColStride')}
${accumulators(v.rows)}
  let k4 = p.K & ~3;
  for (var k = 0; k < k4; k += 4) {
${aBlockLoad(v)}
${bBlockLoad(v.b, 'k')}
${fmaBlock(v.rows, v)}
  }
${
  kTail
    ? `  for (var k = k4; k < p.K; k++) {
${aSingleLoad(v)}
${bSingleLoad(v.b, 'k')}
${fmaSingle(v.rows, v)}
  }`
    : ''
}
${store(v.rows, v, 'p.M', 'p.N', undefined, yBase)}
}`;
}

/**
 * Column groups (of 4) per workgroup, the rest of its lanes taking more rows: the largest
 * count that leaves the fewest idle lanes in the last column block (80 columns = 20 groups run
 * as 5 blocks of 4, not 2 blocks of 16 with 12 idle; measured 6.7 → 10.1 GFLOP/s).
 */
export function colGroupsFor(n: number): number {
  const groups = Math.ceil(n / 4);
  let g = workgroupWidth();
  while (g > 1 && g / 2 >= groups) g /= 2;
  const padded = (c: number) => Math.ceil(groups / c) * c;
  let best = g;
  for (let c = g / 2; c >= 4; c /= 2) if (padded(c) < padded(best)) best = c;
  return best;
}
