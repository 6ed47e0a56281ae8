// Converters that move axes: Transpose, Slice, Split, Squeeze, Unsqueeze, the Reduce ops and MatMul
// of any rank. A value's layout records how our tensor's axes relate to the ONNX ones ('nhwc':
// [N, C, H, W] held as [N, H, W, C]; 'rowmajor': the ONNX order), so the permutes exporters write
// around channels-last blocks cost nothing: Transpose [0, 2, 3, 1] of an NHWC value IS that value
// read row-major, and Transpose [0, 3, 1, 2] of a row-major [N, H, W, C] value IS an NHWC one
// (ConvNeXt's Permute pairs cancel). Other permutations become a transpose node.
import type { GraphNode } from '../../src/models/graph.js';
import { attrInt, attrInts } from './onnx-graph-attrs.js';
import { floats, ints, type NodeContext } from './onnx-graph-context.js';
import { unsupported } from './onnx-graph-error.js';
import { reshapeValue } from './onnx-graph-tensor.js';
import { fmtDims, layoutFree, nhwcOf, sameDims, type Value } from './onnx-graph-values.js';

/** Where ONNX axis a of a rank-4 NCHW value lives in our NHWC tensor. */
const NHWC_AXIS = [0, 3, 1, 2];

/** The value held row-major with exactly its ONNX shape. */
function rows(c: NodeContext, x: Value): Value {
  return c.emit.reshaped(c.emit.asRowmajor(x, c.name), x.onnx, c.name);
}

/** Our axis for ONNX axis a of x (x row-major with its ONNX shape, or NHWC). */
const ourAxis = (x: Value, a: number) => (x.layout === 'nhwc' ? NHWC_AXIS[a] : a);

function push(c: NodeContext, node: GraphNode, onnx: number[], layout: Value['layout'], ours: number[]): Value {
  c.emit.push(node);
  return { node: node.name, onnx, ours, layout };
}

export function convertTranspose(c: NodeContext): Value {
  const given = c.value(0);
  const r = given.onnx.length;
  const perm = (attrInts(c.node, 'perm') ?? given.onnx.map((_, i) => r - 1 - i)).map((p) => (p < 0 ? p + r : p));
  // A pooled [N, C, 1, 1] held as [N, C] is NHWC already (a reshape): its permute to channels-last is then free.
  const x = given.layout === 'rowmajor' && layoutFree(given.onnx) && sameDims(perm, [0, 2, 3, 1]) ? c.emit.asNhwc(given, c.name, 'Transpose') : given;
  if (perm[0] !== 0) unsupported(`perm [${perm.join(', ')}] moves the batch axis`);
  const out = perm.map((p) => x.onnx[p]);
  if (x.layout === 'nhwc' && sameDims(perm, [0, 2, 3, 1])) {
    return push(c, { name: c.name, op: 'identity', inputs: [x.node], attrs: { was: 'Transpose' } }, out, 'rowmajor', x.ours);
  }
  if (x.layout === 'rowmajor' && r === 4 && sameDims(perm, [0, 3, 1, 2])) {
    const held = rows(c, x);
    return push(c, { name: c.name, op: 'identity', inputs: [held.node], attrs: { was: 'Transpose' } }, out, 'nhwc', nhwcOf(out));
  }
  const source = x.layout === 'nhwc' ? x : rows(c, x);
  if (r === 4 && !sameDims(perm, [0, 2, 3, 1])) {
    // A rank-4 result is held NHWC like every feature map: our axis i is ONNX output axis [0, 2, 3, 1][i].
    // (A permute to channels-last is already NHWC when read row-major, and stays so.)
    const ourPerm = [0, 2, 3, 1].map((i) => ourAxis(source, perm[i]));
    const node: GraphNode = sameDims(ourPerm, [0, 1, 2, 3])
      ? { name: c.name, op: 'identity', inputs: [source.node], attrs: { was: 'Transpose' } }
      : { name: c.name, op: 'transpose', inputs: [source.node], attrs: { perm: ourPerm } };
    return push(c, node, out, 'nhwc', nhwcOf(out));
  }
  const ourPerm = perm.map((a) => ourAxis(source, a));
  return push(c, { name: c.name, op: 'transpose', inputs: [source.node], attrs: { perm: ourPerm } }, out, 'rowmajor', out);
}

