// Registry entries of the methods whose map lives at the input resolution: guided backprop,
// guided Grad-CAM, saliency, SmoothGrad and integrated gradients.
import { LOGIT } from './conventions.js';
import { guidedBackprop, guidedGradcam, keptActivationsNote, type GuidedResult } from './guided.js';
import {
  COMPLETENESS_TOLERANCE,
  GRADIENT_DEFAULT_BATCH,
  IG_DEFAULT_STEPS,
  SMOOTHGRAD_DEFAULT_NOISE,
  SMOOTHGRAD_DEFAULT_SAMPLES,
  integratedGradients,
  inputGradient,
  largestMagnitude,
  maxAbs,
  overChannels,
  smoothGrad,
  sum,
} from './input-gradients.js';
import { rectify } from './map-status.js';
import { requireNode, type MethodEntry } from './method-entry.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/index.js';
import type { LowresResult } from './types.js';

/** Both guided methods' result: the map at the input resolution, the override count, and a note naming the activations left unchanged. */
function guidedLowres(model: Model, input: Tensor, r: GuidedResult): LowresResult {
  const note = keptActivationsNote(model.graph);
  return {
    map: r.map,
    signed: r.signed,
    status: r.status,
    classIndex: r.classIndex,
    logits: r.logits,
    nodeShape: input.shape,
    overriddenRelus: r.overriddenRelus,
    inputGradient: r.inputGradient,
    details: { forwards: 1 },
    notes: note ? [note] : [],
  };
}

const guidedBackpropEntry: MethodEntry = {
  kind: 'input-space',
  usesLayer: false,
  cost: 'fast',
  reads: [],
  conventions: () => ({
    targetScore: LOGIT,
    passes: 'one forward, one backward to the input with every ReLU backward replaced by the guided rule (gradient passes where input > 0 and gradient > 0)',
    map: 'max over RGB channels of ReLU(dy/dx) per pixel, at the input resolution',
    image: 'the signed RGB gradient is kept (inputGradient) and drawn as an image: (g - mean) / (std + 1e-5) * 0.1 + 0.5, clipped to [0, 1]',
    relu: 'on the gradient, before the channel max',
  }),
  async compute(model, input, request) {
    const r = await guidedBackprop(model, input, request.classIndex);
    return guidedLowres(model, input, r);
  },
};

const guidedGradcamEntry: MethodEntry = {
  kind: 'input-space',
  usesLayer: true,
  cost: 'slow',
  reads: [],
  conventions: () => ({
    targetScore: LOGIT,
    passes: 'one forward; one plain backward for Grad-CAM at the node and one guided backward to the input',
    map: 'Grad-CAM map upsampled bilinearly (half-pixel centres) to the input resolution, times max over RGB channels of ReLU(guided dy/dx)',
    weighting: 'Grad-CAM: alpha_k = spatial mean of dy/dA_k, ReLU(sum_k alpha_k A_k)',
    relu: 'Grad-CAM ReLU, and on the guided gradient before the channel max',
  }),
  async compute(model, input, request) {
    const r = await guidedGradcam(model, input, requireNode(request), request.classIndex);
    return guidedLowres(model, input, r);
  },
};

const saliency: MethodEntry = {
  kind: 'input-space',
  usesLayer: false,
  cost: 'fast',
  reads: [],
  conventions: () => ({
    targetScore: LOGIT,
    passes: 'one forward, one backward to the input',
    map: 'max over RGB channels of |dy/dx| per pixel, at the input resolution',
    relu: 'none (absolute value)',
  }),
  async compute(model, input, request) {
    const [, height, width, channels] = input.shape;
    const pass = await inputGradient(model, input, request.classIndex);
    const { map, status } = rectify(overChannels(pass.gradient, channels, maxAbs, 0), 'saliency');
    const signed = Float32Array.from(overChannels(pass.gradient, channels, largestMagnitude, 0));
    return {
      map: { height, width, data: map },
      signed: { height, width, data: signed },
      status,
      classIndex: pass.classIndex,
      logits: pass.logits,
      nodeShape: input.shape,
      details: { forwards: 1 },
      notes: [],
    };
  },
};

