// The library as Node users import it (`import { loadModel, explain } from 'gradscope'`): models,
// explanation methods, analyses, and the engine underneath for research code (tapes, taps, backward
// overrides, memory). Node-only conveniences (load from a path or a zoo name, read and write image
// files, start Dawn) come from the edge modules re-exported here; the core takes bytes and tensors.
// The declarations name WebGPU types (GPUBuffer, GPUDevice): users typecheck against @webgpu/types, a dependency.
/// <reference types="@webgpu/types" preserve="true" />

// Models: load (zoo name, .safetensors path or bytes), run with hooks, summarise.
export { loadModel, MissingWeightsError, WEIGHTS_DIR, type LoadOptions } from './models/load.js';
export { modelFromBytes } from './models/load-bytes.js';
export {
  Model,
  runGraph,
  NATIVE_MODELS,
  nativeModel,
  defineModel,
  GraphBuilder,
  IMAGENET_LABELS,
  type ModelDefinition,
  type RunHooks,
  type RunOptions,
  type RunResult,
  type SummaryRow,
  type InputSize,
} from './models/index.js';
export { WeightFileError } from './models/safetensors.js';

// Explanations, evolution across depth, gradient flow through residual shortcuts.
export {
  explain,
  renderExplanation,
  resolveClass,
  topClasses,
  chooseTarget,
  METHOD_NAMES,
  UnknownClassError,
  UnknownNodeError,
  type Explanation,
  type ExplainOptions,
  type MethodName,
  type MethodOptions,
  type RenderOptions,
  type Rendering,
  type Map2d,
  type ClassScore,
  type LayerChoice,
} from './methods/index.js';
export { evolution, EVOLUTION_METHODS, type EvolutionMethod, type EvolutionRequest, type EvolutionResult, type EvolutionMap } from './analyses/evolution.js';
export { evolutionNodes, type EvolutionNode, type NodeSelection } from './analyses/evolution-nodes.js';
export { gradientFlow as gradflow, NoResidualBlocksError, type GradflowOptions, type GradflowResult, type BlockFlow } from './analyses/gradflow.js';

// Images: read (PNG/JPEG by content), resize to a model's input, encode.
export { modelInputPixels, ImageError, COLORMAP_NAMES, type RgbImage, type ColormapName } from './image/index.js';
export { readImage } from './image/read-image.js';
export { encodePng, writePng } from './image/write-png.js';

// The engine: tensors, the tape, taps and backward overrides, scopes and GPU memory.
export {
  Tensor,
  tensor,
  zeros,
  scalar,
  Tape,
  watch,
  withOverrides,
  tidy,
  keep,
  memoryStats,
  initGpu,
  releaseGpu,
  synchronize,
  NoAdapterError,
  type BackwardResult,
  type MemoryStats,
  type Shape,
} from './tensor/index.js';
