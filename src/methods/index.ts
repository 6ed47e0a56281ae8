// Explanation methods over a model's activations and gradients: Grad-CAM and relatives, Score-CAM,
// Eigen-CAM, guided backprop, saliency, SmoothGrad and integrated gradients; target-layer choice,
// rendering at the original image size, and the JSON sidecar.
export * from './types.js';
export { explain, classCount, DEFAULT_TOP_K } from './explain.js';
export { computeLowres } from './lowres.js';
export {
  METHODS,
  METHOD_NAMES,
  GRADIENT_CAM_METHODS,
  assertMethod,
  conventionsFor,
  gradientCams,
  isGradientCam,
  isMethodName,
  methodEntry,
  methodsOfCost,
  usesLayer,
} from './registry.js';
export type { CamFormula, MethodCost, MethodEntry, MethodKind } from './method-entry.js';
export { nodeCams, type NodeMap, type GradientCamResult, type NamedCamFormula } from './gradient-cams.js';
export { chooseTarget, type TargetChoice } from './layer-choice.js';
export { renderExplanation, gradientImage, DEFAULT_ALPHA, DEFAULT_COLORMAP } from './render.js';
export { sidecarJson } from './sidecar.js';
export { resolveClass, topClasses, softmax, UnknownClassError } from './classes.js';
export { RENDERING } from './conventions.js';
export { negativeValuesPossible, negativeActivationNote } from './activation-sign.js';
export { SCORECAM_DEFAULT_BATCH, SCORECAM_DEFAULT_MAX_CHANNELS } from './scorecam.js';
export { SMOOTHGRAD_DEFAULT_NOISE, SMOOTHGRAD_DEFAULT_SAMPLES, IG_DEFAULT_STEPS, GRADIENT_DEFAULT_BATCH, COMPLETENESS_TOLERANCE } from './input-gradients.js';
export { UnknownNodeError } from '../models/targets.js';
