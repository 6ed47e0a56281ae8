// Converters for LayerNormalization (over the last axis, opset 17), InstanceNormalization (per sample and
// channel, over the spatial axes; PyTorch's GroupNorm exports as one between two Reshapes) and LRN (across channels).
import { attrFloat, attrInt } from './onnx-graph-attrs.js';
import { floats, type NodeContext } from './onnx-graph-context.js';
import { unsupported } from './onnx-graph-error.js';
import { fmtDims, type Value } from './onnx-graph-values.js';

export function convertLayerNorm(c: NodeContext): Value {
  const x = c.value(0);
  const r = x.onnx.length;
  const axis = attrInt(c.node, 'axis', -1);
  if ((axis < 0 ? axis + r : axis) !== r - 1) unsupported(`axis ${axis} of a rank-${r} tensor (only the last axis)`);
  if (c.outputRead(1) || c.outputRead(2)) unsupported('the Mean or InvStdDev output is read');
  const channels = x.onnx[r - 1];
  const scale = c.optionalConstant(1, 'scale'),
    bias = c.optionalConstant(2, 'bias');
  // The last ONNX axis is our last axis when the value is held row-major.
  const rows = c.emit.reshaped(c.emit.asRowmajor(x, c.name), x.onnx, c.name);
  const attrs = { epsilon: attrFloat(c.node, 'epsilon', 1e-5), scale: scale !== undefined, center: bias !== undefined };
  c.emit.push({ name: c.name, op: 'layernorm', inputs: [rows.node], attrs });
  for (const [kind, t] of [
    ['gamma', scale],
    ['beta', bias],
  ] as const) {
    if (!t) continue;
    const v = floats(t, kind);
    if (v.length !== channels) unsupported(`${kind} of shape ${fmtDims(t.dims)} for ${channels} channels`);
    c.emit.param(c.name, kind, [channels], v);
  }
  return { ...rows, node: c.name };
}

/**
 * InstanceNormalization: y = scale·(x − mean)/sqrt(variance + ε) + B, with mean and (biased) variance per sample
 * and channel over the axes after C. Decomposed into graph ops (reducemean, sub, mul, sqrt, div), so its backward is
 * theirs: a 4-D map normalised NHWC over H and W; any other rank (PyTorch's GroupNorm export, [N, G, C/G·H·W])
 * row-major over its trailing axes. A scale of ones and a bias of zeros (the GroupNorm export's) are left out.
 */
export function convertInstanceNorm(c: NodeContext): Value {
  const v = c.value(0);
  const r = v.onnx.length;
  if (r < 3) unsupported(`a rank-${r} input ${fmtDims(v.onnx)} (N, C and at least one axis to normalise over)`);
  const channels = v.onnx[1];
  const affine = ['scale', 'B'].map((role, i) => {
    const t = c.constant(i + 1, role);
    const values = floats(t, role);
    if (values.length !== channels) unsupported(`${role} of shape ${fmtDims(t.dims)} for ${channels} channels`);
    return values;
  });
  const x = r === 4 ? c.emit.asNhwc(v, c.name, 'InstanceNormalization') : c.emit.reshaped(c.emit.asRowmajor(v, c.name), v.onnx, c.name);
  const nhwc = x.layout === 'nhwc';
  const axes = nhwc ? [1, 2] : Array.from({ length: r - 2 }, (_, k) => k + 2);
  // Per-channel constants broadcast against the value as held: [C] on NHWC, [C, 1, …] on [N, C, …].
  const perChannel = nhwc ? [channels] : [channels, ...new Array<number>(r - 2).fill(1)];
  const [scale, bias] = affine;
  const hasScale = scale.some((s) => s !== 1),
    hasBias = bias.some((b) => b !== 0);
  const step = (suffix: string, last: boolean) => (last ? c.name : c.emit.fresh(`${c.name}_${suffix}`));
  const mean = c.emit.push({ name: step('mean', false), op: 'reducemean', inputs: [x.node], attrs: { axes, keepdims: true } });
  const centred = c.emit.push({ name: step('centred', false), op: 'sub', inputs: [x.node, mean], attrs: {} });
  const squares = c.emit.push({ name: step('squares', false), op: 'mul', inputs: [centred, centred], attrs: {} });
  const variance = c.emit.push({ name: step('variance', false), op: 'reducemean', inputs: [squares], attrs: { axes, keepdims: true } });
  const epsilon = c.emit.derivedConstant(`${c.name}_epsilon`, [1], Float32Array.of(attrFloat(c.node, 'epsilon', 1e-5)));
  const shifted = c.emit.push({ name: step('variance_epsilon', false), op: 'add', inputs: [variance, epsilon], attrs: {} });
  const std = c.emit.push({ name: step('std', false), op: 'sqrt', inputs: [shifted], attrs: {} });
  let y = c.emit.push({ name: step('normalised', !hasScale && !hasBias), op: 'div', inputs: [centred, std], attrs: {} });
  if (hasScale) {
    const s = c.emit.derivedConstant(`${c.name}_scale`, perChannel, scale);
    y = c.emit.push({ name: step('scaled', !hasBias), op: 'mul', inputs: [y, s], attrs: {} });
  }
  if (hasBias) y = c.emit.push({ name: c.name, op: 'add', inputs: [y, c.emit.derivedConstant(`${c.name}_B`, perChannel, bias)], attrs: {} });
  return { ...x, node: y };
}

export function convertLrn(c: NodeContext): Value {
  const x = c.emit.asNhwc(c.value(0), c.name, 'LRN');
  const attrs = {
    size: attrInt(c.node, 'size', 0),
    alpha: attrFloat(c.node, 'alpha', 1e-4),
    beta: attrFloat(c.node, 'beta', 0.75),
    bias: attrFloat(c.node, 'bias', 1),
  };
  if (attrs.size < 1) throw new Error(`LRN '${c.name}' has no size`);
  c.emit.push({ name: c.name, op: 'lrn', inputs: [x.node], attrs });
  return { ...x, node: c.name };
}
