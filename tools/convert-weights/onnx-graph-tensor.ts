// Converters for the layout-agnostic and classifier-head ops: Relu, Identity, Dropout, Add, Sum,
// Concat, Flatten, Reshape, Softmax, Gemm and MatMul.
//
// Flatten before a dense layer: a flatten of an NHWC feature map is emitted in 'nchw' order (the
// graph's channel-major flatten), so the features come out in ONNX's order and Gemm/MatMul weights
// are used as stored, only transposed to (in, out) where transB says so.
import { attrFloat, attrInt, attrInts } from './onnx-graph-attrs.js';
import { floats, ints, type NodeContext } from './onnx-graph-context.js';
import { unsupported } from './onnx-graph-error.js';
import { broadcastDims, convertBroadcast } from './onnx-graph-elementwise.js';
import { convertBatchedMatMul } from './onnx-graph-layout.js';
import { fmtDims, layoutFree, nhwcOf, product, sameDims, type Value } from './onnx-graph-values.js';

export function convertRelu(c: NodeContext): Value {
  const x = c.value(0);
  c.emit.push({ name: c.name, op: 'relu', inputs: [x.node], attrs: {} });
  return { ...x, node: c.name };
}

/** Identity and Dropout (the identity at inference). */
export function convertIdentity(c: NodeContext): Value {
  const x = c.value(0);
  if (c.node.opType === 'Dropout') {
    if (c.outputRead(1)) unsupported('the mask output is read');
    const training = c.optionalConstant(2, 'training_mode');
    if (training && floats(training, 'training_mode').some((v) => v !== 0)) unsupported('training_mode=true (random dropout)');
  }
  c.emit.push({ name: c.name, op: 'identity', inputs: [x.node], attrs: { was: c.node.opType } });
  return { ...x, node: c.name };
}

/** The values in one common layout and shape, for an elementwise or concat node. */
function unify(c: NodeContext, xs: Value[], keepShapes = false): Value[] {
  if (xs.every((v) => v.layout === 'nhwc')) return xs;
  if (xs.some((v) => v.layout === 'nhwc') && xs.every((v) => v.layout === 'nhwc' || layoutFree(v.onnx)))
    return xs.map((v) => c.emit.asNhwc(v, c.name, c.node.opType));
  const rows = xs.map((v) => c.emit.asRowmajor(v, c.name));
  return rows.map((v) => c.emit.reshaped(v, keepShapes ? v.onnx : rows[0].ours, c.name));
}

/**
 * Whether an operand of shape `dims` broadcast to `out` is one value per channel of `full` (the
 * add op's per-channel form): the channel axis of an NHWC value is ONNX axis 1, that of a row-major
 * value its last axis, which must also be the graph tensor's last axis.
 */
function isChannelVector(dims: readonly number[], out: readonly number[], full: Value): boolean {
  const padded = [...new Array<number>(out.length - dims.length).fill(1), ...dims];
  const axis = full.layout === 'nhwc' ? 1 : out.length - 1;
  if (full.layout === 'rowmajor' && (out.length < 2 || full.ours[full.ours.length - 1] !== out[axis])) return false;
  return padded.every((d, k) => (k === axis ? d === out[axis] : d === 1));
}

/**
 * Add (two operands) and Sum (any number): operands of the output's shape are added elementwise,
 * computed or constant; a constant that broadcasts as one value per channel becomes a [C] vector
 * added by the add op's per-channel form. Other broadcasting is unsupported.
 */
