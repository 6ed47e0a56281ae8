// Keras 2's TFOpLambda layers: a plain TensorFlow call on Keras tensors (`x + 3.`, `tf.nn.relu6(x)`),
// recorded by tf.keras ≤ 2.15 (and tf-keras) as a layer whose config names the TF symbol
// (`"function": "__operators__.add"`). Node.serialize writes the call as the first argument's record
// `[layer, node, tensor, kwargs]` (or `['_CONSTANT_VALUE', -1, value, kwargs]` when that argument
// is a plain value, as in `3. - x`) with every later argument named in kwargs: a Keras tensor there
// is `[layer, node, tensor]`, a Python number or NumPy array is its value. The stock
// keras.applications MobileNetV3 writes its hard-sigmoid as `ReLU(6.)(x + 3.) * (1. / 6.)` this way.
// Keras 3 has no TFOpLambda; TF.js layers cannot run one, but its converter copies the config as is.
import type { BinaryFunction, GraphNode, UnaryFunction } from '../../src/models/graph.js';
import type { NamedTensor } from '../../src/models/safetensors.js';
import { CONSTANT_VALUE, isObject, type Json, type JsonObject, type KerasLayerRecord } from './keras-topology-config.js';
import type { LayerResult } from './keras-topology-layers.js';

/** An operand: another layer's output, or a constant (a number or a nested list of numbers). */
type Operand = { readonly layer: string } | { readonly values: number[]; readonly shape: number[] };

const BINARY: Record<string, BinaryFunction | 'add'> = {
  '__operators__.add': 'add',
  'math.add': 'add',
  'math.subtract': 'sub',
  'math.multiply': 'mul',
  'math.truediv': 'div',
  'math.divide': 'div',
  'math.maximum': 'max',
  'math.minimum': 'min',
  'math.pow': 'pow',
};

/** One-input functions without options (`features`/`x` is the first argument) and the graph function each is. */
const PLAIN: Record<string, UnaryFunction | 'relu'> = {
  'nn.relu': 'relu',
  'math.sigmoid': 'sigmoid',
  'nn.silu': 'silu',
  'nn.swish': 'silu',
  'math.tanh': 'tanh',
  'math.negative': 'neg',
  'math.abs': 'abs',
  'math.sqrt': 'sqrt',
  'math.exp': 'exp',
  'math.log': 'log',
  'math.reciprocal': 'reciprocal',
  'math.erf': 'erf',
  'math.softplus': 'softplus',
};

/** One-input functions with keyword arguments (those in `allowed`): the node, or why not. */
const WITH_OPTIONS: Record<string, { allowed: string[]; node: (name: string, input: string, kwargs: JsonObject) => GraphNode | string }> = {
  'nn.relu6': { allowed: [], node: (name, input) => ({ name, op: 'clip', inputs: [input], attrs: { min: 0, max: 6 } }) },
  'nn.elu': { allowed: [], node: (name, input) => ({ name, op: 'elu', inputs: [input], attrs: { alpha: 1 } }) },
  // tf.nn.leaky_relu's alpha defaults to 0.2 (Keras' LeakyReLU layer: 0.3).
  'nn.leaky_relu': {
    allowed: ['alpha'],
    node: (name, input, { alpha = 0.2 }) =>
      typeof alpha === 'number' ? { name, op: 'leakyrelu', inputs: [input], attrs: { alpha } } : `alpha=${JSON.stringify(alpha)}`,
  },
  'nn.gelu': {
    allowed: ['approximate'],
    node: (name, input, { approximate = false }) =>
      typeof approximate === 'boolean'
        ? { name, op: 'gelu', inputs: [input], attrs: { approximate: approximate ? 'tanh' : 'none' } }
        : `approximate=${JSON.stringify(approximate)}`,
  },
};

const RESHAPES = ['reshape', 'compat.v1.reshape'];
const SUPPORTED = [...Object.keys(BINARY), ...Object.keys(PLAIN), ...Object.keys(WITH_OPTIONS), 'math.reduce_mean', ...RESHAPES].join(', ');

const no = (unsupported: string): LayerResult => ({ unsupported });

/** A nested list of numbers → its row-major values and shape; anything else → undefined. */
function numbers(v: Json): { values: number[]; shape: number[] } | undefined {
  if (typeof v === 'number') return { values: [v], shape: [] };
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const parts = v.map(numbers);
  const first = parts[0];
  if (!first || parts.some((p) => !p || p.shape.join() !== first.shape.join())) return undefined;
  return { values: parts.flatMap((p) => p?.values ?? []), shape: [v.length, ...first.shape] };
}

