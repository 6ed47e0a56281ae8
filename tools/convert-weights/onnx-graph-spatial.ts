// Converters for the ops over NCHW feature maps: Conv, BatchNormalization, MaxPool, AveragePool,
// GlobalAveragePool, GlobalMaxPool and Pad. Filters go from OIHW to HWIO here, once.
import type { Padding } from '../../src/ops/padding.js';
import { windowsHitInput } from '../../src/ops/pool.js';
import { attrFloat, attrInt, attrInts, attrString, windowGeometry, windowOutput, type WindowGeometry } from './onnx-graph-attrs.js';
import { floats, ints, type NodeContext } from './onnx-graph-context.js';
import { unsupported } from './onnx-graph-error.js';
import { fmtDims, nhwcOf, type Value } from './onnx-graph-values.js';

/** [O, I, KH, KW] → [KH, KW, I, O]. */
export function oihwToHwio(w: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + ic) * o + oc] = w[((oc * i + ic) * kh + y) * kw + x];
      }
    }
  }
  return out;
}

function nhwcResult(node: string, onnx: number[]): Value {
  return { node, onnx, ours: nhwcOf(onnx), layout: 'nhwc' };
}

export function convertConv(c: NodeContext): Value {
  const x = c.value(0);
  const w = c.constant(1, 'weight');
  const b = c.optionalConstant(2, 'bias');
  if (w.dims.length !== 4) unsupported(`${w.dims.length - 2}-D convolution (only 2-D)`);
  const group = attrInt(c.node, 'group', 1);
  const xh = c.emit.asNhwc(x, c.name, 'Conv');
  const [o, i, kh, kw] = w.dims;
  const [n, channels, h, wd] = xh.onnx;
  if (i * group !== channels || o % group !== 0)
    throw new Error(`Conv '${c.name}': weight ${fmtDims(w.dims)} with group=${group} does not fit input ${fmtDims(xh.onnx)}`);
  const ks = attrInts(c.node, 'kernel_shape');
  if (ks && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw))
    throw new Error(`Conv '${c.name}': kernel_shape [${ks.join(', ')}] disagrees with weight ${fmtDims(w.dims)}`);
  const g = windowGeometry(c.node, [kh, kw], h, wd);
  const [oh, ow] = windowOutput(`Conv '${c.name}'`, g, h, wd);
  c.emit.push({
    name: c.name,
    op: 'conv2d',
    inputs: [xh.node],
    attrs: {
      filters: o,
      kernel: g.kernel,
      strides: g.strides,
      dilations: g.dilations,
      padding: g.padding,
      useBias: b !== undefined,
      ...(group !== 1 ? { groups: group } : {}),
    },
  });
  c.emit.param(c.name, 'kernel', [kh, kw, i, o], oihwToHwio(floats(w, 'weight'), o, i, kh, kw));
  if (b) c.emit.param(c.name, 'bias', [o], floats(b, 'bias', [o]));
  return nhwcResult(c.name, [n, o, oh, ow]);
}

export function convertBatchNorm(c: NodeContext): Value {
  const x = c.value(0);
  if (attrInt(c.node, 'training_mode', 0) !== 0) unsupported('training_mode=1 (normalises with the batch statistics)');
  if (c.opset < 9 && attrInt(c.node, 'spatial', 1) !== 1) unsupported('spatial=0 (statistics per activation, not per channel)');
  if ([1, 2, 3, 4].some((k) => c.outputRead(k))) unsupported('the running-statistics outputs are read (training)');
  const r = x.onnx.length;
  if (r !== 4 && r !== 2) unsupported(`BatchNormalization of a rank-${r} tensor ${fmtDims(x.onnx)} (only 4-D NCHW or 2-D [N, C])`);
  const channels = x.onnx[1];
  const input = r === 4 ? c.emit.asNhwc(x, c.name, 'BatchNormalization') : c.emit.reshaped(c.emit.asRowmajor(x, c.name), [x.onnx[0], channels], c.name);
  const epsilon = attrFloat(c.node, 'epsilon', 1e-5);
  c.emit.push({ name: c.name, op: 'batchnorm', inputs: [input.node], attrs: { epsilon, center: true, scale: true } });
  const perChannel = (k: number, role: string) => floats(c.constant(k, role), role, [channels]);
  c.emit.param(c.name, 'gamma', [channels], perChannel(1, 'scale'));
  c.emit.param(c.name, 'beta', [channels], perChannel(2, 'bias'));
  c.emit.param(c.name, 'moving_mean', [channels], perChannel(3, 'mean'));
  c.emit.param(c.name, 'moving_variance', [channels], perChannel(4, 'variance'));
  return { ...input, node: c.name };
}

function poolGeometry(c: NodeContext, xh: Value): { g: WindowGeometry; out: number[]; ceilMode: boolean } {
  const ks = attrInts(c.node, 'kernel_shape');
  if (ks?.length !== 2 || !ks.every((k) => Number.isInteger(k) && k > 0))
    throw new Error(`${c.node.opType} '${c.name}': kernel_shape [${ks?.join(', ') ?? ''}] is not a 2-D kernel`);
  const [n, channels, h, w] = xh.onnx;
  const g = windowGeometry(c.node, [ks[0], ks[1]], h, w);
  const p = g.resolved;
  // The pool op's rules: padding narrower than the (dilated) window span, and no window of padding only.
  const [spanH, spanW] = g.dilations.map((d, i) => (ks[i] - 1) * d + 1);
  if (p.top >= spanH || p.bottom >= spanH || p.left >= spanW || p.right >= spanW) {
    unsupported(`pads ${JSON.stringify(p)} not smaller than the window span [${spanH}, ${spanW}] (windows of padding only)`);
  }
  const ceilMode = attrInt(c.node, 'ceil_mode', 0) === 1;
  const [oh, ow] = windowOutput(`${c.node.opType} '${c.name}'`, g, h, w, ceilMode);
  if (!windowsHitInput(h, p.top, ks[0], g.strides[0], g.dilations[0], oh) || !windowsHitInput(w, p.left, ks[1], g.strides[1], g.dilations[1], ow)) {
    unsupported(`dilations [${g.dilations.join(', ')}] with pads ${JSON.stringify(p)} leave a window with padding only`);
  }
  return { g, out: [n, channels, oh, ow], ceilMode };
}

