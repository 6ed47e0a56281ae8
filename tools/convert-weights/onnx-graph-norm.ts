// Converters for LayerNormalization (over the last axis, opset 17), InstanceNormalization (per sample and
// channel, over the spatial axes; PyTorch's GroupNorm exports as one between two Reshapes), GroupNormalization
// (opset 18) and LRN (across channels).
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
 * (x − mean)/sqrt(variance + ε) over `axes` of the value as held, mean and (biased) variance kept per remaining
 * index: graph nodes (reducemean, sub, mul, add, sqrt, div) whose backwards are theirs. The division is `name`.
 */
function normalised(c: NodeContext, x: string, axes: number[], epsilon: number, name: string): string {
  const step = (suffix: string) => c.emit.fresh(`${c.name}_${suffix}`);
  const mean = c.emit.push({ name: step('mean'), op: 'reducemean', inputs: [x], attrs: { axes, keepdims: true } });
  const centred = c.emit.push({ name: step('centred'), op: 'sub', inputs: [x, mean], attrs: {} });
  const squares = c.emit.push({ name: step('squares'), op: 'mul', inputs: [centred, centred], attrs: {} });
  const variance = c.emit.push({ name: step('variance'), op: 'reducemean', inputs: [squares], attrs: { axes, keepdims: true } });
  const eps = c.emit.derivedConstant(`${c.name}_epsilon`, [1], Float32Array.of(epsilon));
  const shifted = c.emit.push({ name: step('variance_epsilon'), op: 'add', inputs: [variance, eps], attrs: {} });
  const std = c.emit.push({ name: step('std'), op: 'sqrt', inputs: [shifted], attrs: {} });
  return c.emit.push({ name, op: 'div', inputs: [centred, std], attrs: {} });
}

/** The InstanceNormalization/GroupNormalization `scale` and `B`/`bias` inputs, `count` values each. */
function scaleAndBias(c: NodeContext, count: number, what: string): { scale: Float32Array; bias: Float32Array; trivial: boolean } {
  const roles = c.node.opType === 'InstanceNormalization' ? ['scale', 'B'] : ['scale', 'bias'];
  const [scale, bias] = roles.map((role, i) => {
    const t = c.constant(i + 1, role);
    const values = floats(t, role);
    if (values.length !== count) unsupported(`${role} of shape ${fmtDims(t.dims)} for ${count} ${what}`);
    return values;
  });
  return { scale, bias, trivial: scale.every((v) => v === 1) && bias.every((v) => v === 0) };
}

/** y·scale + bias with constants of graph shape `shape` (a scale of ones and a bias of zeros left out); the last node is `name`. */
function affine(c: NodeContext, y: string, p: { scale: Float32Array; bias: Float32Array }, shape: number[], name: string): string {
  const hasScale = p.scale.some((v) => v !== 1),
    hasBias = p.bias.some((v) => v !== 0);
  let out = y;
  if (hasScale) {
    const s = c.emit.derivedConstant(`${c.name}_scale`, shape, p.scale);
    out = c.emit.push({ name: hasBias ? c.emit.fresh(`${c.name}_scaled`) : name, op: 'mul', inputs: [out, s], attrs: {} });
  }
  if (hasBias) out = c.emit.push({ name, op: 'add', inputs: [out, c.emit.derivedConstant(`${c.name}_bias`, shape, p.bias)], attrs: {} });
  return out;
}

/**
 * InstanceNormalization: y = scale·(x − mean)/sqrt(variance + ε) + B, with mean and variance per sample and
 * channel over the axes after C: a 4-D map normalised NHWC over H and W; any other rank (PyTorch's GroupNorm
 * export, [N, G, C/G·H·W]) row-major over its trailing axes.
 */
export function convertInstanceNorm(c: NodeContext): Value {
  const v = c.value(0);
  const r = v.onnx.length;
  if (r < 3) unsupported(`a rank-${r} input ${fmtDims(v.onnx)} (N, C and at least one axis to normalise over)`);
  const channels = v.onnx[1];
  const p = scaleAndBias(c, channels, 'channels');
  const x = r === 4 ? c.emit.asNhwc(v, c.name, 'InstanceNormalization') : c.emit.reshaped(c.emit.asRowmajor(v, c.name), v.onnx, c.name);
  const nhwc = x.layout === 'nhwc';
  const axes = nhwc ? [1, 2] : Array.from({ length: r - 2 }, (_, k) => k + 2);
  const epsilon = attrFloat(c.node, 'epsilon', 1e-5);
  const y = normalised(c, x.node, axes, epsilon, p.trivial ? c.name : c.emit.fresh(`${c.name}_normalised`));
  // Per-channel constants broadcast against the value as held: [C] on NHWC, [C, 1, …] on [N, C, …].
  if (!p.trivial) affine(c, y, p, nhwc ? [channels] : [channels, ...new Array<number>(r - 2).fill(1)], c.name);
  return { ...x, node: c.name };
}

/**
 * GroupNormalization (opset 18): the channels split into num_groups groups, each normalised over its channels and
 * the spatial axes, row-major as [N, G, C/G·…]; scale and bias are per group (opset 18–20) or per channel (21).
 */
export function convertGroupNorm(c: NodeContext): Value {
  const v = c.value(0);
  const r = v.onnx.length;
  const groups = attrInt(c.node, 'num_groups', 0);
  const channels = v.onnx[1];
  if (r < 3) unsupported(`a rank-${r} input ${fmtDims(v.onnx)} (N, C and at least one axis to normalise over)`);
  if (!(groups >= 1 && channels % groups === 0)) unsupported(`num_groups ${groups} for ${channels} channels (a divisor of the channel count)`);
  const perChannel = c.opset >= 21;
  const p = scaleAndBias(c, perChannel ? channels : groups, perChannel ? 'channels' : 'groups');
  const rows = c.emit.asRowmajor(v, c.name);
  const grouped = c.emit.reshaped(rows, [rows.ours[0], groups, v.onnx.slice(1).reduce((a, b) => a * b, 1) / groups], c.name);
  const epsilon = attrFloat(c.node, 'epsilon', 1e-5);
  const lastIsReshape = p.trivial || !perChannel;
  let y = normalised(c, grouped.node, [2], epsilon, c.emit.fresh(`${c.name}_normalised`));
  if (!p.trivial && !perChannel) y = affine(c, y, p, [groups, 1], c.emit.fresh(`${c.name}_affine`));
  const back = c.emit.reshaped({ ...grouped, node: y }, v.onnx, c.name, lastIsReshape ? c.name : c.emit.fresh(`${c.name}_ungrouped`), 'GroupNormalization');
  if (!lastIsReshape) affine(c, back.node, p, [channels, ...new Array<number>(r - 2).fill(1)], c.name);
  return { ...back, node: c.name };
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
