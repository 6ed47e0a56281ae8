// Every type of the explanation library in one place, so the CLI and tests read one file.
import type { ColormapName, RgbImage } from '../image/index.js';
import type { Role } from '../models/graph.js';
import type { Shape } from '../tensor/index.js';
import type { MethodName } from './registry.js';

export type { GradientCamMethod, MethodName } from './registry.js';

/** Options shared by explain() and computeLowres(); each method reads the ones it uses. */
export interface MethodOptions {
  /** Score-CAM: keep at most this many channels, those with the largest spatial variance (default 64). */
  scoreCamMaxChannels?: number;
  /** SmoothGrad: noisy copies (default 25). */
  samples?: number;
  /** SmoothGrad: noise σ as a fraction of the input's value range max − min (default 0.15). */
  noise?: number;
  /** Integrated gradients: intervals of the trapezoidal path sum (default 32: 33 gradient evaluations). */
  steps?: number;
  /** Images per batched forward (Score-CAM default 8; SmoothGrad / integrated gradients default 4). */
  batchSize?: number;
  /** SmoothGrad noise seed (default 0: the same noise every run). */
  seed?: number;
  /** Called after each batched pass of the long methods (Score-CAM, SmoothGrad, integrated gradients): done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExplainOptions extends MethodOptions {
  method: MethodName;
  /** 'auto' (default): the model's default target; otherwise a node name or 'node:input' / 'node:inputK'. */
  layer?: 'auto' | string;
  /** Class index, or a label of the model; default: the top-1 class. */
  classIndex?: number | string;
  /** How many top classes to report (default 5). */
  topK?: number;
}

/** A 2-D map, row-major. */
export interface Map2d {
  height: number;
  width: number;
  data: Float32Array;
}

/**
 * - ok: the map has a positive maximum somewhere and is not constant.
 * - all-zero: exactly zero everywhere (no evidence for the class reaches the node: zero gradients, dead units).
 * - all-negative: the method's value before its ReLU is ≤ 0 everywhere and < 0 somewhere: only evidence against the class.
 * - constant: one positive value everywhere; it does not say where to look.
 */
export type MapStatus = 'ok' | 'all-zero' | 'all-negative' | 'constant';

export interface LayerChoice {
  mode: 'auto' | 'named';
  /** One sentence: why this node. */
  reason: string;
  /** Problems with the choice (a node inside a residual branch, a layer the method ignores). */
  warnings: string[];
  /** Facts worth knowing (activations that can be negative). */
  notes: string[];
}

export interface ClassScore {
  index: number;
  label: string;
  probability: number;
}

/** Integrated gradients' completeness check: Σ attributions ≈ y(x) − y(baseline). */
export interface Completeness {
  sumOfAttributions: number;
  scoreDifference: number;
  /** |sum − difference| / |difference|. */
  relativeError: number;
}

/** The pinned conventions of one explanation, written verbatim into the JSON sidecar. */
export type Conventions = Record<string, string | number | boolean>;

/** The signed input gradient (guided methods), HWC with 3 channels at the model's input resolution. */
export interface InputGradient {
  height: number;
  width: number;
  data: Float32Array;
}

export interface Explanation {
  model: string;
  method: MethodName;
  /** The resolved target as used ('post_relu', 'avg_pool:input'); the input node for input-space methods. */
  node: string;
  /** Role of the node whose tensor is explained; 'input' for input-space methods; 'none' for an untagged node. */
  nodeRole: Role | 'input' | 'none';
  /** NHWC shape of the explained tensor. */
  nodeShape: Shape;
  layerChoice: LayerChoice;
  /** The explained class. */
  class: number;
  label: string;
  /** Pre-softmax score of the class on the (unmasked, noise-free) image. */
  logit: number;
  probability: number;
  topk: ClassScore[];
  /** The map after the method's ReLU, before upsampling and normalisation (node resolution, or input resolution for input-space methods). */
  lowres: Map2d;
  min: number;
  max: number;
  status: MapStatus;
  /** Why the map is not drawn as usual, when status is not 'ok'. */
  statusMessage?: string;
  conventions: Conventions;
  /** Guided methods: how many ReLU backward passes the override replaced. */
  overriddenRelus?: number;
  /** Guided methods: the signed RGB gradient at the model input (before the channel max of the map). */
  inputGradient?: InputGradient;
  /** Integrated gradients only. */
  completeness?: Completeness;
  /** Method notes (e.g. a completeness error above 1 %). */
  notes: string[];
  /** Model input size the image was resized to. */
  inputSize: { height: number; width: number };
  elapsedMs: number;
}

export interface RenderOptions {
  colormap?: ColormapName;
  /** Heat-map weight in the overlay, in [0, 1] (default 0.5). */
  alpha?: number;
}

export interface Rendering {
  /** Heat map blended over the original picture, at the original size. */
  overlay: RgbImage;
  /** The coloured, normalised map alone, at the original size. */
  heatmap: RgbImage;
  status: MapStatus;
  /** Set when status is not 'ok': the picture is flat and this says why. */
  warning?: string;
  /** Guided methods: the signed input gradient as a picture (normalised as in the Grad-CAM authors' code), original size. */
  gradient?: RgbImage;
}

/** What a method's compute needs besides the model and the input tensor. */
export interface MethodRequest extends MethodOptions {
  /** The method's name, for messages. */
  method: string;
  /** Resolved target for the methods that hook a layer ('post_relu', 'avg_pool:input'); ignored by the others. */
  node?: string;
  /** Default: top-1 of the image's logits. */
  classIndex?: number;
}

/** What computeLowres needs besides the model and the input tensor. */
export interface LowresRequest extends MethodRequest {
  method: MethodName;
}

export interface LowresResult {
  map: Map2d;
  /**
   * The map before the method's final ReLU (CAMs, guided methods) or absolute value (saliency: the
   * gradient of the channel with the largest magnitude; integrated gradients: the channel sum), at
   * the map's resolution; absent for SmoothGrad, a mean of absolute values.
   */
  signed?: Map2d;
  /** Status of the map (see MapStatus), judged on the values before the method's ReLU. */
  status: MapStatus;
  /** The class explained. */
  classIndex: number;
  /** Logits of the unmodified input (row 0). */
  logits: Float32Array;
  /** Shape of the explained tensor (the input for input-space methods). */
  nodeShape: Shape;
  overriddenRelus?: number;
  inputGradient?: InputGradient;
  completeness?: Completeness;
  /** Counts and settings the conventions report (forwards run, channels scored, noise σ…). */
  details: MethodDetails;
  /** Method notes (e.g. a completeness error above 1 %). */
  notes: string[];
}

/** What a method actually did, for its conventions. */
export interface MethodDetails {
  forwards?: number;
  batchSize?: number;
  channels?: number;
  maxChannels?: number;
  samples?: number;
  noise?: number;
  sigma?: number;
  seed?: number;
  steps?: number;
}
