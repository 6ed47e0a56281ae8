// Converters for elementwise ONNX ops: the activations and functions of one input (Sigmoid, Tanh,
// HardSigmoid, HardSwish, Clip, LeakyRelu, Elu, Selu, Softplus, Erf, Sqrt, Exp, Log, Abs, Neg,
// Reciprocal, PRelu) and the binary ops with NumPy broadcasting (Sub, Mul, Div, Pow, Max, Min, and
// the broadcasts of Add that its own converter does not cover). Each operand is brought to the
// output's layout: an NHWC output takes every operand padded to rank 4 and held NHWC (a constant
// [C, 1, 1] becomes [1, 1, 1, C]), a row-major output every operand padded to the output's rank.
import type { BinaryFunction, GraphNode, UnaryFunction } from '../../src/models/graph.js';
import { attrFloat, attrInt } from './onnx-graph-attrs.js';
import { floats, type NodeContext } from './onnx-graph-context.js';
import { unsupported } from './onnx-graph-error.js';
import { fmtDims, nchwToNhwc, nhwcOf, type Value } from './onnx-graph-values.js';

const UNARY: Record<string, UnaryFunction> = {
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  HardSwish: 'hardswish',
  Softplus: 'softplus',
  Erf: 'erf',
  Sqrt: 'sqrt',
  Exp: 'exp',
  Log: 'log',
  Abs: 'abs',
  Neg: 'neg',
  Reciprocal: 'reciprocal',
};

function unaryNode(c: NodeContext, node: GraphNode): Value {
  c.emit.push(node);
  return { ...c.value(0), node: node.name };
}

export function convertUnary(c: NodeContext): Value {
  const op = UNARY[c.node.opType];
  if (!op) throw new Error(`no unary function for ${c.node.opType}`);
  return unaryNode(c, { name: c.name, op, inputs: [c.value(0).node], attrs: {} });
}

/** Selu with ONNX's default constants (those of the paper) only. */
export function convertSelu(c: NodeContext): Value {
  const alpha = attrFloat(c.node, 'alpha', Math.fround(1.6732632423543772)),
    gamma = attrFloat(c.node, 'gamma', Math.fround(1.0507009873554805));
  if (Math.abs(alpha - 1.6732632) > 1e-6 || Math.abs(gamma - 1.050701) > 1e-6) unsupported(`alpha ${alpha}, gamma ${gamma} (only SELU's own constants)`);
  return unaryNode(c, { name: c.name, op: 'selu', inputs: [c.value(0).node], attrs: {} });
}

export function convertHardSigmoid(c: NodeContext): Value {
  const attrs = { alpha: attrFloat(c.node, 'alpha', 0.2), beta: attrFloat(c.node, 'beta', 0.5) };
  return unaryNode(c, { name: c.name, op: 'hardsigmoid', inputs: [c.value(0).node], attrs });
}

export function convertLeakyRelu(c: NodeContext): Value {
  const op = c.node.opType === 'Elu' ? 'elu' : 'leakyrelu';
  return unaryNode(c, { name: c.name, op, inputs: [c.value(0).node], attrs: { alpha: attrFloat(c.node, 'alpha', op === 'elu' ? 1 : 0.01) } });
}

/** A bound of ±FLT_MAX (the opset-6 defaults, torch's "no bound") is no bound. */
const bound = (v: number | undefined) => (v === undefined || !Number.isFinite(v) || Math.abs(v) >= 3.4e38 ? undefined : v);

/** Clip: bounds as attributes (opset < 11) or as optional constant inputs; min 0, max 6 is ReLU6. */
export function convertClip(c: NodeContext): Value {
  let lo: number | undefined, hi: number | undefined;
  if (c.opset < 11) {
    lo = bound(attrFloat(c.node, 'min', -Infinity));
    hi = bound(attrFloat(c.node, 'max', Infinity));
  } else {
    const scalar = (i: number, role: string) => {
      const t = c.optionalConstant(i, role);
      if (!t) return undefined;
      const v = floats(t, role);
      if (v.length !== 1) unsupported(`${role} of shape ${fmtDims(t.dims)} (a scalar bound)`);
      return v[0];
    };
    lo = bound(scalar(1, 'min'));
    hi = bound(scalar(2, 'max'));
  }
  if (lo !== undefined && hi !== undefined && lo > hi) unsupported(`min ${lo} above max ${hi}`);
  const attrs: { min?: number; max?: number } = {};
  if (lo !== undefined) attrs.min = lo;
  if (hi !== undefined) attrs.max = hi;
  return unaryNode(c, { name: c.name, op: 'clip', inputs: [c.value(0).node], attrs });
}

