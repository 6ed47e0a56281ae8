// Converters for LayerNormalization (over the last axis, opset 17) and LRN (across channels).
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