export function convertAdd(c: NodeContext): Value {
  const count = c.node.opType === 'Sum' ? c.inputCount : 2;
  if (count === 0) throw new Error(`Sum '${c.name}' has no inputs`);
  const dims = Array.from({ length: count }, (_, i) => (c.isConstant(i) ? c.constant(i, 'operand').dims : c.value(i).onnx));
  const out = broadcastDims(dims);
  if (!out) throw new Error(`${c.node.opType} '${c.name}': shapes ${dims.map(fmtDims).join(', ')} do not broadcast`);
  const fullAt = dims.flatMap((d, i) => (sameDims(d, out) ? [i] : []));
  const narrow = dims.flatMap((d, i) => (sameDims(d, out) ? [] : [i]));
  const computedNarrow = narrow.find((i) => !c.isConstant(i));
  // Broadcasts other than a constant per-channel bias go through the general broadcasting add.
  if (count === 2 && (computedNarrow !== undefined || fullAt.length === 0)) return convertBroadcast(c, 'add');
  if (computedNarrow !== undefined) unsupported(`broadcasting the computed ${fmtDims(dims[computedNarrow])} to ${fmtDims(out)} in a Sum of ${count}`);
  if (fullAt.length === 0) unsupported(`broadcasting ${dims.map(fmtDims).join(' with ')} in a Sum of ${count}`);
  if (count === 1) return convertIdentity(c);
  const ys = unify(
    c,
    fullAt.map((i) => c.operand(i)),
  );
  // Nodes unify() emitted for a path not taken are pruned with every other unread node.
  if (narrow.some((i) => !isChannelVector(dims[i], out, ys[0]))) {
    if (count === 2) return convertBroadcast(c, 'add');
    unsupported(`broadcasting ${dims.map(fmtDims).join(' with ')} in a Sum of ${count} (only equal shapes or one value per channel)`);
  }
  const vectors = narrow.map((i) => floats(c.constant(i, 'operand'), 'operand'));
  const operands = [...ys.slice(1).map((v) => v.node), ...vectors.map((v) => c.emit.derivedConstant(`${c.name}_channels`, [v.length], v))];
  let acc = ys[0];
  operands.forEach((node, k) => {
    const name = k === operands.length - 1 ? c.name : c.emit.fresh(`${c.name}_partial${k + 1}`);
    c.emit.push({ name, op: 'add', inputs: [acc.node, node], attrs: {} });
    acc = { ...acc, node: name };
  });
  return acc;
}

export function convertConcat(c: NodeContext): Value {
  const xs = Array.from({ length: c.inputCount }, (_, i) => c.operand(i));
  const r = xs[0].onnx.length;
  let axis = attrInt(c.node, 'axis', c.opset < 4 ? 1 : Number.NaN);
  if (Number.isNaN(axis)) throw new Error(`Concat '${c.name}' has no axis`);
  if (axis < 0) axis += r;
  const fits = xs.every((v) => v.onnx.length === r && v.onnx.every((d, i) => i === axis || d === xs[0].onnx[i]));
  if (!fits || axis < 0 || axis >= r) throw new Error(`Concat '${c.name}': inputs ${xs.map((v) => fmtDims(v.onnx)).join(', ')} along axis ${axis}`);
  if (axis === 0) unsupported('concatenation along the batch axis');
  const out = [...xs[0].onnx];
  out[axis] = xs.reduce((s, v) => s + v.onnx[axis], 0);
  const ys = unify(c, xs, true);
  const nhwc = ys[0].layout === 'nhwc';
  const ourAxis = nhwc ? [0, 3, 1, 2][axis] : axis;
  c.emit.push({ name: c.name, op: 'concat', inputs: ys.map((v) => v.node), attrs: { axis: ourAxis } });
  return { node: c.name, onnx: out, ours: nhwc ? nhwcOf(out) : out, layout: ys[0].layout };
}

export function convertFlatten(c: NodeContext): Value {
  const x = c.value(0);
  const r = x.onnx.length;
  let axis = attrInt(c.node, 'axis', 1);
  if (axis < 0) axis += r;
  if (axis === 0) unsupported('axis 0 (flattens the batch into the features)');
  if (axis !== 1) unsupported(`axis ${axis} (folds features into the batch axis; only axis 1)`);
  const out = [x.onnx[0], product(x.onnx.slice(1))];
  if (x.layout === 'nhwc' && !layoutFree(x.onnx)) {
    c.emit.push({ name: c.name, op: 'flatten', inputs: [x.node], attrs: { order: 'nchw' } });
    return { node: c.name, onnx: out, ours: out, layout: 'rowmajor' };
  }
  const v = c.emit.reshaped(c.emit.asRowmajor(x, c.name), out, c.name, c.name, 'Flatten');
  return { ...v, onnx: out };
}