/** ONNX (NumPy) broadcast of several shapes; undefined when they do not broadcast. */
export function broadcastDims(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(...shapes.map((d) => d.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let size = 1;
    for (const d of shapes) {
      const v = d[d.length - rank + k] ?? 1;
      if (v === 1) continue;
      if (size !== 1 && size !== v) return undefined;
      size = v;
    }
    out.push(size);
  }
  return out;
}

const padTo = (dims: readonly number[], rank: number) => [...new Array<number>(rank - dims.length).fill(1), ...dims];

/** A constant's values held in the output's layout: padded to its rank, NHWC when the output is. */
function constantIn(c: NodeContext, i: number, rank: number, nhwc: boolean): string {
  const t = c.constant(i, 'operand');
  const dims = padTo(t.dims, rank);
  const data = floats(t, 'operand');
  const base = `${c.name}_operand${i}`;
  return nhwc ? c.emit.derivedConstant(base, nhwcOf(dims), nchwToNhwc(data, dims)) : c.emit.derivedConstant(base, dims, data);
}

/** A computed operand held in the output's layout. */
function computedIn(c: NodeContext, i: number, rank: number, nhwc: boolean): string {
  const v = c.value(i);
  if (v.onnx.length !== rank) unsupported(`broadcasting the computed ${fmtDims(v.onnx)} to rank ${rank} (computed operands must have the output's rank)`);
  if (nhwc) return c.emit.asNhwc(v, c.name, c.node.opType).node;
  return c.emit.reshaped(c.emit.asRowmajor(v, c.name), v.onnx, c.name).node;
}

/**
 * y = a ∘ b ∘ … (left to right) with NumPy broadcasting. The output is NHWC when it is rank 4 and
 * some computed operand is a feature map, else row-major.
 */
export function convertBroadcast(c: NodeContext, op: BinaryFunction | 'add', count = c.inputCount): Value {
  if (count < 1) throw new Error(`${c.node.opType} '${c.name}' has no inputs`);
  const computed = Array.from({ length: count }, (_, i) => !c.isConstant(i));
  if (!computed.some((v) => v)) throw new Error(`${c.node.opType} '${c.name}': all operands are constants (folded before conversion)`);
  const dims = Array.from({ length: count }, (_, i) => (computed[i] ? c.value(i).onnx : c.constant(i, 'operand').dims));
  const out = broadcastDims(dims);
  if (!out) throw new Error(`${c.node.opType} '${c.name}': shapes ${dims.map(fmtDims).join(', ')} do not broadcast`);
  const rank = out.length;
  // A rank-4 value already read channels-last (ConvNeXt's LayerNorm after a permute) stays row-major.
  const nhwc = rank === 4 && computed.some((isComputed, i) => isComputed && c.value(i).layout === 'nhwc');
  const operands = dims.map((_, i) => (computed[i] ? computedIn(c, i, rank, nhwc) : constantIn(c, i, rank, nhwc)));
  if (count === 1) {
    c.emit.push({ name: c.name, op: 'identity', inputs: [operands[0]], attrs: { was: c.node.opType } });
  } else {
    let acc = operands[0];
    operands.slice(1).forEach((node, k) => {
      const name = k === count - 2 ? c.name : c.emit.fresh(`${c.name}_partial${k + 1}`);
      acc = c.emit.push({ name, op, inputs: [acc, node], attrs: {} });
    });
  }
  return { node: c.name, onnx: out, ours: nhwc ? nhwcOf(out) : out, layout: nhwc ? 'nhwc' : 'rowmajor' };
}

const BINARY: Record<string, BinaryFunction> = { Sub: 'sub', Mul: 'mul', Div: 'div', Pow: 'pow', Max: 'max', Min: 'min' };

/** Sub, Mul, Div, Pow (two operands); Max and Min (any number). */
export function convertBinary(c: NodeContext): Value {
  const op = BINARY[c.node.opType];
  if (!op) throw new Error(`no binary function for ${c.node.opType}`);
  const variadic = c.node.opType === 'Max' || c.node.opType === 'Min';
  // Before opset 7, broadcasting was opt-in and aligned at an `axis`, not NumPy's trailing rule.
  if (!variadic && c.opset < 7 && attrInt(c.node, 'broadcast', 0) === 1) unsupported('legacy broadcasting with an axis (opset < 7)');
  return convertBroadcast(c, op, variadic ? c.inputCount : 2);
}

/** PRelu: the slope (a constant broadcast to the input) is the node's learned parameter `alpha`. */
export function convertPRelu(c: NodeContext): Value {
  const x = c.value(0);
  const t = c.constant(1, 'slope');
  const out = broadcastDims([x.onnx, t.dims]);
  if (!out || out.length !== x.onnx.length || out.some((d, k) => d !== x.onnx[k])) {
    unsupported(`slope ${fmtDims(t.dims)} does not broadcast to the input ${fmtDims(x.onnx)}`);
  }
  const rank = x.onnx.length;
  const dims = padTo(t.dims, rank);
  const data = floats(t, 'slope');
  const input = x.layout === 'nhwc' ? x : c.emit.reshaped(c.emit.asRowmajor(x, c.name), x.onnx, c.name);
  const slope = input.layout === 'nhwc' ? nhwcOf(dims) : dims;
  c.emit.push({ name: c.name, op: 'prelu', inputs: [input.node], attrs: { slope } });
  c.emit.param(c.name, 'alpha', slope, input.layout === 'nhwc' ? nchwToNhwc(data, dims) : Float32Array.from(data));
  return { ...input, node: c.name };
}
