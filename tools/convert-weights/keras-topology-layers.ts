// One Keras layer → one graph node with the same name (Keras semantics made explicit: TF 'same'
// padding, average pools that divide by the cells inside the image, channels-last only). A layer
// this importer cannot express returns an `unsupported` reason instead of a node; the caller groups
// the reasons so one error lists every problem at once.
import type { Activation, GraphNode, Pair, PaddingSpec } from '../../src/models/graph.js';
import type { Padding } from '../../src/ops/padding.js';
import type { NamedTensor } from '../../src/models/safetensors.js';
import type { Json, JsonObject, KerasLayerRecord } from './keras-topology-config.js';
import { opLambdaLayer } from './keras-topology-oplambda.js';

/** A node, or why not: `unsupported` is '' when the layer class itself is unknown here. */
export type LayerResult =
  | {
      readonly node: GraphNode;
      readonly droppedSoftmax?: boolean;
      /** Nodes the layer needs before its own (a Rescaling's constants and product), in order. */
      readonly before?: GraphNode[];
      /** Values of the constant nodes it adds, `<node>/value` (not weights of the file). */
      readonly constants?: ReadonlyMap<string, NamedTensor>;
      /** The node that holds the layer's weights when it is not the layer's own (`<layer>/linear`). */
      readonly weightsNode?: string;
    }
  | { readonly unsupported: string };

/** Context a layer needs beyond its own config. */
export interface LayerContext {
  /** True for the model's output layer: a softmax there is dropped (the graph outputs logits). */
  readonly isOutput: boolean;
  /** A Sequential model's input shape, taken from its first layer. */
  readonly inputShape?: Json;
  /** Height and width for an input whose spatial size the config leaves open (None). */
  readonly inputSize?: { readonly height: number; readonly width: number };
  /** The shape of the layer's first input (NHWC for maps), from the nodes made so far. */
  readonly inputShapeOf?: () => readonly number[];
}

const ok = (node: GraphNode, droppedSoftmax = false): LayerResult => (droppedSoftmax ? { node, droppedSoftmax } : { node });
const no = (unsupported: string): LayerResult => ({ unsupported });

function pair(v: Json | undefined, fallback?: Pair): Pair | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) return [v[0] as number, v[1] as number];
  if ((v === undefined || v === null) && fallback) return fallback;
  return undefined;
}

function tfPadding(v: Json | undefined): PaddingSpec | undefined {
  if (v === undefined || v === 'valid') return 'valid';
  if (v === 'same') return 'same';
  return undefined;
}

function channelsLast(config: JsonObject): boolean {
  return config.data_format === undefined || config.data_format === null || config.data_format === 'channels_last';
}

/** A layer's `activation=`: fused on its node (relu), dropped (a softmax at the output), or its own node after it. */
interface LayerActivation {
  readonly activation?: Activation;
  readonly droppedSoftmax?: boolean;
  /** A Keras activation name that activationNode maps, applied as a node of its own. */
  readonly separate?: string;
}

/**
 * 'linear' → none, 'relu' → fused, 'softmax' → dropped when the layer is the output; any other name the
 * Activation layer knows (activationNode) → its own node; else unsupported.
 */
function activationOf(config: JsonObject, ctx: LayerContext): LayerActivation | string {
  const a = config.activation ?? 'linear';
  if (a === 'linear' || a === null) return {};
  if (a === 'relu') return { activation: 'relu' };
  if (a === 'softmax' && ctx.isOutput) return { droppedSoftmax: true };
  if (typeof a === 'string' && activationNode(a, '', []) !== undefined) return { separate: a };
  return `activation=${JSON.stringify(a)}`;
}

/**
 * A layer whose activation is its own node: the layer's node (and its weights) becomes `<layer>/linear`, as the
 * TF.js graph importer names a convolution before its activation, and the activation node carries the layer's
 * name, so that the layer's name still means its output (hooks, inputs of later layers).
 */
