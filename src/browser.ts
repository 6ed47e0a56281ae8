// The library's entry for pages: the same core as the Node entry, with models, weights and images
// taken as bytes and pixels (no paths). A page's bundler swaps in the browser edges (navigator.gpu, the
// HTML canvas: web/platform/browser-edges.ts); with them, nothing below this file imports anything
// Node-only (test/platform/core-imports.test.ts walks the graph).
export * from './tensor/index.js';
export { NoWebGpuError } from './tensor/gpu.js';
export { modelFromBytes, modelFromWeights } from './models/load-bytes.js';
export { parseWeightsFile, sha256Hex, WeightFileError, type WeightsFile, type WeightsMetadata } from './models/weights-format.js';
export { Model } from './models/model.js';
export {
  NATIVE_MODELS,
  inferShapes,
  rolesOf,
  automaticTarget,
  resolveTarget,
  summarize,
  preprocessPixels,
  PREPROCESSING_MODES,
  UnknownNodeError,
  type PreprocessingMode,
} from './models/index.js';
export * from './methods/index.js';
export { evolution, EVOLUTION_METHODS, type EvolutionMethod, type EvolutionResult } from './analyses/evolution.js';
export { evolutionNodes, NODE_SELECTIONS, type EvolutionNode } from './analyses/evolution-nodes.js';
export { evolutionDocument } from './analyses/evolution-document.js';
export { gradientFlow, NoResidualBlocksError, type GradflowResult } from './analyses/gradflow.js';
export { gradflowDocument } from './analyses/gradflow-document.js';
export { evolutionGrid, evolutionMethodWords } from './report/evolution-figure.js';
export { gradflowChart, gradflowGrid } from './report/gradflow-figure.js';
export {
  decodeImage,
  type PngDecoder,
  resizeRgb,
  modelInputPixels,
  upsampleMap,
  normalizeMap,
  colormap,
  COLORMAP_NAMES,
  heatmapImage,
  overlay,
  ImageError,
  opaqueRgba,
  type RgbImage,
  type ColormapName,
} from './image/index.js';
export { sidecarDocument, type ImageRecord } from './cli/sidecar-document.js';
export type { WeightsRecord } from './cli/model-source.js';
