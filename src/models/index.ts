// The model layer: named-node graphs, the native networks, and running them with hooks.
import type { ModelDefinition } from './definition.js';
import { inceptionv3, nsfwjsInceptionv3 } from './inceptionv3.js';
import { resnet50v2 } from './resnet50v2.js';
import { scenesResnet } from './scenes-resnet.js';
import { vgg16 } from './vgg16.js';

export * from './graph.js';
export {
  inferShapes,
  inputShape,
  inputNode,
  parameterSpecs,
  parameterCounts,
  totalParameters,
  type InputSize,
  type ParameterSpec,
  type ParameterKind,
} from './shapes.js';
export { inferRoles, withInferredRoles, rolesOf, automaticTarget, featureMapAfter, roleWarning, type AutomaticTarget } from './roles.js';
export { resolveTarget, nearestNames, editDistance, UnknownNodeError, type ResolvedTarget } from './targets.js';
export { validateWeightShapes, bindWeights, weightMap, WeightError, type WeightSet } from './parameters.js';
export { runGraph, type RunHooks, type RunOptions, type RunResult, type BatchStatistics } from './execute.js';
export { summarize, formatSummary, totalOf, type SummaryRow } from './summary.js';
export { preprocessPixels, preprocessToTensor, PREPROCESSING_MODES, type PreprocessingMode } from './preprocess.js';
export { defineModel, type ModelDefinition } from './definition.js';
export { Model } from './model.js';
export { GraphBuilder } from './builder.js';
export { IMAGENET_LABELS, NSFWJS_LABELS } from './labels/index.js';
export { resnet50v2, resnet50v2Graph } from './resnet50v2.js';
export { vgg16, vgg16Graph } from './vgg16.js';
export { inceptionv3, inceptionv3Graph, nsfwjsInceptionv3, nsfwjsInceptionv3Graph } from './inceptionv3.js';

/** The native definitions by registry name. */
export const NATIVE_MODELS: Readonly<Record<string, () => ModelDefinition>> = Object.freeze({
  resnet50v2,
  vgg16,
  inceptionv3,
  'nsfwjs-inceptionv3': nsfwjsInceptionv3,
  'scenes-resnet': scenesResnet,
});

/** A native definition by name; unknown names list the known ones. */
export function nativeModel(name: string): ModelDefinition {
  const make = NATIVE_MODELS[name];
  if (!make) throw new Error(`unknown model '${name}' (known: ${Object.keys(NATIVE_MODELS).join(', ')})`);
  return make();
}