const smoothgrad: MethodEntry = {
  kind: 'input-space',
  usesLayer: false,
  cost: 'slow',
  reads: ['samples', 'noise', 'seed', 'batchSize'],
  conventions: (details) => ({
    targetScore: LOGIT,
    passes:
      `one forward of the clean image for the class, then ${details.forwards ?? '?'} batched ` +
      `forward+backward passes of up to ${details.batchSize ?? '?'} noisy copies`,
    map: `mean over ${details.samples ?? '?'} noisy copies of max over RGB channels of |dy/dx|`,
    noise: `Gaussian, sigma = ${details.noise ?? '?'} * (max - min) of the preprocessed input = ${details.sigma ?? '?'}, seed ${details.seed ?? 0}`,
    relu: 'none (absolute value)',
  }),
  async compute(model, input, request) {
    const [, height, width] = input.shape;
    const samples = request.samples ?? SMOOTHGRAD_DEFAULT_SAMPLES;
    const noise = request.noise ?? SMOOTHGRAD_DEFAULT_NOISE;
    const batchSize = request.batchSize ?? GRADIENT_DEFAULT_BATCH;
    const seed = request.seed ?? 0;
    const r = await smoothGrad(model, input, { classIndex: request.classIndex, samples, noise, batchSize, seed, onProgress: request.onProgress });
    const { map, status } = rectify(r.map, 'smoothgrad');
    return {
      map: { height, width, data: map },
      status,
      classIndex: r.classIndex,
      logits: r.logits,
      nodeShape: input.shape,
      details: { forwards: r.forwards + 1, batchSize, samples, noise, sigma: r.sigma, seed },
      notes: [],
    };
  },
};

const integratedGradientsEntry: MethodEntry = {
  kind: 'input-space',
  usesLayer: false,
  cost: 'slow',
  reads: ['steps', 'batchSize'],
  conventions: (details) => ({
    targetScore: LOGIT,
    baseline: 'black image in pixel space (all pixels 0), run through the model preprocessing',
    path: `straight line, trapezoidal rule over alpha = k/${details.steps ?? '?'}, k = 0..${details.steps ?? '?'} (both ends at half weight)`,
    passes:
      `one forward of the clean image for the class, then ${details.forwards ?? '?'} batched ` +
      `forward+backward passes of up to ${details.batchSize ?? '?'} path points`,
    attribution: '(x - baseline) * path-averaged dy/dx, per input value',
    map: '|sum over RGB channels of the attributions| per pixel',
    completeness: 'sum of attributions compared with y(x) - y(baseline), both from the path ends',
    relu: 'none (absolute value)',
  }),
  async compute(model, input, request) {
    const [, height, width, channels] = input.shape;
    const steps = request.steps ?? IG_DEFAULT_STEPS;
    const batchSize = request.batchSize ?? GRADIENT_DEFAULT_BATCH;
    const r = await integratedGradients(model, input, { classIndex: request.classIndex, steps, batchSize, onProgress: request.onProgress });
    const channelSum = overChannels(r.attributions, channels, sum, 0);
    const { map, status } = rectify(channelSum.map(Math.abs), 'integrated gradients');
    const c = r.completeness;
    const notes =
      c.relativeError > COMPLETENESS_TOLERANCE
        ? [
            `integrated gradients: the attributions sum to ${c.sumOfAttributions.toPrecision(6)} but y(x) − ` +
              `y(baseline) = ${c.scoreDifference.toPrecision(6)} ` +
              `(${(100 * c.relativeError).toFixed(2)} % apart, above ${100 * COMPLETENESS_TOLERANCE} %); use more steps.`,
          ]
        : [];
    return {
      map: { height, width, data: map },
      signed: { height, width, data: Float32Array.from(channelSum) },
      status,
      classIndex: r.classIndex,
      logits: r.logits,
      nodeShape: input.shape,
      completeness: c,
      details: { forwards: r.forwards + 1, batchSize, steps },
      notes,
    };
  },
};

/** In the order the CLI lists them. */
export const INPUT_METHODS = {
  'guided-backprop': guidedBackpropEntry,
  'guided-gradcam': guidedGradcamEntry,
  saliency,
  smoothgrad,
  'integrated-gradients': integratedGradientsEntry,
};
