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

/** 'linear' → none, 'relu' → relu, 'softmax' → dropped when the layer is the output; else unsupported. */
function activationOf(config: JsonObject, ctx: LayerContext): { activation?: Activation; droppedSoftmax?: boolean } | string {
  const a = config.activation ?? 'linear';
  if (a === 'linear' || a === null) return {};
  if (a === 'relu') return { activation: 'relu' };
  if (a === 'softmax' && ctx.isOutput) return { droppedSoftmax: true };
  return `activation=${JSON.stringify(a)}${a === 'softmax' ? ' before the output' : ''}`;
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
      return ok({ name, op: 'conv2d', inputs, attrs });
    }
    case 'Dense': {
      const act = activationOf(c, ctx);
      if (typeof act === 'string') return no(act);
      if (typeof c.units !== 'number') return no('no units');
      const attrs: Extract<GraphNode, { op: 'dense' }>['attrs'] = { units: c.units, useBias: c.use_bias !== false };
      if (act.activation) attrs.activation = act.activation;
      return ok({ name, op: 'dense', inputs, attrs }, act.droppedSoftmax);
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
 * A Keras activation by name as its own node (Keras' names; tfjs-layers writes hardSigmoid). hard_sigmoid is Keras 2's and tfjs-layers'
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
      return { name, op: 'hardswish', inputs, attrs: {} };
    case 'hard_sigmoid':
    case 'hardSigmoid': // tfjs-layers' own spelling in the configs it writes
      return { name, op: 'hardsigmoid', inputs, attrs: { alpha: 0.2, beta: 0.5 } };
    case 'elu':
      return { name, op: 'elu', inputs, attrs: { alpha: 1 } };
    case 'gelu':
      return { name, op: 'gelu', inputs, attrs: { approximate: 'none' } };
    case 'exponential':
      return { name, op: 'exp', inputs, attrs: {} };
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
    return ok({ name, op: 'conv2d', inputs, attrs: depthwise });
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
  return { node: { name, op: 'conv2d', inputs: [dwName], attrs: pointwise }, before: [{ name: dwName, op: 'conv2d', inputs, attrs: depthwise }] };
}

/** Rescaling: x·scale + offset, as constant nodes and broadcasting mul/add (offset 0: the product alone). */
function rescaling(name: string, inputs: string[], c: JsonObject): LayerResult {
  const values = (v: Json | undefined, fallback: number): number[] | undefined =>
    v === undefined || v === null
      ? [fallback]
      : typeof v === 'number'
        ? [v]
        : Array.isArray(v) && v.every((x) => typeof x === 'number')
          ? (v as number[])
          : undefined;
  const scale = values(c.scale, 1),
    offset = values(c.offset, 0);
  if (!scale || !offset) return no(`scale/offset ${JSON.stringify([c.scale, c.offset])} (numbers or per-channel lists)`);
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
  return ok({ name, op: 'softmax', inputs, attrs: {} });
}
