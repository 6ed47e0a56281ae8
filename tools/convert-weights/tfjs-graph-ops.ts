// One converter per TF op type of a TF.js graph model. TF already works in the graph's layouts
// (NHWC activations, HWIO conv filters, (in, out) MatMul weights), so no weight is transposed unless
// MatMul says transpose_b. Fused ops (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul) carry
// their epilogue in `fused_ops`: BiasAdd and FusedBatchNorm are folded into the node's kernel and
// bias (eval-mode batch norm is affine), the activation becomes the node's own.
import type { Activation, GraphNode, Pair, PaddingSpec } from '../../src/models/graph.js';
import { unsupported } from './onnx-graph-error.js';
import type { TfjsNodeContext } from './tfjs-graph-context.js';

export type TfjsConverter = (c: TfjsNodeContext) => string;

function pairFromNhwc(c: TfjsNodeContext, key: string, fallback: number[]): Pair {
  const v = c.ints(key, fallback);
  if (v.length === 0) return [1, 1];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) unsupported(`${key} ${JSON.stringify(v)} (only [1, h, w, 1] in NHWC)`);
  return [v[1], v[2]];
}

function nhwc(c: TfjsNodeContext): void {
  const format = c.node.attrs.data_format;
  if (format !== undefined && format !== 'NHWC') unsupported(`data_format ${JSON.stringify(format)} (only NHWC)`);
}

function tfPadding(c: TfjsNodeContext): PaddingSpec {
  const p = c.str('padding');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p === 'EXPLICIT') {
    const e = c.ints('explicit_paddings');
    if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) unsupported(`explicit_paddings ${JSON.stringify(e)}`);
    return { top: e[2], bottom: e[3], left: e[4], right: e[5] };
  }
  unsupported(`padding ${JSON.stringify(p)}`);
}

/** The graph's fused activation for a TF activation op (what conv2d and dense carry themselves). */
function fusableActivation(op: string): Activation | undefined {
  return op === 'Relu' ? 'relu' : undefined;
}

/**
 * A TF activation (standalone, or the tail of a fused op's `fused_ops`) as its own graph node.
 * `alpha` reads LeakyRelu's attribute; Prelu's slope is the constant input at `preluInput`.
 */