function activated(node: GraphNode, act: LayerActivation, before: GraphNode[] = []): LayerResult {
  if (act.separate === undefined) return before.length > 0 ? { node, before } : ok(node);
  const linear = `${node.name}/linear`;
  const after = activationNode(act.separate, node.name, [linear]) as GraphNode;
  return { node: after, before: [...before, { ...node, name: linear }], weightsNode: linear };
}

/** ZeroPadding2D: 1, [h, w] or [[top, bottom], [left, right]]. */
function zeroPadding(v: Json | undefined): Padding | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { top: v, bottom: v, left: v, right: v };
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v;
    if (typeof h === 'number' && typeof w === 'number') return { top: h, bottom: h, left: w, right: w };
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2 && [...h, ...w].every((d) => typeof d === 'number' && d >= 0)) {
      return { top: h[0] as number, bottom: h[1] as number, left: w[0] as number, right: w[1] as number };
    }
  }
  return undefined;
}

/** [null, H, W, C] → the input node's attrs; open H and W (null) are taken from `size`. */
function inputAttrs(shape: Json | undefined, size: LayerContext['inputSize']): { height: number; width: number; channels: number } | string {
  if (!Array.isArray(shape) || shape.length !== 4)
    return `input shape ${JSON.stringify(shape ?? null)} (an image input [batch, height, width, channels] is needed)`;
  const [, h0, w0, c] = shape;
  const h = h0 === null && size ? size.height : h0;
  const w = w0 === null && size ? size.width : w0;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    return `input shape ${JSON.stringify(shape)} (height and width must be fixed: pass --input-size HxW; channels must be a number)`;
  }
  return { height: h, width: w, channels: c };
}

function perSample(shape: Json | undefined): number[] | undefined {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && (d > 0 || d === -1))) return undefined;
  return shape as number[];
}