/** A keyword argument: `[layer, node, tensor]` is a Keras tensor, numbers are a constant. */
function operand(v: Json): Operand | undefined {
  if (Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') return { layer: v[0] };
  return numbers(v);
}

/** The first call's operands: the first argument and the keyword arguments (`name` is TF's op name, ignored). */
function callOf(call: Json | undefined): { first: Operand; kwargs: JsonObject } | string {
  if (!Array.isArray(call) || call.length < 3 || typeof call[0] !== 'string') {
    return `a call record ${JSON.stringify(call ?? null).slice(0, 60)} (a Keras 2 [layer, node, tensor, kwargs] with one tensor first)`;
  }
  const kwargs: JsonObject = isObject(call[3]) ? { ...call[3] } : {};
  delete kwargs.name;
  const first = call[0] === CONSTANT_VALUE ? numbers(call[2]) : { layer: call[0] };
  return first ? { first, kwargs } : `a first argument ${JSON.stringify(call[2]).slice(0, 60)}`;
}

/** Keyword arguments other than `allowed` that are set → the reason to refuse, else undefined. */
function unexpected(kwargs: JsonObject, allowed: string[]): string | undefined {
  const extra = Object.keys(kwargs).filter((k) => !allowed.includes(k) && kwargs[k] !== null);
  return extra.length > 0 ? `argument ${extra.map((k) => `${k}=${JSON.stringify(kwargs[k])}`).join(', ')}` : undefined;
}

/** TFOpLambda → graph nodes named as the layer; a constant operand becomes the node `<layer>/<argument>`. */
export function opLambdaLayer(layer: KerasLayerRecord): LayerResult {
  const { name } = layer;
  const fn = layer.config.function;
  if (typeof fn !== 'string') return no('no function in its config');
  const what = `function=${JSON.stringify(fn)}`;
  const call = callOf(layer.call);
  if (typeof call === 'string') return no(`${what} called with ${call}`);
  const { first, kwargs } = call;

  const op = BINARY[fn];
  if (op !== undefined) {
    const extra = unexpected(kwargs, ['y']);
    const second = kwargs.y === undefined ? undefined : operand(kwargs.y);
    if (extra) return no(`${what} with ${extra}`);
    if (!second) return no(`${what} with y=${JSON.stringify(kwargs.y ?? null)} (a layer's output or numbers)`);
    if (!('layer' in first) && !('layer' in second)) return no(`${what} on two constants`);
    return binary(name, op, [first, second]);
  }
  if (!('layer' in first)) return no(`${what} on a constant`);
  const input = first.layer;
  const plain = PLAIN[fn];
  if (plain) {
    // tf.nn.silu's `beta` (TF ≥ 2.12) scales the sigmoid's argument; only the plain SiLU (beta 1) is a silu node.
    const extra = unexpected(kwargs, plain === 'silu' ? ['beta'] : []);
    if (extra) return no(`${what} with ${extra}`);
    if (kwargs.beta !== undefined && kwargs.beta !== null && kwargs.beta !== 1) return no(`${what} with beta=${JSON.stringify(kwargs.beta)} (only 1)`);
    return { node: { name, op: plain, inputs: [input], attrs: {} } };
  }
  const options = WITH_OPTIONS[fn];
  if (options) {
    const extra = unexpected(kwargs, options.allowed);
    if (extra) return no(`${what} with ${extra}`);
    const node = options.node(name, input, kwargs);
    return typeof node === 'string' ? no(`${what} with ${node}`) : { node };
  }
  if (fn === 'math.reduce_mean') {
    const extra = unexpected(kwargs, ['axis', 'keepdims']);
    const axes = typeof kwargs.axis === 'number' ? [kwargs.axis] : kwargs.axis;
    if (extra) return no(`${what} with ${extra}`);
    // The graph's reductions never take the batch axis (0); `axis=None` (everything) includes it.
    if (!Array.isArray(axes) || axes.length === 0 || !axes.every((a) => typeof a === 'number' && Number.isInteger(a) && a !== 0)) {
      return no(`${what} with axis=${JSON.stringify(kwargs.axis ?? null)} (axes other than the batch axis 0)`);
    }
    return { node: { name, op: 'reducemean', inputs: [input], attrs: { axes: axes as number[], keepdims: kwargs.keepdims === true } } };
  }
  if (RESHAPES.includes(fn)) {
    const extra = unexpected(kwargs, ['shape']);
    const shape = kwargs.shape;
    if (extra) return no(`${what} with ${extra}`);
    // The batch entry must stay open (-1 or None); the rest is one sample's shape, as the graph's reshape takes it.
    const perSample = Array.isArray(shape) && (shape[0] === -1 || shape[0] === null) ? shape.slice(1) : undefined;
    if (!perSample?.every((d) => typeof d === 'number' && Number.isInteger(d) && (d > 0 || d === -1))) {
      return no(`${what} with shape=${JSON.stringify(shape ?? null)} (a list with -1 or None for the batch)`);
    }
    return { node: { name, op: 'reshape', inputs: [input], attrs: { shape: perSample as number[] } } };
  }
  return no(`${what} (supported: ${SUPPORTED})`);
}

/** x ∘ y with either side a constant node `<layer>/x` or `<layer>/y` (NumPy broadcasting, as TF does). */
function binary(name: string, op: BinaryFunction | 'add', operands: [Operand, Operand]): LayerResult {
  const before: GraphNode[] = [];
  const constants = new Map<string, NamedTensor>();
  const inputs = operands.map((o, i) => {
    if ('layer' in o) return o.layer;
    const node = `${name}/${i === 0 ? 'x' : 'y'}`;
    // A scalar is held as [1], which broadcasts against any shape like the scalar itself.
    const shape = o.shape.length === 0 ? [1] : o.shape;
    constants.set(`${node}/value`, { shape, data: Float32Array.from(o.values) });
    before.push({ name: node, op: 'constant', inputs: [], attrs: { shape } });
    return node;
  });
  return { node: { name, op, inputs, attrs: {} }, before, constants };
}