function activationNode(c: TfjsNodeContext, op: string, name: string, input: string, preluInput: number): GraphNode {
  const inputs = [input];
  switch (op) {
    case 'Relu':
      return { name, op: 'relu', inputs, attrs: {} };
    case 'Relu6':
      return { name, op: 'clip', inputs, attrs: { min: 0, max: 6 } };
    case 'Elu':
      return { name, op: 'elu', inputs, attrs: { alpha: 1 } };
    case 'Selu':
      return { name, op: 'selu', inputs, attrs: {} };
    case 'LeakyRelu':
      // The standalone op's attribute is 'alpha'; a fused op's 'leakyrelu_alpha'.
      return { name, op: 'leakyrelu', inputs, attrs: { alpha: c.num(c.node.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha', 0.2) } };
    case 'Sigmoid':
      return { name, op: 'sigmoid', inputs, attrs: {} };
    case 'Tanh':
      return { name, op: 'tanh', inputs, attrs: {} };
    case 'Softplus':
      return { name, op: 'softplus', inputs, attrs: {} };
    case 'Prelu': {
      const slope = c.requireConstant(preluInput, 'slope');
      c.param(name, 'alpha', slope.shape, slope.data);
      return { name, op: 'prelu', inputs, attrs: { slope: slope.shape } };
    }
    default:
      unsupported(`activation ${op}`);
  }
}

interface Epilogue {
  /** Per output channel: y = scale·conv + shift (BiasAdd: scale 1; FusedBatchNorm: γ/√(σ²+ε)). */
  scale?: Float32Array;
  shift?: Float32Array;
  /** The activation the graph node carries itself (ReLU). */
  activation?: Activation;
  /** Any other activation: a node of its own after the convolution, with the input holding a Prelu slope. */
  separate?: { op: string; slopeInput: number };
}

/** Reads `fused_ops` and the extra inputs after input 2: [BiasAdd | FusedBatchNorm][, activation]. */
function epilogue(c: TfjsNodeContext, channels: number): Epilogue {
  const ops = c.strings('fused_ops');
  const out: Epilogue = {};
  let k = 0;
  if (ops[k] === 'BiasAdd') {
    const b = c.requireConstant(2, 'bias');
    if (b.data.length !== channels) unsupported(`a bias of ${b.data.length} values for ${channels} channels`);
    out.shift = Float32Array.from(b.data);
    k++;
  } else if (ops[k] === 'FusedBatchNorm') {
    const [scale, offset, mean, variance] = [2, 3, 4, 5].map((i, j) => c.requireConstant(i, ['scale', 'offset', 'mean', 'variance'][j]).data);
    const epsilon = c.num('epsilon', 1e-3);
    out.scale = new Float32Array(channels);
    out.shift = new Float32Array(channels);
    for (let i = 0; i < channels; i++) {
      // Folded in float64: the node then rounds once, where TF rounds at each of its four steps.
      const s = scale[i] / Math.sqrt(variance[i] + epsilon);
      out.scale[i] = s;
      out.shift[i] = offset[i] - mean[i] * s;
    }
    k++;
  }
  if (k < ops.length) {
    const activation = fusableActivation(ops[k]);
    if (activation) out.activation = activation;
    else out.separate = { op: ops[k], slopeInput: ops[0] === 'FusedBatchNorm' ? 6 : 3 };
    k++;
  }
  if (k < ops.length) unsupported(`fused_ops ${JSON.stringify(ops)}`);
  return out;
}

/** Applies a per-output-channel scale to a kernel whose last axis is the output channel. */
function scaledKernel(data: Float32Array, scale: Float32Array | undefined): Float32Array {
  if (!scale) return data;
  const c = scale.length;
  return Float32Array.from(data, (w, i) => w * scale[i % c]);
}

function convolution(c: TfjsNodeContext, depthwise: boolean, fused: boolean): string {
  nhwc(c);
  const x = c.value(0);
  const filter = c.requireConstant(1, 'filter');
  if (filter.shape.length !== 4) unsupported(`a filter of shape ${JSON.stringify(filter.shape)}`);
  const inChannels = c.shapeOf(x)[3];
  // A depthwise filter [KH, KW, C, M] is, in memory, the grouped filter [KH, KW, 1, C·M] with C groups.
  const [kh, kw, cin, m] = filter.shape;
  const groups = depthwise ? cin : 1;
  const cout = depthwise ? cin * m : m;
  const kernelShape = depthwise ? [kh, kw, 1, cout] : filter.shape;
  if (cin !== inChannels) unsupported(`a filter for ${cin} input channels on ${inChannels}`);
  const e = fused ? epilogue(c, cout) : {};
  const attrs: Extract<GraphNode, { op: 'conv2d' }>['attrs'] = {
    filters: cout,
    kernel: [kh, kw],
    strides: pairFromNhwc(c, 'strides', [1, 1, 1, 1]),
    dilations: pairFromNhwc(c, 'dilations', [1, 1, 1, 1]),
    padding: tfPadding(c),
    useBias: e.shift !== undefined,
  };
  if (groups > 1) attrs.groups = groups;
  if (e.activation) attrs.activation = e.activation;
  return withActivation(c, e, (linear) => {
    c.param(linear, 'kernel', kernelShape, scaledKernel(filter.data, e.scale));
    if (e.shift) c.param(linear, 'bias', [cout], e.shift);
    return c.emit({ name: linear, op: 'conv2d', inputs: [x], attrs });
  });
}

/**
 * Emits the linear node (through `make`) and, for an activation the node cannot carry, the activation
 * as its own node: the activation keeps the TF node's name (its output is the fused op's), the linear
 * node before it is `<name>/linear`.
 */
function withActivation(c: TfjsNodeContext, e: Epilogue, make: (linearName: string) => string): string {
  if (!e.separate) return make(c.name);
  const linear = make(`${c.name}/linear`);
  return c.emit(activationNode(c, e.separate.op, c.name, linear, e.separate.slopeInput));
}

function matmul(c: TfjsNodeContext, fused: boolean): string {
  if (c.bool('transpose_a')) unsupported('transpose_a');
  const x = c.value(0);
  const w = c.requireConstant(1, 'weights');
  if (w.shape.length !== 2) unsupported(`weights of shape ${JSON.stringify(w.shape)}`);
  let [k, units] = w.shape;
  let data = w.data;
  if (c.bool('transpose_b')) {
    [units, k] = w.shape;
    data = new Float32Array(k * units);
    for (let i = 0; i < k; i++) for (let j = 0; j < units; j++) data[i * units + j] = w.data[j * k + i];
  }
  const xs = c.shapeOf(x);
  if (xs.length !== 2 || xs[1] !== k) unsupported(`a [${xs.join(', ')}] input for ${k}×${units} weights`);
  const e = fused ? epilogue(c, units) : {};
  const attrs: Extract<GraphNode, { op: 'dense' }>['attrs'] = { units, useBias: e.shift !== undefined };
  if (e.activation) attrs.activation = e.activation;
  return withActivation(c, e, (linear) => {
    c.param(linear, 'kernel', [k, units], scaledKernel(data, e.scale));
    if (e.shift) c.param(linear, 'bias', [units], e.shift);
    return c.emit({ name: linear, op: 'dense', inputs: [x], attrs });
  });
}

function pool(c: TfjsNodeContext, op: 'maxpool' | 'avgpool'): string {
  nhwc(c);
  const x = c.value(0);
  const kernel = pairFromNhwc(c, 'ksize', [1, 1, 1, 1]);
  const strides = pairFromNhwc(c, 'strides', [1, 1, 1, 1]);
  const padding = tfPadding(c);
  // TF's average pool divides by the cells inside the image ('same' padding excluded).
  return op === 'maxpool'
    ? c.emit({ name: c.name, op, inputs: [x], attrs: { kernel, strides, padding } })
    : c.emit({ name: c.name, op, inputs: [x], attrs: { kernel, strides, padding, countIncludePad: false } });
}

/**
 * Mean, Sum, Max, Min over constant axes. A mean over the spatial axes of an NHWC map without kept
 * dims is global average pooling (the node the automatic target looks through); the rest are reduce nodes.
 */
function reduce(op: 'reducemean' | 'reducesum' | 'reducemax' | 'reducemin'): (c: TfjsNodeContext) => string {
  return (c) => {
    const x = c.value(0);
    const rank = c.shapeOf(x).length;
    const axes = [...c.requireConstant(1, 'axes').data].map((a) => (a < 0 ? a + rank : a)).sort();
    const keepdims = c.bool('keep_dims');
    if (axes.includes(0)) unsupported('a reduction over the batch axis');
    if (op === 'reducemean' && rank === 4 && axes.join() === '1,2' && !keepdims) return c.emit({ name: c.name, op: 'globalavgpool', inputs: [x], attrs: {} });
    return c.emit({ name: c.name, op, inputs: [x], attrs: { axes, keepdims } });
  };
}

function pad(c: TfjsNodeContext): string {
  const x = c.value(0);
  const p = [...c.requireConstant(1, 'paddings').data];
  if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) unsupported(`paddings ${JSON.stringify(p)} (only height and width of an NHWC map)`);
  if (c.node.op === 'PadV2') {
    const value = c.requireConstant(2, 'constant value').data[0];
    if (value !== 0) unsupported(`padding with ${value} (only zeros)`);
  }
  return c.emit({ name: c.name, op: 'pad', inputs: [x], attrs: { padding: { top: p[2], bottom: p[3], left: p[4], right: p[5] } } });
}

function concat(c: TfjsNodeContext): string {
  const n = c.inputCount - 1;
  const axis = c.requireConstant(n, 'axis').data[0];
  const inputs = Array.from({ length: n }, (_, k) => c.value(k));
  const rank = c.shapeOf(inputs[0]).length;
  return c.emit({ name: c.name, op: 'concat', inputs, attrs: { axis: axis === rank - 1 ? -1 : axis } });
}

function reshape(c: TfjsNodeContext): string {
  const x = c.value(0);
  const shape = [...c.requireConstant(1, 'shape').data];
  if (shape.length === 0 || (shape[0] !== -1 && shape[0] !== c.shapeOf(x)[0])) unsupported(`a reshape to ${JSON.stringify(shape)} that changes the batch axis`);
  const rest = shape.slice(1);
  if (rest.length === 1) return c.emit({ name: c.name, op: 'flatten', inputs: [x], attrs: { order: 'nhwc' } });
  return c.emit({ name: c.name, op: 'reshape', inputs: [x], attrs: { shape: rest } });
}

/** Squeeze of the 1×1 spatial axes after a pool is a flatten; other squeezes a reshape. */
function squeeze(c: TfjsNodeContext): string {
  const x = c.value(0);
  const shape = c.shapeOf(x);
  const dims = c.ints('squeeze_dims', []).map((d) => (d < 0 ? d + shape.length : d));
  const drop = dims.length > 0 ? new Set(dims) : new Set(shape.map((d, i) => (d === 1 && i > 0 ? i : -1)).filter((i) => i >= 0));
  if (drop.has(0)) unsupported('a squeeze of the batch axis');
  if ([...drop].some((d) => shape[d] !== 1)) unsupported(`a squeeze of axes ${JSON.stringify([...drop])} of a [${shape.join(', ')}] tensor`);
  const kept = shape.slice(1).filter((_, i) => !drop.has(i + 1));
  if (kept.length === 1) return c.emit({ name: c.name, op: 'flatten', inputs: [x], attrs: { order: 'nhwc' } });
  return c.emit({ name: c.name, op: 'reshape', inputs: [x], attrs: { shape: kept } });
}

/**
 * The conv2d or dense node that input 0 comes from, when this node can be folded into it: the
 * producer has no bias (for a bias) or no activation (for an activation) and nothing else reads it.
 */
function foldable(c: TfjsNodeContext, what: 'bias' | 'activation'): string | undefined {
  const producer = c.node.inputs[0];
  if (!producer || c.constant(0) || producer.output !== 0 || c.consumers(producer.node) !== 1) return undefined;
  const node = c.emitted(c.value(0));
  if (!node || (node.op !== 'conv2d' && node.op !== 'dense')) return undefined;
  if (node.attrs.activation !== undefined || (what === 'bias' && node.attrs.useBias)) return undefined;
  return node.name;
}

/** BiasAdd: folded into the conv or MatMul before it (as TF's own fusing does), else a per-channel add. */
function biasAdd(c: TfjsNodeContext): string {
  nhwc(c);
  const bias = c.requireConstant(1, 'bias');
  const into = foldable(c, 'bias');
  if (into !== undefined) {
    const node = c.takeOver(into);
    if (node.op !== 'conv2d' && node.op !== 'dense') throw new Error('unreachable');
    const channels = node.op === 'conv2d' ? node.attrs.filters : node.attrs.units;
    if (bias.data.length !== channels) unsupported(`a bias of ${bias.data.length} values for ${channels} channels`);
    node.attrs.useBias = true;
    c.param(node.name, 'bias', [channels], bias.data);
    return node.name;
  }
  return c.emit({ name: c.name, op: 'add', inputs: [c.value(0), c.constantNode(1)], attrs: {} });
}

const operand = (c: TfjsNodeContext, k: number) => (c.constant(k) ? c.constantNode(k) : c.value(k));

/**
 * Add with the engine's residual add where it applies (equal shapes, or a per-channel [C] second
 * operand), else the broadcasting binary table like Sub, Mul and RealDiv.
 */
function binaryAdd(c: TfjsNodeContext): string {
  return c.emit({ name: c.name, op: 'add', inputs: [operand(c, 0), operand(c, 1)], attrs: {} });
}

function binary(op: 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow'): (c: TfjsNodeContext) => string {
  return (c) => c.emit({ name: c.name, op, inputs: [operand(c, 0), operand(c, 1)], attrs: {} });
}

function activation(c: TfjsNodeContext): string {
  const a = fusableActivation(c.node.op);
  const into = a ? foldable(c, 'activation') : undefined;
  if (a && into !== undefined) {
    const node = c.takeOver(into);
    if (node.op !== 'conv2d' && node.op !== 'dense') throw new Error('unreachable');
    node.attrs.activation = a;
    return node.name;
  }
  return c.emit(activationNode(c, c.node.op, c.name, c.value(0), 1));
}

export const TFJS_CONVERTERS: Readonly<Record<string, TfjsConverter>> = {
  Conv2D: (c) => convolution(c, false, false),
  _FusedConv2D: (c) => convolution(c, false, true),
  DepthwiseConv2dNative: (c) => convolution(c, true, false),
  FusedDepthwiseConv2dNative: (c) => convolution(c, true, true),
  MatMul: (c) => matmul(c, false),
  _FusedMatMul: (c) => matmul(c, true),
  MaxPool: (c) => pool(c, 'maxpool'),
  AvgPool: (c) => pool(c, 'avgpool'),
  Mean: reduce('reducemean'),
  Sum: reduce('reducesum'),
  Max: reduce('reducemax'),
  Min: reduce('reducemin'),
  Pad: pad,
  PadV2: pad,
  ConcatV2: concat,
  Reshape: reshape,
  Squeeze: squeeze,
  BiasAdd: biasAdd,
  Add: binaryAdd,
  AddV2: binaryAdd,
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: binary('div'),
  Maximum: binary('max'),
  Minimum: binary('min'),
  Pow: binary('pow'),
  Relu: activation,
  Relu6: activation,
  Elu: activation,
  Selu: activation,
  LeakyRelu: activation,
  Prelu: activation,
  Sigmoid: activation,
  Tanh: activation,
  Softplus: activation,
  Softmax: (c) => c.emit({ name: c.name, op: 'softmax', inputs: [c.value(0)], attrs: {} }),
  Identity: (c) => c.emit({ name: c.name, op: 'identity', inputs: [c.value(0)], attrs: { was: c.node.op } }),
  StopGradient: (c) => c.emit({ name: c.name, op: 'identity', inputs: [c.value(0)], attrs: { was: c.node.op } }),
};
