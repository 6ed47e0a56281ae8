// One entry for every method: model + input tensor + node + class → the low-resolution map, before
// upsampling and normalisation. explain() builds on it; tests call it directly with their own inputs.
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { argmax } from './classes.js';
import { eigencamProjection } from './eigencam.js';
import { assertFeatureMap, assertSingleImage, gradientCams, nodeValues } from './gradient-cams.js';
import { guidedBackprop, guidedGradcam, keptActivationsNote } from './guided.js';
import {
  GRADIENT_DEFAULT_BATCH, IG_DEFAULT_STEPS, SMOOTHGRAD_DEFAULT_NOISE, SMOOTHGRAD_DEFAULT_SAMPLES,
  integratedGradients, inputGradient, maxAbs, overChannels, smoothGrad, sum,
} from './input-gradients.js';
import { rectify } from './map-status.js';
import { RecordedForward } from './recorded-forward.js';
import { SCORECAM_DEFAULT_BATCH, SCORECAM_DEFAULT_MAX_CHANNELS, scoreCam } from './scorecam.js';
import { GRADIENT_CAM_METHODS, METHOD_NAMES, type GradientCamMethod, type LowresRequest, type LowresResult, type MethodName } from './types.js';

/** IG completeness error above which a note suggests more steps. */
export const COMPLETENESS_TOLERANCE = 0.01;

export function assertMethod(method: string): asserts method is MethodName {
  if (!(METHOD_NAMES as readonly string[]).includes(method)) throw new Error(`unknown method '${method}' (known: ${METHOD_NAMES.join(', ')})`);
}

function requireNode(request: LowresRequest): string {
  if (request.node === undefined) throw new Error(`${request.method} needs a target node`);
  return request.node;
}

function isGradientCam(method: MethodName): method is GradientCamMethod {
  return (GRADIENT_CAM_METHODS as readonly string[]).includes(method);
}

/** The guided methods' notes: the activations they leave unchanged, if any. */
function guidedNotes(model: Model): string[] {
  const note = keptActivationsNote(model.graph);
  return note ? [note] : [];
}

/**
 * Computes the method's map for one input image ([1, H, W, C], already preprocessed). Every
 * tensor made here is released before it returns; the input is left as given.
 */
export async function computeLowres(model: Model, input: Tensor, request: LowresRequest): Promise<LowresResult> {
  const { method } = request;
  assertMethod(method);
  assertSingleImage(method, input);
  const inputShape = input.shape;
  const [, height, width, channels] = inputShape;

  if (isGradientCam(method)) {
    const node = requireNode(request);
    const r = await gradientCams(model, input, [node], method, request.classIndex);
    const m = r.maps[0];
    return { map: m.map, status: m.status, classIndex: r.classIndex, logits: r.logits, nodeShape: m.shape, details: { forwards: 1 }, notes: [] };
  }

  switch (method) {
    case 'eigencam': {
      const node = requireNode(request);
      const forward = RecordedForward.run(model, input, { keep: [node] });
      try {
        const a = forward.activation(node);
        assertFeatureMap(method, node, a);
        const [logits, values] = await Promise.all([forward.logits.read(), a.read()]);
        const { map, status } = rectify(eigencamProjection(nodeValues(a.shape, values)), `eigencam at '${node}'`);
        const classIndex = request.classIndex ?? argmax(logits);
        return { map: { height: a.shape[1], width: a.shape[2], data: map }, status, classIndex, logits, nodeShape: a.shape, details: { forwards: 1 }, notes: [] };
      } finally {
        forward.dispose();
      }
    }
    case 'scorecam': {
      const node = requireNode(request);
      const maxChannels = request.scoreCamMaxChannels ?? SCORECAM_DEFAULT_MAX_CHANNELS;
      const batchSize = request.batchSize ?? SCORECAM_DEFAULT_BATCH;
      const r = await scoreCam(model, input, node, { classIndex: request.classIndex, maxChannels, batchSize });
      const { map, status } = rectify(r.preRelu, `scorecam at '${node}'`);
      const notes = r.channels.length < r.shape[3] ? [`Score-CAM scored ${r.channels.length} of ${r.shape[3]} channels (those with the largest spatial variance; raise scoreCamMaxChannels for more).`] : [];
      return {
        map: { height: r.shape[1], width: r.shape[2], data: map }, status, classIndex: r.classIndex, logits: r.logits, nodeShape: r.shape,
        details: { forwards: r.forwards, batchSize, channels: r.channels.length, maxChannels }, notes,
      };
    }
    case 'saliency': {
      const pass = await inputGradient(model, input, request.classIndex);
      const { map, status } = rectify(overChannels(pass.gradient, channels, maxAbs, 0), 'saliency');
      return { map: { height, width, data: map }, status, classIndex: pass.classIndex, logits: pass.logits, nodeShape: inputShape, details: { forwards: 1 }, notes: [] };
    }
    case 'guided-backprop': {
      const r = await guidedBackprop(model, input, request.classIndex);
      return { map: r.map, status: r.status, classIndex: r.classIndex, logits: r.logits, nodeShape: inputShape, overriddenRelus: r.overriddenRelus, inputGradient: r.inputGradient, details: { forwards: 1 }, notes: guidedNotes(model) };
    }
    case 'guided-gradcam': {
      const node = requireNode(request);
      const r = await guidedGradcam(model, input, node, request.classIndex);
      return { map: r.map, status: r.status, classIndex: r.classIndex, logits: r.logits, nodeShape: inputShape, overriddenRelus: r.overriddenRelus, inputGradient: r.inputGradient, details: { forwards: 1 }, notes: guidedNotes(model) };
    }
    case 'smoothgrad': {
      const samples = request.samples ?? SMOOTHGRAD_DEFAULT_SAMPLES;
      const noise = request.noise ?? SMOOTHGRAD_DEFAULT_NOISE;
      const batchSize = request.batchSize ?? GRADIENT_DEFAULT_BATCH;
      const seed = request.seed ?? 0;
      const r = await smoothGrad(model, input, { classIndex: request.classIndex, samples, noise, batchSize, seed });
      const { map, status } = rectify(r.map, 'smoothgrad');
      return { map: { height, width, data: map }, status, classIndex: r.classIndex, logits: r.logits, nodeShape: inputShape, details: { forwards: r.forwards + 1, batchSize, samples, noise, sigma: r.sigma, seed }, notes: [] };
    }
    case 'integrated-gradients': {
      const steps = request.steps ?? IG_DEFAULT_STEPS;
      const batchSize = request.batchSize ?? GRADIENT_DEFAULT_BATCH;
      const r = await integratedGradients(model, input, { classIndex: request.classIndex, steps, batchSize });
      const perPixel = overChannels(r.attributions, channels, sum, 0).map(Math.abs);
      const { map, status } = rectify(perPixel, 'integrated gradients');
      const c = r.completeness;
      const notes = c.relativeError > COMPLETENESS_TOLERANCE
        ? [`integrated gradients: the attributions sum to ${c.sumOfAttributions.toPrecision(6)} but y(x) − y(baseline) = ${c.scoreDifference.toPrecision(6)} (${(100 * c.relativeError).toFixed(2)} % apart, above ${100 * COMPLETENESS_TOLERANCE} %); use more steps.`]
        : [];
      return { map: { height, width, data: map }, status, classIndex: r.classIndex, logits: r.logits, nodeShape: inputShape, completeness: c, details: { forwards: r.forwards + 1, batchSize, steps }, notes };
    }
  }
}