/** A slice of x along ONNX axes (never the batch), in x's layout. */
function sliceOf(c: NodeContext, x: Value, name: string, starts: number[], ends: number[], axes: number[], steps: number[]): Value {
  const r = x.onnx.length;
  const source = x.layout === 'nhwc' ? x : rows(c, x);
  const out = [...x.onnx];
  const kept: number[] = [];
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + r : a0;
    const dim = x.onnx[a];
    const clampTo = (v: number) => Math.max(Math.min(v, dim), -dim - 1);
    const [s, e] = [clampTo(starts[i]), clampTo(ends[i])];
    const wrap = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const len = steps[i] > 0 ? Math.ceil((wrap(e, 0, dim) - wrap(s, 0, dim)) / steps[i]) : Math.ceil((wrap(e, -1, dim - 1) - wrap(s, 0, dim - 1)) / steps[i]);
    out[a] = Math.max(0, len);
    if (a === 0 && out[0] !== dim) unsupported('a slice of the batch axis');
    if (a !== 0) kept.push(i);
    starts[i] = s;
    ends[i] = e;
  });
  if (out.some((d) => d === 0)) unsupported(`an empty slice ${fmtDims(out)}`);
  const pick = (list: number[]) => kept.map((i) => list[i]);
  const attrs = { starts: pick(starts), ends: pick(ends), axes: pick(axes).map((a) => ourAxis(source, a < 0 ? a + r : a)), steps: pick(steps) };
  const ours = source.layout === 'nhwc' ? nhwcOf(out) : out;
  return push(c, { name, op: 'slice', inputs: [source.node], attrs }, out, source.layout, ours);
}

export function convertSlice(c: NodeContext): Value {
  const x = c.value(0);
  const list = (i: number, attr: string) => (c.opset < 10 ? attrInts(c.node, attr) : c.optionalConstant(i, attr) && ints(c.constant(i, attr), attr));
  const starts = list(1, 'starts'),
    ends = list(2, 'ends');
  if (!starts || !ends) throw new Error(`Slice '${c.name}' has no starts or ends`);
  const axes = list(3, 'axes') || starts.map((_, i) => i);
  const steps = (c.opset >= 10 && list(4, 'steps')) || starts.map(() => 1);
  if (steps.some((s) => s === 0)) throw new Error(`Slice '${c.name}': a step of 0`);
  return sliceOf(c, x, c.name, [...starts], [...ends], axes, steps);
}

/** Split into slices along one axis: sizes from the 'split' attribute (opset < 13) or input, else equal parts. */
export function convertSplit(c: NodeContext): Value[] {
  const x = c.value(0);
  const r = x.onnx.length;
  let axis = attrInt(c.node, 'axis', 0);
  if (axis < 0) axis += r;
  if (axis === 0) unsupported('a split of the batch axis');
  const count = c.node.outputs.length;
  const given = c.opset < 13 ? attrInts(c.node, 'split') : c.optionalConstant(1, 'split') && ints(c.constant(1, 'split'), 'split');
  const dim = x.onnx[axis];
  const part = Math.ceil(dim / count);
  const sizes = given || Array.from({ length: count }, (_, k) => Math.min(part, dim - k * part));
  if (sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((s) => s <= 0)) unsupported(`split sizes [${sizes.join(', ')}] of ${dim}`);
  let start = 0;
  return sizes.map((size, k) => {
    const name = k === 0 ? c.name : c.emit.fresh(c.node.outputs[k] || `${c.name}_${k}`);
    const v = sliceOf(c, x, name, [start], [start + size], [axis], [1]);
    start += size;
    return v;
  });
}

/** Squeeze and Unsqueeze of a computed value: a reshape (never of the batch axis). */
export function convertSqueeze(c: NodeContext): Value {
  const x = c.value(0);
  const given = attrInts(c.node, 'axes') ?? (c.optionalConstant(1, 'axes') && ints(c.constant(1, 'axes'), 'axes'));
  const r = x.onnx.length;
  let out: number[];
  if (c.node.opType === 'Squeeze') {
    const axes = given ? given.map((a) => (a < 0 ? a + r : a)) : x.onnx.flatMap((d, i) => (d === 1 && i > 0 ? [i] : []));
    out = x.onnx.filter((_, i) => !axes.includes(i));
  } else {
    if (!given) throw new Error(`Unsqueeze '${c.name}' has no axes`);
    const rank = r + given.length;
    const axes = given.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    out = [...x.onnx];
    for (const a of axes) out.splice(a, 0, 1);
  }
  return reshapeValue(c, x, out);
}

