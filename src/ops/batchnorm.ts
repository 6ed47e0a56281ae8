// Batch normalisation over the last (channel) axis of NHWC activations, in inference mode
// (running statistics) and training mode (this batch's statistics, back-propagated through).
// Inference is one pass per element: a tiny kernel first folds mean, variance, γ and β into
// per-channel coefficients. Training reduces each channel in parallel chunks (see wgsl/batchnorm.ts).
import { dispatch, empty, fmt, gpu, groupsFor, isRecording, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { relu } from './relu.js';
import * as k from './wgsl/batchnorm.js';

export interface BatchNormParams {
  /** Running statistics, [C]; they never receive gradients. */
  mean: Tensor;
  variance: Tensor;
  /** Scale, [C]; absent means 1 (Keras `scale=False`, e.g. InceptionV3). */
  gamma?: Tensor;
  /** Offset, [C]; absent means 0. */
  beta?: Tensor;
  /** Keras ResNet 1.001e-5, Keras InceptionV3 1e-3, ONNX 1e-5. */
  epsilon: number;
}

export interface BatchNormTrainingParams {
  gamma?: Tensor;
  beta?: Tensor;
  epsilon: number;
}

export interface BatchNormTrainingResult {
  y: Tensor;
  /** Mean over all axes but the last, [C]. A plain tensor: no gradient flows through it. */
  batchMean: Tensor;
  /** Biased variance (divided by the row count, as tf.nn.moments), [C]. No gradient. */
  batchVariance: Tensor;
}

/**
 * The largest storage binding the kernels create (WebGPU's default limit). Bigger activations are
 * processed in row slices bound at an offset. Mutable so tests can exercise slicing on tiny tensors.
 */
export const batchNormBindingLimit = { bytes: 128 * 1024 * 1024 };

/** Chunks per slice in the channel reductions: enough invocations to fill the device, few partials to combine. */
const MAX_CHUNKS = 256;
const MIN_ROWS_PER_CHUNK = 16;

interface Binding {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

interface RowSlice {
  rows: number;
  offset: number;
  size: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Splits `rows` rows of `c` floats into slices that each fit one binding and start at an aligned offset. */
function rowSlices(op: string, rows: number, c: number): RowSlice[] {
  const limits = gpu().limits;
  const maxBytes = Math.min(batchNormBindingLimit.bytes, limits.maxStorageBufferBindingSize);
  const align = limits.minStorageBufferOffsetAlignment;
  const rowBytes = c * 4;
  const step = align / gcd(rowBytes, align);
  const perSlice = Math.floor(maxBytes / rowBytes / step) * step;
  if (perSlice < 1) throw new ShapeError(op, `at most ${Math.floor(maxBytes / align / 4) * align} channels`, `${c} channels`);
  const slices: RowSlice[] = [];
  for (let r = 0; r < rows; r += perSlice) {
    const n = Math.min(perSlice, rows - r);
    slices.push({ rows: n, offset: r * rowBytes, size: n * rowBytes });
  }
  return slices;
}

const sliceOf = (t: Tensor, s: RowSlice): Binding => ({ buffer: t.buffer, offset: s.offset, size: s.size });

function channelsOf(op: string, x: Tensor): number {
  const c = x.shape[x.rank - 1];
  if (x.rank < 1 || c === 0) throw new ShapeError(op, 'x of shape [..., C] with C > 0', `x of shape ${fmt(x.shape)}`);
  return c;
}

function checkChannelVector(op: string, name: string, t: Tensor | undefined, x: Tensor, c: number): void {
  if (!t) return;
  if (t.rank !== 1 || t.shape[0] !== c) {
    throw new ShapeError(op, `${name} of shape [${c}] (the channels of x ${fmt(x.shape)})`, `${name} of shape ${fmt(t.shape)}`);
  }
}

function checkEpsilon(op: string, epsilon: number): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new ShapeError(op, 'epsilon a finite number > 0', `epsilon ${epsilon}`);
}

/** Workgroups of 64 invocations, each walking ROWS_PER_INVOCATION rows of one channel lane. */
const perElementGroups = (rows: number, lanes: number) => groupsFor(lanes * Math.ceil(rows / k.ROWS_PER_INVOCATION), 64);

type AffineMode = 'normalise' | 'scale' | 'normalise-relu';
const AFFINE_MODES: Record<AffineMode, number> = { normalise: 0, scale: 1, 'normalise-relu': 2 };

/** out = (x − center)·scale + offset ('normalise', then max(·, 0) for 'normalise-relu') or x·scale ('scale'), per channel. */
function applyAffine(x: Tensor, coef: Tensor, mode: AffineMode): Tensor {
  const c = x.shape[x.rank - 1];
  const vec4 = c % 4 === 0;
  const lanes = vec4 ? c / 4 : c;
  const y = empty(x.shape);
  for (const s of rowSlices('batchNorm', x.size / c, c)) {
    dispatch({
      wgsl: vec4 ? k.affineVec4 : k.affineScalar,
      bindings: [sliceOf(x, s), coef.buffer, sliceOf(y, s)],
      ints: [s.rows, lanes, AFFINE_MODES[mode]],
      workgroups: perElementGroups(s.rows, lanes),
      flops: s.size / 2,
    });
  }
  return y;
}

/** What a channel reduction sums: the batch statistics of x, or the sums behind the parameter gradients. */
type ReductionSource = { kind: 'stats'; x: Tensor } | { kind: 'grad'; gy: Tensor; x: Tensor; mean: Tensor };

/**
 * Partial per-channel sums over chunks of rows, [chunks, 2, C]: Σd and Σd² with d = x − x[0] ('stats'),
 * or Σgy and Σgy·(x − mean) ('grad').
 */
function channelPartials(source: ReductionSource): { partial: Tensor; chunks: number } {
  const { x } = source;
  const c = x.shape[x.rank - 1];
  const vec4 = c % 4 === 0;
  const lanes = vec4 ? c / 4 : c;
  const plans = rowSlices('batchNorm', x.size / c, c).map((slice) => {
    const wanted = Math.max(1, Math.min(MAX_CHUNKS, Math.floor(slice.rows / MIN_ROWS_PER_CHUNK)));
    const rowsPerChunk = Math.ceil(slice.rows / wanted);
    return { slice, rowsPerChunk, chunks: Math.ceil(slice.rows / rowsPerChunk) };
  });
  const chunks = plans.reduce((sum, plan) => sum + plan.chunks, 0);
  const partial = empty([chunks, 2, c]);
  const firstRow: Binding = { buffer: x.buffer, offset: 0, size: c * 4 };
  let chunkBase = 0;
  for (const { slice, rowsPerChunk, chunks: sliceChunks } of plans) {
    const stats = source.kind === 'stats';
    dispatch({
      wgsl: stats ? (vec4 ? k.statsPartialVec4 : k.statsPartialScalar) : vec4 ? k.gradPartialVec4 : k.gradPartialScalar,
      bindings: stats ? [sliceOf(x, slice), firstRow, partial.buffer] : [sliceOf(source.gy, slice), sliceOf(x, slice), source.mean.buffer, partial.buffer],
      ints: [slice.rows, lanes, rowsPerChunk, sliceChunks, chunkBase],
      workgroups: groupsFor(lanes * sliceChunks, 256),
      flops: (slice.size / 4) * 3,
    });
    chunkBase += sliceChunks;
  }
  return { partial, chunks };
}

interface ParameterGradients {
  dGamma: Tensor;
  dBeta: Tensor;
  /** Training only: [4, C] coefficients of the input gradient. */
  inputCoef: Tensor;
}

function parameterGradients(
  gy: Tensor,
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  gamma: Tensor | undefined,
  epsilon: number,
  training: boolean,
): ParameterGradients {
  const c = x.shape[x.rank - 1];
  const { partial, chunks } = channelPartials({ kind: 'grad', gy, x, mean });
  const dGamma = empty([c]);
  const dBeta = empty([c]);
  const inputCoef = empty([4, c]);
  dispatch({
    wgsl: k.gradFinalize,
    bindings: [partial.buffer, mean.buffer, variance.buffer, (gamma ?? mean).buffer, dGamma.buffer, dBeta.buffer, inputCoef.buffer],
    ints: [c, chunks, gamma ? 1 : 0, training ? 1 : 0],
    floats: [x.size / c, epsilon],
    workgroups: [Math.ceil(c / 64)],
    flops: chunks * c * 2,
  });
  partial.dispose();
  return { dGamma, dBeta, inputCoef };
}

/** Keeps a gradient if its input asked for it, else releases it. */
function keepIf(needed: boolean, t: Tensor): Tensor | null {
  if (needed) return t;
  t.dispose();
  return null;
}

function checkInferenceParams(op: string, x: Tensor, p: BatchNormParams): void {
  const c = channelsOf(op, x);
  checkChannelVector(op, 'mean', p.mean, x, c);
  checkChannelVector(op, 'variance', p.variance, x, c);
  checkChannelVector(op, 'gamma', p.gamma, x, c);
  checkChannelVector(op, 'beta', p.beta, x, c);
  checkEpsilon(op, p.epsilon);
}

/**
 * The per-channel coefficients of an inference batchnorm, [3, C] = [mean; γ/√(variance + ε); β]
 * (absent γ/β read as 1/0): y = (x − row 0)·row 1 + row 2. Not recorded for autodiff. This is the
 * layout conv2d's epilogue `affine` takes, so a batchnorm after a convolution folds into its store.
 */
export function batchNormCoefficients(p: BatchNormParams): Tensor {
  const { mean, variance, gamma, beta, epsilon } = p;
  if (mean.rank !== 1) throw new ShapeError('batchNormCoefficients', 'mean of shape [C]', `mean of shape ${fmt(mean.shape)}`);
  const c = mean.shape[0];
  for (const [name, t] of [
    ['variance', variance],
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== c))
      throw new ShapeError('batchNormCoefficients', `${name} of shape [${c}] (as mean)`, `${name} of shape ${fmt(t.shape)}`);
  }
  checkEpsilon('batchNormCoefficients', epsilon);
  const coef = empty([3, c]);
  dispatch({
    wgsl: k.inferenceCoefficients,
    bindings: [mean.buffer, variance.buffer, (gamma ?? mean).buffer, (beta ?? mean).buffer, coef.buffer],
    ints: [c, gamma ? 1 : 0, beta ? 1 : 0],
    floats: [epsilon],
    workgroups: [Math.ceil(c / 64)],
    flops: c * 4,
  });
  return coef;
}

/** x·scale per channel, with the scale row of batchNormCoefficients' [3, C] (the affine's input gradient). Not recorded. */
export function scaleChannels(x: Tensor, coef: Tensor): Tensor {
  const c = x.shape[x.rank - 1];
  if (coef.rank !== 2 || coef.shape[0] !== 3 || coef.shape[1] !== c) {
    throw new ShapeError('scaleChannels', `coefficients of shape [3, ${c}] for x ${fmt(x.shape)}`, `coefficients of shape ${fmt(coef.shape)}`);
  }
  return applyAffine(x, coef, 'scale');
}

/**
 * Inference: y = (x − mean)·γ/√(variance + ε) + β over the last axis of x ([..., C], NHWC).
 * Gradients flow to x, γ and β (never to the running statistics). Recorded as kind 'batchnorm'.
 */
export function batchNorm(x: Tensor, p: BatchNormParams): Tensor {
  checkInferenceParams('batchNorm', x, p);
  const coef = batchNormCoefficients(p);
  const y = applyAffine(x, coef, 'normalise');
  recordInference(x, p, coef, y);
  coef.dispose();
  return y;
}

/**
 * relu(batchNorm(x, p)) in one pass over x. When the result will be recorded for autodiff the two
 * ops run (and record) separately, so the ReLU's backward overrides (guided, deconvnet) apply.
 */
export function batchNormRelu(x: Tensor, p: BatchNormParams): Tensor {
  const recorded = isRecording() && [x, p.gamma, p.beta].some((t) => t?.requiresGrad);
  if (recorded) {
    const z = batchNorm(x, p);
    const y = relu(z);
    z.dispose();
    return y;
  }
  checkInferenceParams('batchNormRelu', x, p);
  const coef = batchNormCoefficients(p);
  const y = applyAffine(x, coef, 'normalise-relu');
  coef.dispose();
  return y;
}

function recordInference(x: Tensor, p: BatchNormParams, coef: Tensor, y: Tensor): void {
  const { mean, variance, gamma, epsilon, beta } = p;
  // Explanations need only dX; x and the statistics are held for backward only when γ or β train.
  const paramsTrain = (gamma?.requiresGrad ?? false) || (beta?.requiresGrad ?? false);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  recordOp({
    kind: 'batchnorm',
    inputs,
    output: y,
    saved: paramsTrain ? [coef, x, mean, variance] : [coef],
    backward: (gy, { needs }) => {
      const gammaAt = gamma ? 1 : -1;
      const betaAt = beta ? inputs.length - 1 : -1;
      const needGamma = gammaAt > 0 && needs[gammaAt];
      const needBeta = betaAt > 0 && needs[betaAt];
      const grads: (Tensor | null)[] = inputs.map(() => null);
      if (needs[0]) grads[0] = applyAffine(gy, coef, 'scale');
      if (needGamma || needBeta) {
        if (!paramsTrain) throw new Error('batchnorm backward: gamma/beta need gradients but did not require them when the forward ran');
        const g = parameterGradients(gy, x, mean, variance, gamma, epsilon, false);
        g.inputCoef.dispose();
        if (gammaAt > 0) grads[gammaAt] = keepIf(needGamma, g.dGamma);
        else g.dGamma.dispose();
        if (betaAt > 0) grads[betaAt] = keepIf(needBeta, g.dBeta);
        else g.dBeta.dispose();
      }
      return grads;
    },
  });
}

/**
 * Training: normalises with this batch's mean and biased variance over all axes but the last, and
 * back-propagates through them (dX includes the terms through the batch mean and variance).
 * Recorded as kind 'batchnorm'; batchMean and batchVariance are plain tensors without gradient.
 */
export function batchNormTraining(x: Tensor, p: BatchNormTrainingParams): BatchNormTrainingResult {
  const op = 'batchNormTraining';
  const c = channelsOf(op, x);
  if (x.size === 0) throw new ShapeError(op, 'x with at least one row to take statistics over', `x of shape ${fmt(x.shape)}`);
  checkChannelVector(op, 'gamma', p.gamma, x, c);
  checkChannelVector(op, 'beta', p.beta, x, c);
  checkEpsilon(op, p.epsilon);
  const { gamma, beta, epsilon } = p;
  const rows = x.size / c;

  const { partial, chunks } = channelPartials({ kind: 'stats', x });
  const batchMean = empty([c]);
  const batchVariance = empty([c]);
  const coef = empty([3, c]);
  dispatch({
    wgsl: k.statsFinalize,
    bindings: [
      partial.buffer,
      { buffer: x.buffer, offset: 0, size: c * 4 },
      (gamma ?? partial).buffer,
      (beta ?? partial).buffer,
      batchMean.buffer,
      batchVariance.buffer,
      coef.buffer,
    ],
    ints: [c, chunks, gamma ? 1 : 0, beta ? 1 : 0],
    floats: [rows, epsilon],
    workgroups: [Math.ceil(c / 64)],
    flops: chunks * c * 2,
  });
  partial.dispose();
  const y = applyAffine(x, coef, 'normalise');
  coef.dispose();

  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  recordOp({
    kind: 'batchnorm',
    inputs,
    output: y,
    saved: [x, batchMean, batchVariance, ...(gamma ? [gamma] : [])],
    backward: (gy, { needs }) => {
      const gammaAt = gamma ? 1 : -1;
      const betaAt = beta ? inputs.length - 1 : -1;
      const g = parameterGradients(gy, x, batchMean, batchVariance, gamma, epsilon, true);
      const grads: (Tensor | null)[] = inputs.map(() => null);
      if (needs[0]) {
        const vec4 = c % 4 === 0;
        const dx = empty(x.shape);
        const lanes = vec4 ? c / 4 : c;
        for (const s of rowSlices(op, rows, c)) {
          dispatch({
            wgsl: vec4 ? k.trainingInputGradientVec4 : k.trainingInputGradientScalar,
            bindings: [sliceOf(gy, s), sliceOf(x, s), g.inputCoef.buffer, sliceOf(dx, s)],
            ints: [s.rows, lanes],
            workgroups: perElementGroups(s.rows, lanes),
            flops: s.size,
          });
        }
        grads[0] = dx;
      }
      g.inputCoef.dispose();
      if (gammaAt > 0) grads[gammaAt] = keepIf(needs[gammaAt], g.dGamma);
      else g.dGamma.dispose();
      if (betaAt > 0) grads[betaAt] = keepIf(needs[betaAt], g.dBeta);
      else g.dBeta.dispose();
      return grads;
    },
  });
  return { y, batchMean, batchVariance };
}

/**
 * Keras' moving-average rule: moving = moving·momentum + batch·(1 − momentum), for the mean and the
 * variance. The variance averaged is the batch's **biased** variance (divided by the row count) as
 * batchNormTraining returns it, which is what Keras does (tf.nn.moments); PyTorch would use the
 * unbiased one. Returns new tensors; the caller disposes the old ones. Not recorded for autodiff.
 */
export function updateRunningStatistics(
  running: { mean: Tensor; variance: Tensor },
  batch: { batchMean: Tensor; batchVariance: Tensor },
  momentum: number,
): { mean: Tensor; variance: Tensor } {
  const op = 'updateRunningStatistics';
  if (!(momentum >= 0 && momentum <= 1)) throw new ShapeError(op, 'momentum in [0, 1]', `momentum ${momentum}`);
  if (running.mean.rank !== 1) throw new ShapeError(op, 'running.mean of shape [C]', `running.mean of shape ${fmt(running.mean.shape)}`);
  const c = running.mean.shape[0];
  const check = (name: string, t: Tensor) => {
    if (t.rank !== 1 || t.shape[0] !== c) throw new ShapeError(op, `${name} of shape [${c}] (as running.mean)`, `${name} of shape ${fmt(t.shape)}`);
  };
  check('running.mean', running.mean);
  check('running.variance', running.variance);
  check('batch.batchMean', batch.batchMean);
  check('batch.batchVariance', batch.batchVariance);
  const blend = (moving: Tensor, observed: Tensor) => {
    const out = empty([c]);
    dispatch({
      wgsl: k.movingAverage,
      bindings: [moving.buffer, observed.buffer, out.buffer],
      ints: [c],
      floats: [momentum, 1 - momentum],
      workgroups: [Math.ceil(c / 64)],
      flops: 3 * c,
    });
    return out;
  };
  return { mean: blend(running.mean, batch.batchMean), variance: blend(running.variance, batch.batchVariance) };
}