export function convertLayer(layer: KerasLayerRecord, ctx: LayerContext): LayerResult {
  const { name, config: c, inputs } = layer;
  switch (layer.className) {
    case 'InputLayer': {
      const attrs = inputAttrs(c.batch_input_shape ?? c.batch_shape ?? ctx.inputShape, ctx.inputSize);
      return typeof attrs === 'string' ? no(attrs) : ok({ name, op: 'input', inputs: [], attrs });
    }
    case 'Conv2D': {
      const kernel = pair(c.kernel_size),
        strides = pair(c.strides, [1, 1]),
        dilations = pair(c.dilation_rate, [1, 1]);
      const padding = tfPadding(c.padding);
      const act = activationOf(c, ctx);
      if (!channelsLast(c)) return no(`data_format=${JSON.stringify(c.data_format)}`);
      if (typeof act === 'string') return no(act);
      if (act.droppedSoftmax) return no('activation="softmax" on a convolution');
      if (!kernel || !strides || !dilations) return no(`kernel_size/strides/dilation_rate ${JSON.stringify([c.kernel_size, c.strides, c.dilation_rate])}`);
      if (!padding) return no(`padding=${JSON.stringify(c.padding)}`);
      if (c.groups !== undefined && c.groups !== 1) return no(`groups=${JSON.stringify(c.groups)}`);
      if (typeof c.filters !== 'number') return no('no filters');
      const attrs: Extract<GraphNode, { op: 'conv2d' }>['attrs'] = { filters: c.filters, kernel, strides, dilations, padding, useBias: c.use_bias !== false };
      if (act.activation) attrs.activation = act.activation;
      return activated({ name, op: 'conv2d', inputs, attrs }, act);
    }
    case 'Dense': {
      const act = activationOf(c, ctx);
      if (typeof act === 'string') return no(act);
      if (typeof c.units !== 'number') return no('no units');
      const attrs: Extract<GraphNode, { op: 'dense' }>['attrs'] = { units: c.units, useBias: c.use_bias !== false };
      if (act.activation) attrs.activation = act.activation;
      return act.droppedSoftmax ? ok({ name, op: 'dense', inputs, attrs }, true) : activated({ name, op: 'dense', inputs, attrs }, act);
    }
    case 'BatchNormalization': {
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
      if (axis !== -1 && axis !== 3) return no(`axis=${JSON.stringify(c.axis)} (only the channel axis, 3 or -1)`);
      const epsilon = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
      return ok({ name, op: 'batchnorm', inputs, attrs: { epsilon, center: c.center !== false, scale: c.scale !== false } });
    }
    case 'Activation': {
      const a = c.activation;
      if (a === 'linear') return ok({ name, op: 'identity', inputs, attrs: { was: 'linear activation' } });
      if (a === 'softmax') return softmaxLayer(name, inputs, ctx);
      const node = typeof a === 'string' ? activationNode(a, name, inputs) : undefined;
      return node ? ok(node) : no(`activation=${JSON.stringify(a)}`);
    }
    case 'Permute': {
      // dims are 1-based axes of one sample; the graph's transpose permutes with the batch axis 0 first.
      const dims = c.dims;
      const rank = ctx.inputShapeOf?.().length;
      if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number') || rank !== dims.length + 1) return no(`dims=${JSON.stringify(dims)}`);
      return ok({ name, op: 'transpose', inputs, attrs: { perm: [0, ...(dims as number[])] } });
    }
    case 'LayerNormalization': {
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
      const rank = ctx.inputShapeOf?.().length;
      if (axis !== -1 && axis !== (rank ?? 0) - 1) return no(`axis=${JSON.stringify(c.axis)} (only the last axis)`);
      const epsilon = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
      return ok({ name, op: 'layernorm', inputs, attrs: { epsilon, scale: c.scale !== false, center: c.center !== false } });
    }
    case 'Rescaling':
      return rescaling(name, inputs, c);
    case 'Normalization':
      return normalization(name, inputs, c, ctx);
    case 'Multiply':
      return inputs.length === 2 ? ok({ name, op: 'mul', inputs, attrs: {} }) : no(`${inputs.length} inputs (2 are supported)`);
    case 'ReLU': {
      // Keras: x ≥ threshold ? min(x, max_value) : negative_slope·(x − threshold).
      const max = c.max_value === undefined || c.max_value === null ? undefined : c.max_value;
      const slope = c.negative_slope ?? 0;
      const threshold = c.threshold ?? 0;
      if (typeof slope !== 'number' || typeof threshold !== 'number' || (max !== undefined && typeof max !== 'number'))
        return no(`max_value/negative_slope/threshold ${JSON.stringify([max ?? null, slope, threshold])}`);
      if (threshold === 0 && slope === 0)
        return ok(max === undefined ? { name, op: 'relu', inputs, attrs: {} } : { name, op: 'clip', inputs, attrs: { min: 0, max } });
      if (threshold === 0 && max === undefined) return ok({ name, op: 'leakyrelu', inputs, attrs: { alpha: slope } });
      return no(
        `max_value/negative_slope/threshold ${JSON.stringify([max ?? null, slope, threshold])} (a threshold, or a slope with a maximum, is not supported)`,
      );
    }
    case 'LeakyReLU': {
      const alpha = c.alpha ?? c.negative_slope ?? 0.3;
      return typeof alpha === 'number' ? ok({ name, op: 'leakyrelu', inputs, attrs: { alpha } }) : no(`alpha=${JSON.stringify(alpha)}`);
    }
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return depthwiseLayer(layer, ctx);
    case 'Softmax':
      return c.axis === undefined || c.axis === -1 ? softmaxLayer(name, inputs, ctx) : no(`axis=${JSON.stringify(c.axis)}`);
    case 'Add':
      return inputs.length === 2 ? ok({ name, op: 'add', inputs, attrs: {} }) : no(`${inputs.length} inputs (2 are supported)`);
    case 'Concatenate':
      return typeof c.axis === 'number' || c.axis === undefined
        ? ok({ name, op: 'concat', inputs, attrs: { axis: (c.axis as number | undefined) ?? -1 } })
        : no(`axis=${JSON.stringify(c.axis)}`);
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const kernel = pair(c.pool_size, [2, 2]);
      const strides = pair(c.strides, kernel);
      const padding = tfPadding(c.padding);
      if (!channelsLast(c)) return no(`data_format=${JSON.stringify(c.data_format)}`);
      if (!kernel || !strides) return no(`pool_size/strides ${JSON.stringify([c.pool_size, c.strides])}`);
      if (!padding) return no(`padding=${JSON.stringify(c.padding)}`);
      // TF's average pool divides by the number of cells inside the image ('same' padding excluded).
      return layer.className === 'MaxPooling2D'
        ? ok({ name, op: 'maxpool', inputs, attrs: { kernel, strides, padding } })
        : ok({ name, op: 'avgpool', inputs, attrs: { kernel, strides, padding, countIncludePad: false } });
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      if (!channelsLast(c)) return no(`data_format=${JSON.stringify(c.data_format)}`);
      // keepdims (Keras ≥ 2.6 MobileNetV3's squeeze-excite and head): the same pool over H and W, left as [N, 1, 1, C].
      if (c.keepdims === true)
        return ok({ name, op: layer.className === 'GlobalMaxPooling2D' ? 'reducemax' : 'reducemean', inputs, attrs: { axes: [1, 2], keepdims: true } });
      return ok({ name, op: layer.className === 'GlobalMaxPooling2D' ? 'globalmaxpool' : 'globalavgpool', inputs, attrs: {} });
    case 'Flatten':
      return channelsLast(c) ? ok({ name, op: 'flatten', inputs, attrs: { order: 'nhwc' } }) : no(`data_format=${JSON.stringify(c.data_format)}`);
    case 'ZeroPadding2D': {
      const padding = zeroPadding(c.padding);
      if (!channelsLast(c)) return no(`data_format=${JSON.stringify(c.data_format)}`);
      return padding ? ok({ name, op: 'pad', inputs, attrs: { padding } }) : no(`padding=${JSON.stringify(c.padding)}`);
    }
    case 'Dropout':
    case 'SpatialDropout2D':
      return ok({ name, op: 'identity', inputs, attrs: { was: 'dropout' } });
    case 'Reshape': {
      // Keras reshapes the channels-last row-major order, which is the NHWC order the graph holds.
      const shape = perSample(c.target_shape);
      return shape ? ok({ name, op: 'reshape', inputs, attrs: { shape } }) : no(`target_shape=${JSON.stringify(c.target_shape)}`);
    }
    case 'TFOpLambda':
      return opLambdaLayer(layer);
    default:
      return no('');
  }
}