/** The target shape of Reshape with 0 (copy, unless allowzero) and -1 (inferred) resolved. */
function reshapeTarget(c: NodeContext, input: readonly number[]): number[] {
  const spec = c.opset < 5 ? attrInts(c.node, 'shape') : ints(c.constant(1, 'shape'), 'shape');
  if (!spec) throw new Error(`Reshape '${c.name}' has no shape`);
  const allowZero = attrInt(c.node, 'allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  if (out.some((d) => d === 0 || d === undefined)) unsupported(`an empty tensor (shape [${spec.join(', ')}])`);
  const free = out.filter((d) => d === -1).length;
  const known = product(out.filter((d) => d !== -1));
  const total = product(input);
  if (free > 1 || (free === 0 && known !== total) || (free === 1 && total % known !== 0)) {
    throw new Error(`Reshape '${c.name}': shape [${spec.join(', ')}] does not fit ${fmtDims(input)}`);
  }
  return out.map((d) => (d === -1 ? total / known : d));
}

export function convertReshape(c: NodeContext): Value {
  const x = c.value(0);
  return reshapeValue(c, x, reshapeTarget(c, x.onnx));
}

/** The value x with ONNX shape `out` (same size and batch): Reshape, Squeeze, Unsqueeze. */
export function reshapeValue(c: NodeContext, x: Value, out: number[]): Value {
  if (out[0] !== x.onnx[0]) unsupported(`the batch axis changes (${fmtDims(x.onnx)} → ${fmtDims(out)})`);
  if (sameDims(out, x.onnx)) {
    c.emit.push({ name: c.name, op: 'identity', inputs: [x.node], attrs: { was: c.node.opType } });
    return { ...x, node: c.name };
  }
  if (x.layout === 'nhwc' && !layoutFree(x.onnx) && out.length === 2) {
    c.emit.push({ name: c.name, op: 'flatten', inputs: [x.node], attrs: { order: 'nchw' } });
    return { node: c.name, onnx: out, ours: out, layout: 'rowmajor' };
  }
  const rows = c.emit.asRowmajor(x, c.name);
  if (layoutFree(out)) return { ...c.emit.reshaped(rows, nhwcOf(out), c.name, c.name), onnx: out, layout: 'nhwc' };
  return { ...c.emit.reshaped(rows, out, c.name, c.name), onnx: out };
}

/**
 * Softmax and LogSoftmax (the same axis rules in every opset). Opset < 13 normalises over the flattened
 * axes [axis, rank), opset 13 along one axis. The graph's softmax/logsoftmax runs along its last axis:
 * the last ONNX axis of a row-major value, or the channels of an NHWC one.
 */
export function convertSoftmax(c: NodeContext): Value {
  const x = c.value(0);
  const r = x.onnx.length;
  const op = c.node.opType === 'LogSoftmax' ? 'logsoftmax' : 'softmax';
  let axis = attrInt(c.node, 'axis', c.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += r;
  if (axis === 0) unsupported(`${op} over the batch axis`);
  const trailing = product(x.onnx.slice(axis + 1));
  const overChannels = r === 4 && axis === 1 && (c.opset >= 13 || trailing === 1) && (x.layout === 'nhwc' || layoutFree(x.onnx));
  let input: Value;
  if (overChannels) input = c.emit.asNhwc(x, c.name, c.node.opType);
  else if (axis === r - 1 || (c.opset < 13 && axis >= 1)) {
    const rows = c.emit.asRowmajor(x, c.name);
    input = c.emit.reshaped(rows, [...x.onnx.slice(0, axis), product(x.onnx.slice(axis))], c.name);
  } else {
    unsupported(`${op} along axis ${axis} of ${fmtDims(x.onnx)} (only the last axis, or the channels of a 4-D tensor)`);
  }
  c.emit.push({ name: c.name, op, inputs: [input.node], attrs: {} });
  return { ...input, node: c.name };
}

/** The input rows [M, K] of a Gemm or MatMul. */
function matrixInput(c: NodeContext): Value {
  const a = c.value(0);
  if (a.onnx.length !== 2)
    unsupported(`${c.node.opType} of a rank-${a.onnx.length} input ${fmtDims(a.onnx)} (only [batch, features]; batched MatMul is not supported)`);
  return c.emit.reshaped(c.emit.asRowmajor(a, c.name), a.onnx, c.name);
}

function denseResult(c: NodeContext, a: Value, kernel: Float32Array, k: number, n: number, bias?: Float32Array, name = c.name): Value {
  c.emit.push({ name, op: 'dense', inputs: [a.node], attrs: { units: n, useBias: bias !== undefined } });
  c.emit.param(name, 'kernel', [k, n], kernel);
  if (bias) c.emit.param(name, 'bias', [n], bias);
  const out = [a.onnx[0], n];
  return { node: name, onnx: out, ours: out, layout: 'rowmajor' };
}

/** [rows, cols] → [cols, rows], in tiles so that both sides stay in cache (VGG16's fc1 is 103 M values). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(x.length);
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T) {
    for (let c0 = 0; c0 < cols; c0 += T) {
      const r1 = Math.min(r0 + T, rows),
        c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) y[c * rows + r] = x[r * cols + c];
    }
  }
  return y;
}

/** Gemm: Y = alpha·A·B' + beta·C, with B' = B or Bᵀ (transB) folded into an (in, out) kernel. */
export function convertGemm(c: NodeContext): Value {
  const a = matrixInput(c);
  if (attrInt(c.node, 'transA', 0) !== 0) unsupported('transA=1 on a computed input (its rows must stay the batch)');
  const transB = attrInt(c.node, 'transB', 0) !== 0;
  const alpha = attrFloat(c.node, 'alpha', 1);
  const beta = attrFloat(c.node, 'beta', 1);
  const b = c.constant(1, 'B');
  if (b.dims.length !== 2) throw new Error(`Gemm '${c.name}': B of shape ${fmtDims(b.dims)} is not a matrix`);
  const [k, n] = transB ? [b.dims[1], b.dims[0]] : [b.dims[0], b.dims[1]];
  if (k !== a.onnx[1]) throw new Error(`Gemm '${c.name}': B ${fmtDims(b.dims)}${transB ? 'ᵀ' : ''} does not fit A ${fmtDims(a.onnx)}`);
  const stored = floats(b, 'B');
  const kernel = transB ? transpose(stored, n, k) : Float32Array.from(stored);
  if (alpha !== 1) for (let i = 0; i < kernel.length; i++) kernel[i] *= alpha;
  const cT = c.optionalConstant(2, 'C');
  let bias: Float32Array | undefined;
  if (cT && beta !== 0) {
    const d = cT.dims;
    const rows = d.length === 2 ? d[0] : 1;
    const cols = d.length >= 1 ? d[d.length - 1] : 1;
    const m = a.onnx[0];
    if (d.length > 2 || (cols !== 1 && cols !== n)) throw new Error(`Gemm '${c.name}': C of shape ${fmtDims(d)} does not broadcast to [M, ${n}]`);
    if (rows !== 1 && rows !== m) unsupported(`C of shape ${fmtDims(d)} has ${rows} rows for a batch of ${m}`);
    const cv = floats(cT, 'C');
    if (rows !== 1)
      return gemmWithMatrixC(
        c,
        a,
        kernel,
        k,
        n,
        Float32Array.from({ length: m * n }, (_, i) => beta * cv[cols === 1 ? Math.floor(i / n) : i]),
      );
    bias = Float32Array.from({ length: n }, (_, j) => beta * cv[cols === 1 ? 0 : j]);
  }
  return denseResult(c, a, kernel, k, n, bias);
}

/**
 * A C that differs per row: the product (a dense node without bias) plus beta·C as a constant
 * [M, N] node. Its rows are the batch, so the graph runs at the file's batch size only.
 */
function gemmWithMatrixC(c: NodeContext, a: Value, kernel: Float32Array, k: number, n: number, scaledC: Float32Array): Value {
  const product = denseResult(c, a, kernel, k, n, undefined, c.emit.fresh(`${c.name}_product`));
  const matrix = c.emit.derivedConstant(`${c.name}_C`, product.ours, scaledC);
  c.emit.push({ name: c.name, op: 'add', inputs: [product.node, matrix], attrs: {} });
  return { ...product, node: c.name };
}

export function convertMatMul(c: NodeContext): Value {
  if (c.value(0).onnx.length !== 2 || !c.isConstant(1) || c.constant(1, 'B').dims.length !== 2) return convertBatchedMatMul(c);
  const a = matrixInput(c);
  const b = c.constant(1, 'B');
  if (b.dims.length !== 2) unsupported(`B of shape ${fmtDims(b.dims)} (only a [in, out] matrix)`);
  if (b.dims[0] !== a.onnx[1]) throw new Error(`MatMul '${c.name}': B ${fmtDims(b.dims)} does not fit A ${fmtDims(a.onnx)}`);
  return denseResult(c, a, floats(b, 'B'), b.dims[0], b.dims[1]);
}
