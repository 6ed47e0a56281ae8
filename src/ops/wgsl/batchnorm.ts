// Batch-normalisation kernels. Activations are (rows, C) with C contiguous; each per-element
// kernel has a vec4 variant (C % 4 == 0, `c` then counts vec4 lanes) and a scalar one.
// Per-channel statistics are reduced in two steps without shared memory or barriers (slow on
// lavapipe): every invocation sums one chunk of rows for one channel lane into `partial`
// ([chunks, 2, C]), then one invocation per channel adds up its chunks.

const elementType = (vec4: boolean) => (vec4 ? 'vec4<f32>' : 'f32');

const linearIndex = (perGroup: number) => `i32(gid.x + gid.y * nwg.x * ${perGroup}u)`;

/** Rows each invocation of a per-element kernel walks down one channel lane (one `%` per 16 elements, not one per element: 2-4× faster on lavapipe). */
export const ROWS_PER_INVOCATION = 16;

const perElementHead = /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = ${linearIndex(64)};
  let ch = g % p.c;
  let r0 = (g / p.c) * ${ROWS_PER_INVOCATION};
  if (r0 >= p.rows) { return; }
  let r1 = min(r0 + ${ROWS_PER_INVOCATION}, p.rows);`;

/**
 * coef = [center; scale; offset] (3 × c lanes). mode 0: y = (x − center)·scale + offset (the
 * forward); mode 1: y = x·scale (the inference input gradient, reusing the forward's coef);
 * mode 2: max((x − center)·scale + offset, 0) (batchnorm then ReLU in one pass).
 * Subtracting the centre first keeps precision when |mean| ≫ std.
 */
function affine(vec4: boolean): string {
  const T = elementType(vec4);
  return /* wgsl */ `
struct Params { rows: i32, c: i32, mode: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read> coef: array<${T}>;
@group(0) @binding(3) var<storage, read_write> y: array<${T}>;
${perElementHead}
  let plain = p.mode != 1;
  let center = select(${T}(0.0), coef[ch], plain);
  let scale = coef[p.c + ch];
  let offset = select(${T}(0.0), coef[2 * p.c + ch], plain);
  if (p.mode == 2) {
    for (var r = r0; r < r1; r++) {
      let i = r * p.c + ch;
      y[i] = max(fma(x[i] - center, scale, offset), ${T}(0.0));
    }
    return;
  }
  for (var r = r0; r < r1; r++) {
    let i = r * p.c + ch;
    y[i] = fma(x[i] - center, scale, offset);
  }
}`;
}

/** Training input gradient: dx = gy·coef0 + (x − coef2)·coef1 + coef3 (coef = 4 × c lanes, see gradFinalize). */
function trainingInputGradient(vec4: boolean): string {
  const T = elementType(vec4);
  return /* wgsl */ `
struct Params { rows: i32, c: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gy: array<${T}>;
@group(0) @binding(2) var<storage, read> x: array<${T}>;
@group(0) @binding(3) var<storage, read> coef: array<${T}>;
@group(0) @binding(4) var<storage, read_write> dx: array<${T}>;
${perElementHead}
  let k = coef[ch];
  let slope = coef[p.c + ch];
  let mean = coef[2 * p.c + ch];
  let offset = coef[3 * p.c + ch];
  for (var r = r0; r < r1; r++) {
    let i = r * p.c + ch;
    dx[i] = fma(x[i] - mean, slope, fma(gy[i], k, offset));
  }
}`;
}

const partialParams = /* wgsl */ `
struct Params { rows: i32, c: i32, rowsPerChunk: i32, chunks: i32, chunkBase: i32 }
@group(0) @binding(0) var<uniform> p: Params;`;

const partialHead = /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = ${linearIndex(256)};
  if (g >= p.c * p.chunks) { return; }
  let ch = g % p.c;
  let chunk = g / p.c;
  let r0 = chunk * p.rowsPerChunk;
  let r1 = min(r0 + p.rowsPerChunk, p.rows);`;

const partialTail = /* wgsl */ `
  let at = (p.chunkBase + chunk) * 2 * p.c + ch;
  partial[at] = s1;
  partial[at + p.c] = s2;
}`;

/**
 * Per chunk: Σ(x − x₀) and Σ(x − x₀)², shifted by the first row x₀ (a sample of each channel)
 * so the variance E[d²] − E[d]² does not cancel catastrophically when |mean| ≫ std.
 */
function statsPartial(vec4: boolean): string {
  const T = elementType(vec4);
  return /* wgsl */ `${partialParams}
@group(0) @binding(1) var<storage, read> x: array<${T}>;
@group(0) @binding(2) var<storage, read> firstRow: array<${T}>;
@group(0) @binding(3) var<storage, read_write> partial: array<${T}>;
${partialHead}
  let shift = firstRow[ch];
  var s1 = ${T}(0.0);
  var s2 = ${T}(0.0);
  for (var r = r0; r < r1; r++) {
    let d = x[r * p.c + ch] - shift;
    s1 += d;
    s2 = fma(d, d, s2);
  }${partialTail}`;
}