/** The window attributes a pool node carries (dilations only when not [1, 1], ceilMode only when set). */
function poolAttrs(g: WindowGeometry, ceilMode: boolean) {
  return {
    kernel: g.kernel,
    strides: g.strides,
    padding: g.padding,
    ...(ceilMode ? { ceilMode } : {}),
    ...(g.dilations.some((d) => d !== 1) ? { dilations: g.dilations } : {}),
  };
}

function poolInput(c: NodeContext): Value {
  const x = c.value(0);
  const ks = attrInts(c.node, 'kernel_shape');
  if (ks && ks.length !== 2) unsupported(`${ks.length}-D pooling (only 2-D)`);
  if (c.outputRead(1)) unsupported('the Indices output is read');
  return c.emit.asNhwc(x, c.name, c.node.opType);
}

export function convertMaxPool(c: NodeContext): Value {
  const xh = poolInput(c);
  const { g, out, ceilMode } = poolGeometry(c, xh);
  c.emit.push({ name: c.name, op: 'maxpool', inputs: [xh.node], attrs: poolAttrs(g, ceilMode) });
  return nhwcResult(c.name, out);
}

export function convertAveragePool(c: NodeContext): Value {
  const xh = poolInput(c);
  const { g, out, ceilMode } = poolGeometry(c, xh);
  const countIncludePad = attrInt(c.node, 'count_include_pad', 0) === 1;
  c.emit.push({ name: c.name, op: 'avgpool', inputs: [xh.node], attrs: { ...poolAttrs(g, ceilMode), countIncludePad } });
  return nhwcResult(c.name, out);
}

/** GlobalAveragePool / GlobalMaxPool: [N, C, 1, 1], held row-major as [N, C]. */
export function convertGlobalPool(c: NodeContext): Value {
  const x = c.value(0);
  if (x.onnx.length !== 4) unsupported(`${c.node.opType} of a rank-${x.onnx.length} tensor ${fmtDims(x.onnx)} (only 4-D NCHW)`);
  const xh = c.emit.asNhwc(x, c.name, c.node.opType);
  c.emit.push({ name: c.name, op: c.node.opType === 'GlobalAveragePool' ? 'globalavgpool' : 'globalmaxpool', inputs: [xh.node], attrs: {} });
  const [n, channels] = xh.onnx;
  return { node: c.name, onnx: [n, channels, 1, 1], ours: [n, channels], layout: 'rowmajor' };
}

/** pads [x1_begin, x2_begin, …, x1_end, x2_end] for every axis, from the attribute (opset < 11) or the inputs. */
function padAmounts(c: NodeContext, rank: number): number[] {
  if (c.opset < 11) {
    const pads = attrInts(c.node, c.opset < 2 ? 'paddings' : 'pads');
    if (!pads) throw new Error(`Pad '${c.name}': no pads attribute`);
    return pads;
  }
  const pads = ints(c.constant(1, 'pads'), 'pads');
  const axesTensor = c.optionalConstant(3, 'axes');
  if (!axesTensor) return pads;
  const axes = ints(axesTensor, 'axes').map((a) => (a < 0 ? a + rank : a));
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, k) => {
    full[a] = pads[k];
    full[rank + a] = pads[axes.length + k];
  });
  return full;
}

export function convertPad(c: NodeContext): Value {
  const x = c.value(0);
  const mode = attrString(c.node, 'mode', 'constant');
  if (mode !== 'constant') unsupported(`mode '${mode}' (only 'constant')`);
  const r = x.onnx.length;
  const pads = padAmounts(c, r);
  if (pads.length !== 2 * r) throw new Error(`Pad '${c.name}': ${pads.length} pads for a rank-${r} input`);
  if (pads.some((p) => p < 0)) unsupported(`negative pads [${pads.join(', ')}] (cropping)`);
  if (r !== 4) unsupported(`padding a rank-${r} tensor ${fmtDims(x.onnx)} (only 4-D NCHW)`);
  if (pads[0] || pads[1] || pads[4] || pads[5]) unsupported(`padding the batch or channel axis (pads [${pads.join(', ')}])`);
  let value = 0;
  if (c.opset < 11) value = attrFloat(c.node, 'value', 0);
  else {
    const v = c.optionalConstant(2, 'constant_value');
    if (v) value = floats(v, 'constant_value')[0] ?? 0;
  }
  const xh = c.emit.asNhwc(x, c.name, 'Pad');
  const padding: Padding = { top: pads[2], left: pads[3], bottom: pads[6], right: pads[7] };
  c.emit.push({ name: c.name, op: 'pad', inputs: [xh.node], attrs: { padding, ...(value !== 0 ? { value } : {}) } });
  const [n, channels, h, w] = xh.onnx;
  return nhwcResult(c.name, [n, channels, h + padding.top + padding.bottom, w + padding.left + padding.right]);
}
