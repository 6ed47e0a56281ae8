// An image and a model in, an explanation out: resize and preprocess as the model expects, choose
// the target, run the method, and gather everything the picture and its JSON sidecar report.
import { modelInputPixels, type RgbImage } from '../image/index.js';
import type { Model } from '../models/model.js';
import { inferShapes } from '../models/shapes.js';
import { labelOf, resolveClass, softmax, topClasses } from './classes.js';
import { chooseTarget } from './layer-choice.js';
import { computeLowres } from './lowres.js';
import { statusMessage } from './map-status.js';
import { assertMethod, conventionsFor, usesLayer } from './registry.js';
import type { ExplainOptions, Explanation, LowresResult } from './types.js';

export const DEFAULT_TOP_K = 5;

/** Number of classes the model outputs (its last node's width). */
export function classCount(model: Model): number {
  const shapes = inferShapes(model.graph);
  const out = shapes.get(model.graph.nodes[model.graph.nodes.length - 1].name);
  return out?.[out.length - 1] ?? model.definition.labels.length;
}

/**
 * Explains `image` (any size; stretched to the model's input size) for one class. Layer and class
 * problems (unknown node, node that is not a feature map, unknown label) throw before any GPU work.
 */
export async function explain(model: Model, image: RgbImage, opts: ExplainOptions): Promise<Explanation> {
  const started = performance.now();
  assertMethod(opts.method);
  const { method } = opts;
  const { height, width } = model.definition.inputSize;
  const choice = chooseTarget(model.definition, opts.layer, method, { height, width });
  const labels = model.definition.labels;
  const classes = classCount(model);
  const requested = opts.classIndex === undefined ? undefined : resolveClass(opts.classIndex, labels, classes);
  const topK = opts.topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be a non-negative integer, given ${topK}`);

  const pixels = modelInputPixels(image, width, height);
  const input = model.preprocess(pixels.data);
  let result: LowresResult;
  try {
    result = await computeLowres(model, input, { ...opts, node: choice.node, classIndex: requested });
  } finally {
    input.dispose();
  }

  const probabilities = softmax(result.logits);
  const cls = result.classIndex;
  let min = Infinity,
    max = -Infinity;
  for (const v of result.map.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const where = usesLayer(method) ? `the ${method} map at '${choice.node}'` : `the ${method} map`;
  const message = statusMessage(result.status, where);
  return {
    model: model.name,
    method,
    node: choice.node,
    nodeRole: choice.nodeRole,
    nodeShape: result.nodeShape,
    layerChoice: choice.layerChoice,
    class: cls,
    label: labelOf(labels, cls),
    logit: result.logits[cls],
    probability: probabilities[cls],
    topk: topClasses(probabilities, labels, topK),
    lowres: result.map,
    min,
    max,
    status: result.status,
    ...(message ? { statusMessage: message } : {}),
    conventions: conventionsFor(method, result.details),
    ...(result.overriddenRelus !== undefined ? { overriddenRelus: result.overriddenRelus } : {}),
    ...(result.inputGradient ? { inputGradient: result.inputGradient } : {}),
    ...(result.completeness ? { completeness: result.completeness } : {}),
    notes: result.notes,
    inputSize: { height, width },
    elapsedMs: performance.now() - started,
  };
}