/** Per chunk: Σ gy and Σ gy·(x − mean), the sums behind dBeta, dGamma and the training dX. */
function gradPartial(vec4: boolean): string {
  const T = elementType(vec4);
  return /* wgsl */ `${partialParams}
@group(0) @binding(1) var<storage, read> gy: array<${T}>;
@group(0) @binding(2) var<storage, read> x: array<${T}>;
@group(0) @binding(3) var<storage, read> mean: array<${T}>;
@group(0) @binding(4) var<storage, read_write> partial: array<${T}>;
${partialHead}
  let m = mean[ch];
  var s1 = ${T}(0.0);
  var s2 = ${T}(0.0);
  for (var r = r0; r < r1; r++) {
    let i = r * p.c + ch;
    let g = gy[i];
    s1 += g;
    s2 = fma(g, x[i] - m, s2);
  }${partialTail}`;
}

export const affineVec4 = affine(true);
export const affineScalar = affine(false);
export const trainingInputGradientVec4 = trainingInputGradient(true);
export const trainingInputGradientScalar = trainingInputGradient(false);
export const statsPartialVec4 = statsPartial(true);
export const statsPartialScalar = statsPartial(false);
export const gradPartialVec4 = gradPartial(true);
export const gradPartialScalar = gradPartial(false);

const perChannelHead = /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ch = i32(gid.x);
  if (ch >= p.c) { return; }`;

const sumChunks = /* wgsl */ `
  var s1 = 0.0;
  var s2 = 0.0;
  for (var q = 0; q < p.chunks; q++) {
    s1 += partial[2 * q * p.c + ch];
    s2 += partial[(2 * q + 1) * p.c + ch];
  }`;

/** Inference coefficients from the running statistics: [mean; γ/√(var+ε); β]. Absent γ/β read as 1/0. */
export const inferenceCoefficients = /* wgsl */ `
struct Params { c: i32, hasGamma: i32, hasBeta: i32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> variance: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> coef: array<f32>;
${perChannelHead}
  var g = 1.0;
  if (p.hasGamma != 0) { g = gamma[ch]; }
  var b = 0.0;
  if (p.hasBeta != 0) { b = beta[ch]; }
  coef[ch] = mean[ch];
  coef[p.c + ch] = g * inverseSqrt(variance[ch] + p.eps);
  coef[2 * p.c + ch] = b;
}`;

/** Batch mean and biased variance from the shifted chunk sums, plus the forward coefficients. */
export const statsFinalize = /* wgsl */ `
struct Params { c: i32, chunks: i32, hasGamma: i32, hasBeta: i32, rows: f32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> firstRow: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> variance: array<f32>;
@group(0) @binding(7) var<storage, read_write> coef: array<f32>;
${perChannelHead}${sumChunks}
  let d = s1 / p.rows;
  let m = firstRow[ch] + d;
  let v = max(s2 / p.rows - d * d, 0.0);
  mean[ch] = m;
  variance[ch] = v;
  var g = 1.0;
  if (p.hasGamma != 0) { g = gamma[ch]; }
  var b = 0.0;
  if (p.hasBeta != 0) { b = beta[ch]; }
  coef[ch] = m;
  coef[p.c + ch] = g * inverseSqrt(v + p.eps);
  coef[2 * p.c + ch] = b;
}`;

/**
 * dBeta = Σgy, dGamma = Σgy·x̂ with x̂ = (x − mean)/√(var+ε). In training mode also the input-gradient
 * coefficients: with k = γ/√(var+ε) and M rows,
 *   dx = k·(gy − dBeta/M − x̂·dGamma/M) = gy·k + (x − mean)·(−k·dGamma/(M√(var+ε))) − k·dBeta/M.
 */
export const gradFinalize = /* wgsl */ `
struct Params { c: i32, chunks: i32, hasGamma: i32, training: i32, rows: f32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dGamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dBeta: array<f32>;
@group(0) @binding(7) var<storage, read_write> coef: array<f32>;
${perChannelHead}${sumChunks}
  let invStd = inverseSqrt(variance[ch] + p.eps);
  let dg = s2 * invStd;
  dBeta[ch] = s1;
  dGamma[ch] = dg;
  if (p.training != 0) {
    var g = 1.0;
    if (p.hasGamma != 0) { g = gamma[ch]; }
    let k = g * invStd;
    coef[ch] = k;
    coef[p.c + ch] = -k * invStd * dg / p.rows;
    coef[2 * p.c + ch] = mean[ch];
    coef[3 * p.c + ch] = -k * s1 / p.rows;
  }
}`;

/** y = a·keep + b·take, elementwise (the moving-average update). */
export const movingAverage = /* wgsl */ `
struct Params { n: i32, keep: f32, take: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.x);
  if (i >= p.n) { return; }
  y[i] = a[i] * p.keep + b[i] * p.take;
}`;
