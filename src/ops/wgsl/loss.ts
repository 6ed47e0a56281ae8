// Softmax cross-entropy per row on the row-kernel scaffold of softmax.ts. The loss is written as
// Σ l·(max − x) + log Σ exp(x − max)·Σ l: every term is non-negative for non-negative labels,
// so nothing cancels.
import { rowKernel, type RowMode } from './softmax.js';

const header = (bindings: string) => /* wgsl */ `
struct Params { rows: i32, k: i32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}`;

const maxAndSum = /* wgsl */ `
  let base = row * p.k;
  var m = -3.4028234e38;
  for (var j = first; j < p.k; j += step) { m = max(m, logits[base + j]); }
  let mx = rowMax(m, lid);
  var s = 0.0;
  for (var j = first; j < p.k; j += step) { s += exp(logits[base + j] - mx); }
  let total = rowSum(s, lid);`;

/** rowLoss[n] = −Σ_k labels·logSoftmax(logits) for row n. */
const rowsHeader = header(`
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;`);
const rowsBody = /* wgsl */ `${maxAndSum}
  var labelSum = 0.0;
  var shifted = 0.0;
  for (var j = first; j < p.k; j += step) {
    let l = labels[base + j];
    labelSum += l;
    shifted += l * (mx - logits[base + j]);
  }
  let totalLabels = rowSum(labelSum, lid);
  let totalShifted = rowSum(shifted, lid);
  if (lid == 0u) { rowLoss[row] = totalShifted + log(total) * totalLabels; }`;

/** gLogits = gy[0]·scale·(softmax(logits) − labels), scale = 1/N. */
const backwardHeader = header(`
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read> gy: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;`);
const backwardBody = /* wgsl */ `${maxAndSum}
  let g = gy[0] * p.scale;
  for (var j = first; j < p.k; j += step) {
    gx[base + j] = g * (exp(logits[base + j] - mx) / total - labels[base + j]);
  }`;

export const crossEntropyRows: Record<RowMode, string> = {
  workgroup: rowKernel('workgroup', rowsHeader, rowsBody),
  thread: rowKernel('thread', rowsHeader, rowsBody),
};
export const crossEntropyBackward: Record<RowMode, string> = {
  workgroup: rowKernel('workgroup', backwardHeader, backwardBody),
  thread: rowKernel('thread', backwardHeader, backwardBody),
};