/**
 * A Keras activation by name as its own node (Keras' names; tfjs-layers writes hardSigmoid): the one mapping the
 * Activation layer and every layer's `activation=` use. hard_sigmoid is Keras 2's and tfjs-layers'
 * clip(0.2x + 0.5, 0, 1) (Keras 3 changed it to relu6(x + 3)/6); gelu is the exact (erf) form,
 * Keras' default.
 */
function activationNode(a: string, name: string, inputs: string[]): GraphNode | undefined {
  switch (a) {
    case 'relu':
      return { name, op: 'relu', inputs, attrs: {} };
    case 'relu6':
      return { name, op: 'clip', inputs, attrs: { min: 0, max: 6 } };
    case 'sigmoid':
    case 'tanh':
    case 'selu':
    case 'softplus':
      return { name, op: a, inputs, attrs: {} };
    case 'swish':
    case 'silu':
      return { name, op: 'silu', inputs, attrs: {} };
    case 'hard_swish':
    case 'hard_silu': // Keras 3's name: x·relu6(x + 3)/6
      return { name, op: 'hardswish', inputs, attrs: {} };
    case 'leaky_relu': // Keras 3's activation function, negative_slope 0.2
      return { name, op: 'leakyrelu', inputs, attrs: { alpha: 0.2 } };
    case 'hard_sigmoid':
    case 'hardSigmoid': // tfjs-layers' own spelling in the configs it writes
      return { name, op: 'hardsigmoid', inputs, attrs: { alpha: 0.2, beta: 0.5 } };
    case 'elu':
      return { name, op: 'elu', inputs, attrs: { alpha: 1 } };
    case 'gelu':
      return { name, op: 'gelu', inputs, attrs: { approximate: 'none' } };
    case 'exponential':
      return { name, op: 'exp', inputs, attrs: {} };
    case 'softmax':
      // Over the last axis (Keras' default); an output layer's softmax is dropped before this is asked.
      return { name, op: 'softmax', inputs, attrs: {} };
    default:
      return undefined;
  }
}

