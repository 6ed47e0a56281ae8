// Maps at the input resolution, from gradients of the class logit with respect to the input
// (the only methods that ask for input gradients): saliency, guided backprop, SmoothGrad and
// integrated gradients. Gradients of several images (noisy copies, path points) come from one
// batched forward and one backward per batch: rows are independent, so the gradient of
// Σ_rows y[row, c] at row r is ∂y_r/∂x_r.
import { tensor, type Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { preprocessPixels } from '../models/preprocess.js';
import { argmax } from './classes.js';
import { assertSingleImage } from './gradient-cams.js';
import { readAndDispose, RecordedForward } from './recorded-forward.js';
import type { Completeness } from './types.js';

export const SMOOTHGRAD_DEFAULT_SAMPLES = 25;
export const SMOOTHGRAD_DEFAULT_NOISE = 0.15;
export const IG_DEFAULT_STEPS = 32;
export const GRADIENT_DEFAULT_BATCH = 4;
/** IG completeness error above which a note suggests more steps. */
export const COMPLETENESS_TOLERANCE = 0.01;

export interface InputGradientPass {
  logits: Float32Array;
  classIndex: number;
  /** ∂y/∂x, NHWC like the input. */
  gradient: Float32Array;
  overriddenRelus: number;
}

export function inputNodeName(model: Model): string {
  return model.graph.nodes[0].name;
}

/** One forward and one backward to the input (under the given ReLU override). */
export async function inputGradient(
  model: Model,
  input: Tensor,
  classIndex: number | undefined,
  overrides: Record<string, string> = {},
): Promise<InputGradientPass> {
  assertSingleImage('input gradient', input);
  const target = inputNodeName(model);
  const forward = RecordedForward.run(model, input, { watch: [target] });
  try {
    const logits = await forward.logits.read();
    const cls = classIndex ?? argmax(logits);
    const { grads, overriddenRelus } = forward.backward(cls, overrides);
    const [gradient] = await readAndDispose(grads.get(target) as Tensor);
    return { logits, classIndex: cls, gradient, overriddenRelus };
  } finally {
    forward.dispose();
  }
}

/** Per pixel: reduce over the channels of an HWC array. */
export function overChannels(values: ArrayLike<number>, channels: number, reduce: (acc: number, v: number) => number, start: number): Float64Array {
  const out = new Float64Array(values.length / channels);
  for (let p = 0; p < out.length; p++) {
    let acc = start;
    for (let c = 0; c < channels; c++) acc = reduce(acc, values[p * channels + c]);
    out[p] = acc;
  }
  return out;
}

export const maxAbs = (acc: number, v: number) => Math.max(acc, Math.abs(v));
export const maxSigned = (acc: number, v: number) => Math.max(acc, v);
/** The value of largest magnitude, with its sign (saliency's signed map). */
export const largestMagnitude = (acc: number, v: number) => (Math.abs(v) > Math.abs(acc) ? v : acc);
export const sum = (acc: number, v: number) => acc + v;

/** Logits of the unmodified input (no tape). */
export async function cleanLogits(model: Model, input: Tensor): Promise<Float32Array> {
  const forward = RecordedForward.run(model, input);
  try {
    return await forward.logits.read();
  } finally {
    forward.dispose();
  }
}

interface BatchGradients {
  gradients: Float32Array;
  logits: Float32Array;
}

/** Input gradients of a batch of images given as host data (NHWC), one forward and one backward. */
async function batchGradients(model: Model, images: Float32Array, shape: readonly number[], classIndex: number): Promise<BatchGradients> {
  const x = tensor(images, shape);
  try {
    const forward = RecordedForward.run(model, x, { watch: [inputNodeName(model)] });
    try {
      const { grads } = forward.backward(classIndex);
      const [gradients] = await readAndDispose(grads.get(inputNodeName(model)) as Tensor);
      const logits = await forward.logits.read();
      return { gradients, logits };
    } finally {
      forward.dispose();
    }
  } finally {
    x.dispose();
  }
}

/** mulberry32 with Box–Muller: reproducible standard normal samples. */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

function positiveInteger(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, given ${v}`);
  return v;
}

export interface SmoothGradOptions {
  classIndex?: number;
  samples?: number;
  noise?: number;
  batchSize?: number;
  seed?: number;
  /** After each batch: noisy copies done, of all. */
  onProgress?: (done: number, total: number) => void;
}

export interface SmoothGradResult {
  logits: Float32Array;
  classIndex: number;
  /** Mean over the noisy copies of max over channels of |∂y/∂x|, per pixel. */
  map: Float64Array;
  sigma: number;
  forwards: number;
}

/** SmoothGrad (Smilkov et al. 2017) of the saliency map: noise σ = noise·(max − min) of the input values. */
export async function smoothGrad(model: Model, input: Tensor, opts: SmoothGradOptions = {}): Promise<SmoothGradResult> {
  assertSingleImage('smoothgrad', input);
  const samples = positiveInteger('smoothgrad: samples', opts.samples ?? SMOOTHGRAD_DEFAULT_SAMPLES);
  const batchSize = positiveInteger('smoothgrad: batchSize', opts.batchSize ?? GRADIENT_DEFAULT_BATCH);
  const noise = opts.noise ?? SMOOTHGRAD_DEFAULT_NOISE;
  if (!(noise >= 0)) throw new RangeError(`smoothgrad: noise must be ≥ 0, given ${noise}`);
  const logits = await cleanLogits(model, input);
  const classIndex = opts.classIndex ?? argmax(logits);
  const x = await input.read();
  let lo = Infinity,
    hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const sigma = noise * (hi - lo);
  const normal = gaussian(opts.seed ?? 0);
  const [, height, width, channels] = input.shape;
  const map = new Float64Array(height * width);
  let forwards = 0;
  for (let start = 0; start < samples; start += batchSize) {
    const rows = Math.min(batchSize, samples - start);
    const images = new Float32Array(rows * x.length);
    for (let r = 0; r < rows; r++) for (let i = 0; i < x.length; i++) images[r * x.length + i] = x[i] + sigma * normal();
    const { gradients } = await batchGradients(model, images, [rows, height, width, channels], classIndex);
    forwards++;
    for (let r = 0; r < rows; r++) {
      const saliency = overChannels(gradients.subarray(r * x.length, (r + 1) * x.length), channels, maxAbs, 0);
      for (let p = 0; p < map.length; p++) map[p] += saliency[p] / samples;
    }
    opts.onProgress?.(start + rows, samples);
  }
  return { logits, classIndex, map, sigma, forwards };
}

export interface IntegratedGradientsOptions {
  classIndex?: number;
  steps?: number;
  batchSize?: number;
  /** After each batch: path points done, of steps + 1. */
  onProgress?: (done: number, total: number) => void;
}

export interface IntegratedGradientsResult {
  logits: Float32Array;
  classIndex: number;
  /** (x − baseline) ⊙ path-averaged gradient, NHWC like the input. */
  attributions: Float32Array;
  completeness: Completeness;
  forwards: number;
}

/**
 * Integrated gradients (Sundararajan et al. 2017) from the black image: the baseline is
 * preprocess(0) in pixel space, the model's own view of a black picture. The path integral
 * ∫₀¹ ∂y/∂x(b + α(x − b)) dα is the trapezoidal sum over α = k/steps, k = 0..steps (both ends
 * included, half weight), which also yields y(b) and y(x) for the completeness check.
 */
export async function integratedGradients(model: Model, input: Tensor, opts: IntegratedGradientsOptions = {}): Promise<IntegratedGradientsResult> {
  assertSingleImage('integrated-gradients', input);
  const steps = positiveInteger('integrated-gradients: steps', opts.steps ?? IG_DEFAULT_STEPS);
  const batchSize = positiveInteger('integrated-gradients: batchSize', opts.batchSize ?? GRADIENT_DEFAULT_BATCH);
  const logits = await cleanLogits(model, input);
  const classIndex = opts.classIndex ?? argmax(logits);
  const x = await input.read();
  const [, height, width, channels] = input.shape;
  const baseline = preprocessPixels(model.definition.preprocessing, new Uint8Array(height * width * channels), height, width);
  const averaged = new Float64Array(x.length);
  let baselineScore = 0,
    inputScore = 0,
    forwards = 0;
  for (let start = 0; start <= steps; start += batchSize) {
    const points = Math.min(batchSize, steps + 1 - start);
    const images = new Float32Array(points * x.length);
    for (let r = 0; r < points; r++) {
      const alpha = (start + r) / steps;
      for (let i = 0; i < x.length; i++) images[r * x.length + i] = baseline[i] + alpha * (x[i] - baseline[i]);
    }
    const { gradients, logits: rowLogits } = await batchGradients(model, images, [points, height, width, channels], classIndex);
    forwards++;
    const classes = rowLogits.length / points;
    for (let r = 0; r < points; r++) {
      const k = start + r;
      const weight = (k === 0 || k === steps ? 0.5 : 1) / steps;
      for (let i = 0; i < x.length; i++) averaged[i] += weight * gradients[r * x.length + i];
      if (k === 0) baselineScore = rowLogits[r * classes + classIndex];
      if (k === steps) inputScore = rowLogits[r * classes + classIndex];
    }
    opts.onProgress?.(start + points, steps + 1);
  }
  const attributions = new Float32Array(x.length);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const a = (x[i] - baseline[i]) * averaged[i];
    attributions[i] = a;
    total += a;
  }
  const difference = inputScore - baselineScore;
  const relativeError = difference === 0 ? (total === 0 ? 0 : Infinity) : Math.abs(total - difference) / Math.abs(difference);
  return { logits, classIndex, attributions, completeness: { sumOfAttributions: total, scoreDifference: difference, relativeError }, forwards };
}