const REDUCE = { ReduceMean: 'reducemean', ReduceSum: 'reducesum', ReduceMax: 'reducemax', ReduceMin: 'reducemin' } as const;

/** ReduceMean/Sum/Max/Min over constant axes (an attribute, or an input from opset 13/18 on). */
export function convertReduce(c: NodeContext): Value {
  const op = REDUCE[c.node.opType as keyof typeof REDUCE];
  const x = c.value(0);
  const r = x.onnx.length;
  const fromInput = c.node.opType === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
  const given = fromInput ? c.optionalConstant(1, 'axes') && ints(c.constant(1, 'axes'), 'axes') : attrInts(c.node, 'axes');
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  if ((!given || given.length === 0) && attrInt(c.node, 'noop_with_empty_axes', 0) === 1) {
    return push(c, { name: c.name, op: 'identity', inputs: [x.node], attrs: { was: c.node.opType } }, x.onnx, x.layout, x.ours);
  }
  const axes = (given && given.length > 0 ? given : x.onnx.map((_, i) => i)).map((a) => (a < 0 ? a + r : a));
  if (axes.includes(0)) unsupported('a reduction over the batch axis');
  const out = keep ? x.onnx.map((d, i) => (axes.includes(i) ? 1 : d)) : x.onnx.filter((_, i) => !axes.includes(i));
  let source = x.layout === 'nhwc' ? x : rows(c, x);
  if (source.layout === 'nhwc' && !keep) {
    // Dropping axes of an NHWC tensor leaves ONNX's row-major order only when the remaining axes of size > 1 keep their ONNX order.
    const left = [0, 2, 3, 1].filter((a) => !axes.includes(a) && x.onnx[a] > 1);
    if (!left.every((a, i) => i === 0 || a > left[i - 1])) source = rows(c, x);
  }
  const attrs = { axes: axes.map((a) => ourAxis(source, a)), keepdims: keep };
  const layout = source.layout === 'nhwc' && keep ? 'nhwc' : 'rowmajor';
  const remaining = source.ours.filter((_, i) => !attrs.axes.includes(i));
  const ours = source.layout === 'nhwc' ? (keep ? nhwcOf(out) : remaining) : out;
  return push(c, { name: c.name, op, inputs: [source.node], attrs }, out, layout, ours);
}

/** MatMul of rank > 2 (or with a computed right operand): a batched matmul node over row-major values. */
export function convertBatchedMatMul(c: NodeContext): Value {
  const a = rows(c, c.value(0));
  let b: string, bDims: number[];
  if (c.isConstant(1)) {
    const t = c.constant(1, 'B');
    bDims = t.dims;
    b = c.emit.derivedConstant(`${c.name}_B`, bDims, floats(t, 'B'));
  } else {
    const v = rows(c, c.value(1));
    bDims = v.onnx;
    b = v.node;
  }
  if (bDims.length < 2 || bDims.length > a.onnx.length) unsupported(`B ${fmtDims(bDims)} for A ${fmtDims(a.onnx)} (B of rank 2..rank of A)`);
  const [m, k] = a.onnx.slice(-2),
    [k2, n] = bDims.slice(-2);
  if (k !== k2) throw new Error(`MatMul '${c.name}': B ${fmtDims(bDims)} does not fit A ${fmtDims(a.onnx)}`);
  const batchA = a.onnx.slice(0, -2),
    batchB = bDims.slice(0, -2);
  const batch = batchA.map((d, i) => {
    const e = batchB[i - (batchA.length - batchB.length)] ?? 1;
    if (d !== e && d !== 1 && e !== 1) throw new Error(`MatMul '${c.name}': batch axes of ${fmtDims(a.onnx)} and ${fmtDims(bDims)} do not broadcast`);
    return Math.max(d, e);
  });
  if (batch[0] !== a.onnx[0]) unsupported(`B ${fmtDims(bDims)} broadcasts the batch axis of A ${fmtDims(a.onnx)}`);
  const out = [...batch, m, n];
  return push(c, { name: c.name, op: 'matmul', inputs: [a.node, b], attrs: {} }, out, 'rowmajor', out);
}