/**
 * DepthwiseConv2D: one group per input channel (Keras' depthwise_kernel [KH, KW, C, M] is the grouped
 * [KH, KW, 1, C·M] in memory). SeparableConv2D: that depthwise step as '<layer>/depthwise' (no bias), then
 * the 1×1 pointwise convolution as the layer's own node with its bias and activation.
 */
function depthwiseLayer(layer: KerasLayerRecord, ctx: LayerContext): LayerResult {
  const { name, config: c, inputs } = layer;
  const separable = layer.className === 'SeparableConv2D';
  const kernel = pair(c.kernel_size),
    strides = pair(c.strides, [1, 1]),
    dilations = pair(c.dilation_rate, [1, 1]);
  const padding = tfPadding(c.padding);
  const act = activationOf(c, ctx);
  const multiplier = c.depth_multiplier ?? 1;
  if (!channelsLast(c)) return no(`data_format=${JSON.stringify(c.data_format)}`);
  if (typeof act === 'string') return no(act);
  if (act.droppedSoftmax) return no('activation="softmax" on a convolution');
  if (!kernel || !strides || !dilations) return no(`kernel_size/strides/dilation_rate ${JSON.stringify([c.kernel_size, c.strides, c.dilation_rate])}`);
  if (!padding) return no(`padding=${JSON.stringify(c.padding)}`);
  if (typeof multiplier !== 'number' || !Number.isInteger(multiplier) || multiplier < 1) return no(`depth_multiplier=${JSON.stringify(multiplier)}`);
  if (separable && typeof c.filters !== 'number') return no('no filters');
  const channels = ctx.inputShapeOf?.()[3];
  if (channels === undefined) return no('an input whose channel count is unknown');
  const useBias = c.use_bias !== false;
  const depthwise: Extract<GraphNode, { op: 'conv2d' }>['attrs'] = {
    filters: channels * multiplier,
    kernel,
    strides,
    dilations,
    padding,
    useBias: useBias && !separable,
    groups: channels,
  };
  if (!separable) {
    if (act.activation) depthwise.activation = act.activation;
    return activated({ name, op: 'conv2d', inputs, attrs: depthwise }, act);
  }
  const dwName = `${name}/depthwise`;
  const pointwise: Extract<GraphNode, { op: 'conv2d' }>['attrs'] = {
    filters: c.filters as number,
    kernel: [1, 1],
    strides: [1, 1],
    dilations: [1, 1],
    padding: 'valid',
    useBias,
  };
  if (act.activation) pointwise.activation = act.activation;
  return activated({ name, op: 'conv2d', inputs: [dwName], attrs: pointwise }, act, [{ name: dwName, op: 'conv2d', inputs, attrs: depthwise }]);
}

/** A number or a flat list of numbers as a list; absent (undefined, null) is the fallback. */
function numbers(v: Json | undefined, fallback: number[]): number[] | undefined {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** Rescaling: x·scale + offset, as constant nodes and broadcasting mul/add (offset 0: the product alone). */
function rescaling(name: string, inputs: string[], c: JsonObject): LayerResult {
  const scale = numbers(c.scale, [1]),
    offset = numbers(c.offset, [0]);
  if (!scale || !offset) return no(`scale/offset ${JSON.stringify([c.scale, c.offset])} (numbers or per-channel lists)`);
  return affine(name, inputs, scale, offset);
}

/**
 * Keras' backend.epsilon() (keras.json, default 1e-7): the floor of a Normalization layer's standard
 * deviation. The file does not record it; a Keras configured otherwise would divide differently.
 */
export const KERAS_BACKEND_EPSILON = 1e-7;

/**
 * The variance a batch norm without epsilon needs to divide as Keras' Normalization does:
 * max(sqrt(v), ε) = sqrt(max(v, ε²)), exactly.
 */
export function normalizationVariance(variance: number): number {
  return Math.max(variance, KERAS_BACKEND_EPSILON * KERAS_BACKEND_EPSILON);
}

/** The batch norm op needs an epsilon > 0: this one vanishes in float32 next to any variance ≥ ε² = 1e-14. */
const NEGLIGIBLE_EPSILON = 1e-30;

/**
 * Keras' Normalization (keras/layers/preprocessing/normalization.py, Keras 2 and 3):
 * (x − mean) / max(sqrt(variance), backend.epsilon()) per index of `axis` (default -1, channels).
 * Adapted statistics are weights (mean, variance, count): a batch norm node without gamma or beta (a negligible epsilon)
 * whose moving_variance to-native-map.ts floors with normalizationVariance. Statistics given in the config
 * become a Rescaling-style x·(1/σ) + (−mean/σ). invert=True (de-normalisation) is refused.
 */
function normalization(name: string, inputs: string[], c: JsonObject, ctx: LayerContext): LayerResult {
  if (c.invert === true) return no('invert=true');
  const rank = ctx.inputShapeOf?.().length ?? 0;
  const axes = Array.isArray(c.axis) ? c.axis : c.axis === undefined ? [-1] : c.axis === null ? [] : [c.axis];
  const perChannel = axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
  const given = c.mean !== undefined && c.mean !== null;
  if (!given) {
    return perChannel
      ? ok({ name, op: 'batchnorm', inputs, attrs: { epsilon: NEGLIGIBLE_EPSILON, center: false, scale: false } })
      : no(`axis=${JSON.stringify(c.axis ?? null)} (adapted statistics are supported on the channel axis, -1)`);
  }
  if (!perChannel && axes.length > 0) return no(`axis=${JSON.stringify(c.axis)} (only the channel axis, -1, or None)`);
  const mean = numbers(c.mean, []),
    variance = numbers(c.variance, []);
  const channels = ctx.inputShapeOf?.()[rank - 1] ?? 0;
  const fits = (v: number[] | undefined): v is number[] => v !== undefined && (v.length === 1 || (perChannel && v.length === channels));
  if (!fits(mean) || !fits(variance))
    return no(`mean/variance ${JSON.stringify([c.mean, c.variance ?? null])} (numbers, or flat lists of one value per channel)`);
  const n = Math.max(mean.length, variance.length);
  const at = (v: number[], i: number) => v[v.length === 1 ? 0 : i];
  const std = Array.from({ length: n }, (_, i) => Math.sqrt(normalizationVariance(at(variance, i))));
  return affine(
    name,
    inputs,
    std.map((s) => 1 / s),
    std.map((s, i) => -at(mean, i) / s),
  );
}

/** x·scale + offset as constant nodes and broadcasting mul/add named after the layer (offset 0: the product alone). */
function affine(name: string, inputs: string[], scale: number[], offset: number[]): LayerResult {
  const constants = new Map<string, NamedTensor>();
  const constant = (node: string, v: number[]): GraphNode => {
    constants.set(`${node}/value`, { shape: [v.length], data: Float32Array.from(v) });
    return { name: node, op: 'constant', inputs: [], attrs: { shape: [v.length] } };
  };
  const hasOffset = offset.some((v) => v !== 0);
  const product = hasOffset ? `${name}/scaled` : name;
  const before: GraphNode[] = [constant(`${name}/scale`, scale)];
  const mul: GraphNode = { name: product, op: 'mul', inputs: [inputs[0], `${name}/scale`], attrs: {} };
  if (!hasOffset) return { node: mul, before, constants };
  before.push(mul, constant(`${name}/offset`, offset));
  return { node: { name, op: 'add', inputs: [product, `${name}/offset`], attrs: {} }, before, constants };
}

function softmaxLayer(name: string, inputs: string[], ctx: LayerContext): LayerResult {
  if (ctx.isOutput) return ok({ name, op: 'identity', inputs, attrs: { was: 'softmax (dropped: the output is logits)' } }, true);
  return ok(activationNode('softmax', name, inputs) as GraphNode);
}
