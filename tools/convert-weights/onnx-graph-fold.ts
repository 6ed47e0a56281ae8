// Constant folding at import: the shape-computing subgraphs exporters emit (Shape → Gather →
// Unsqueeze → Concat → Reshape, ConstantOfShape, Range, Cast, …) and any other node whose inputs are
// all constants are evaluated here, in float64 on the host, so the graph never sees them. Shape
// reads only a computed value's static shape (the batch is the file's, 1 when it is symbolic).
import type { OnnxNode, OnnxTensor } from './onnx.js';
import type { OnnxDataType } from './onnx-tensor.js';
import { attrInt, attrInts, attrTensor } from './onnx-graph-attrs.js';
import { unsupported } from './onnx-graph-error.js';
import { broadcastDims } from './onnx-graph-elementwise.js';
import { fmtDims, product } from './onnx-graph-values.js';

/** A constant as float64 values (integers exact up to 2⁵³, enough for shapes and indices). */
interface Folded {
  dataType: OnnxDataType;
  dims: number[];
  values: number[];
}

const INTEGER: ReadonlySet<OnnxDataType> = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

function read(t: OnnxTensor): Folded {
  if (Array.isArray(t.data)) unsupported(`constant '${t.name}' holds strings`);
  return { dataType: t.dataType, dims: [...t.dims], values: Array.from(t.data as ArrayLike<number | bigint>, Number) };
}

function write(name: string, f: Folded): OnnxTensor {
  const { dataType, dims, values } = f;
  if (dataType === 'bool') return { name, dataType, dims, data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  if (INTEGER.has(dataType)) return { name, dataType: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))) };
  return {
    name,
    dataType: dataType === 'float64' ? 'float64' : 'float32',
    dims,
    data: dataType === 'float64' ? Float64Array.from(values) : Float32Array.from(values),
  };
}

const stridesOf = (dims: readonly number[]) => dims.map((_, i) => product(dims.slice(i + 1)));

/** Calls f with each multi-index of `dims` in row-major order. */
function forEachIndex(dims: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = product(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
}

/** Elementwise over NumPy-broadcast operands. */
function broadcast(name: string, xs: Folded[], f: (vs: number[]) => number, dataType = xs[0].dataType): Folded {
  const out = broadcastDims(xs.map((x) => x.dims));
  if (!out) throw new Error(`'${name}': shapes ${xs.map((x) => fmtDims(x.dims)).join(', ')} do not broadcast`);
  const values = new Array<number>(product(out));
  const strides = xs.map((x) => stridesOf(x.dims));
  forEachIndex(out, (idx, flat) => {
    const at = xs.map((x, j) => x.dims.reduce((sum, d, k) => sum + (d === 1 ? 0 : idx[k + out.length - x.dims.length]) * strides[j][k], 0));
    values[flat] = f(at.map((a, j) => xs[j].values[a]));
  });
  return { dataType, dims: out, values };
}

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Axes from the attribute (older opsets) or the second input (opset 13 on). */
function axesOf(node: OnnxNode, inputs: (Folded | undefined)[], rank: number): number[] | undefined {
  const list = attrInts(node, 'axes') ?? inputs[1]?.values;
  return list?.map((a) => axisOf(a, rank));
}

function slice(node: OnnxNode, x: Folded, inputs: (Folded | undefined)[]): Folded {
  const r = x.dims.length;
  const starts = attrInts(node, 'starts') ?? inputs[1]?.values ?? [];
  const ends = attrInts(node, 'ends') ?? inputs[2]?.values ?? [];
  const axes = (attrInts(node, 'axes') ?? inputs[3]?.values ?? starts.map((_, i) => i)).map((a) => axisOf(a, r));
  const steps = inputs[4]?.values ?? starts.map(() => 1);
  const ranges = x.dims.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a, i) => {
    const d = x.dims[a],
      step = steps[i];
    const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const start = step > 0 ? clampTo(starts[i], 0, d) : clampTo(starts[i], 0, d - 1);
    const end = step > 0 ? clampTo(ends[i], 0, d) : clampTo(ends[i], -1, d - 1);
    ranges[a] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
  const dims = ranges.map((q) => q.count);
  const strides = stridesOf(x.dims);
  const values: number[] = [];
  forEachIndex(dims, (idx) => values.push(x.values[idx.reduce((at, i, k) => at + (ranges[k].start + i * ranges[k].step) * strides[k], 0)]));
  return { ...x, dims, values };
}

function transpose(node: OnnxNode, x: Folded): Folded {
  const perm = attrInts(node, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
  const dims = perm.map((p) => x.dims[p]);
  const strides = stridesOf(x.dims);
  const values: number[] = [];
  forEachIndex(dims, (idx) => values.push(x.values[idx.reduce((at, i, k) => at + i * strides[perm[k]], 0)]));
  return { ...x, dims, values };
}

function gather(node: OnnxNode, x: Folded, indices: Folded): Folded {
  const axis = axisOf(attrInt(node, 'axis', 0), x.dims.length);
  const outer = product(x.dims.slice(0, axis)),
    inner = product(x.dims.slice(axis + 1)),
    n = x.dims[axis];
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.values) {
      const i = raw < 0 ? raw + n : raw;
      for (let k = 0; k < inner; k++) values.push(x.values[(o * n + i) * inner + k]);
    }
  }
  return { ...x, dims: [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)], values };
}

function reshapeTo(x: Folded, spec: number[], allowZero: boolean): Folded {
  const dims = spec.map((d, i) => (d === 0 && !allowZero ? x.dims[i] : d));
  const known = product(dims.filter((d) => d !== -1));
  return { ...x, dims: dims.map((d) => (d === -1 ? product(x.dims) / known : d)) };
}

const TYPES: Record<number, OnnxDataType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

/** The ops folded when their inputs are constants (Shape: when it can read its input's static shape). */
export const FOLDABLE: ReadonlySet<string> = new Set([
  'Shape',
  'Size',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'ConstantOfShape',
  'Range',
  'Cast',
  'Slice',
  'Reshape',
  'Flatten',
  'Transpose',
  'Expand',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'Equal',
  'Less',
  'Greater',
  'Where',
  'Not',
  'Neg',
  'Abs',
  'Sqrt',
  'Floor',
  'Ceil',
  'Identity',
  'Sigmoid',
  'Relu',
  'Exp',
]);

/**
 * The node's outputs from its constant inputs (`shapeOf` gives a computed input's static shape for
 * Shape and Size); undefined when this op does not fold.
 */
export function foldNode(node: OnnxNode, opset: number, inputs: (OnnxTensor | undefined)[], shapeOf?: readonly number[]): OnnxTensor[] | undefined {
  const xs = inputs.map((t) => (t ? read(t) : undefined));
  const x = xs[0];
  const out = (f: Folded) => [write(node.outputs[0], f)];
  const int64 = (values: number[], dims = [values.length]): Folded => ({ dataType: 'int64', dims, values });
  const need = (f: Folded | undefined): Folded => f ?? unsupported('a constant input is missing');
  switch (node.opType) {
    case 'Shape': {
      const dims = shapeOf ?? need(x).dims;
      const r = dims.length;
      const start = axisOf(attrInt(node, 'start', 0), r),
        end = node.attributes.end ? axisOf(attrInt(node, 'end', r), r) : r;
      return out(int64(dims.slice(Math.max(0, start), Math.min(r, end))));
    }
    case 'Size':
      return out(int64([product(shapeOf ?? need(x).dims)], []));
  }
  if (!x) return undefined;
  const elementwise = (f: (vs: number[]) => number, dataType?: OnnxDataType) =>
    out(
      broadcast(
        node.name,
        xs.filter((v): v is Folded => v !== undefined),
        f,
        dataType,
      ),
    );
  const truncating = INTEGER.has(x.dataType);
  switch (node.opType) {
    case 'Identity':
      return out(x);
    case 'Gather':
      return out(gather(node, x, need(xs[1])));
    case 'Unsqueeze': {
      const list = attrInts(node, 'axes') ?? need(xs[1]).values;
      const axes = list.map((a) => axisOf(a, x.dims.length + list.length)).sort((a, b) => a - b);
      const dims = [...x.dims];
      for (const a of axes) dims.splice(a, 0, 1);
      return out({ ...x, dims });
    }
    case 'Squeeze': {
      const axes = axesOf(node, xs, x.dims.length);
      return out({ ...x, dims: x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)) });
    }
    case 'Concat': {
      const parts = xs.filter((v): v is Folded => v !== undefined);
      const axis = axisOf(attrInt(node, 'axis', 0), x.dims.length);
      const outer = product(x.dims.slice(0, axis));
      const values: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const inner = product(p.dims.slice(axis));
          values.push(...p.values.slice(o * inner, (o + 1) * inner));
        }
      }
      const dims = [...x.dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
      return out({ ...x, dims, values });
    }
    case 'ConstantOfShape': {
      const v = attrTensor(node, 'value');
      const fill = v ? read(v) : { dataType: 'float32' as const, dims: [1], values: [0] };
      return out({ dataType: fill.dataType, dims: x.values, values: new Array<number>(product(x.values)).fill(fill.values[0]) });
    }
    case 'Range': {
      const [start, limit, delta] = [x, need(xs[1]), need(xs[2])].map((t) => t.values[0]);
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      return out({ dataType: x.dataType, dims: [n], values: Array.from({ length: n }, (_, i) => start + i * delta) });
    }
    case 'Cast': {
      const to = TYPES[attrInt(node, 'to', 1)];
      if (!to) unsupported(`Cast to type ${attrInt(node, 'to', 1)}`);
      const values = INTEGER.has(to) && to !== 'bool' ? x.values.map(Math.trunc) : to === 'bool' ? x.values.map((v) => (v ? 1 : 0)) : x.values;
      return out({ dataType: to, dims: x.dims, values });
    }
    case 'Slice':
      return out(slice(node, x, xs));
    case 'Reshape':
      return out(reshapeTo(x, opset < 5 ? (attrInts(node, 'shape') ?? []) : need(xs[1]).values, attrInt(node, 'allowzero', 0) === 1));
    case 'Flatten': {
      const axis = axisOf(attrInt(node, 'axis', 1), x.dims.length);
      return out({ ...x, dims: [product(x.dims.slice(0, axis)), product(x.dims.slice(axis))] });
    }
    case 'Transpose':
      return out(transpose(node, x));
    case 'Expand': {
      const shape = need(xs[1]);
      return out(broadcast(node.name, [x, { dataType: x.dataType, dims: shape.values, values: new Array<number>(product(shape.values)).fill(0) }], ([a]) => a));
    }
    case 'Add':
      return elementwise(([a, b]) => a + b);
    case 'Sub':
      return elementwise(([a, b]) => a - b);
    case 'Mul':
      return elementwise(([a, b]) => a * b);
    case 'Div':
      return elementwise(([a, b]) => (truncating ? Math.trunc(a / b) : a / b));
    case 'Pow':
      return elementwise(([a, b]) => a ** b);
    case 'Max':
      return elementwise((vs) => Math.max(...vs));
    case 'Min':
      return elementwise((vs) => Math.min(...vs));
    case 'Equal':
      return elementwise(([a, b]) => (a === b ? 1 : 0), 'bool');
    case 'Less':
      return elementwise(([a, b]) => (a < b ? 1 : 0), 'bool');
    case 'Greater':
      return elementwise(([a, b]) => (a > b ? 1 : 0), 'bool');
    case 'Where':
      return out(broadcast(node.name, [x, need(xs[1]), need(xs[2])], ([c, a, b]) => (c ? a : b), need(xs[1]).dataType));
    case 'Not':
      return out({ ...x, values: x.values.map((v) => (v ? 0 : 1)) });
    case 'Neg':
      return out({ ...x, values: x.values.map((v) => -v) });
    case 'Abs':
      return out({ ...x, values: x.values.map(Math.abs) });
    case 'Sqrt':
      return out({ ...x, values: x.values.map(Math.sqrt) });
    case 'Exp':
      return out({ ...x, values: x.values.map(Math.exp) });
    case 'Sigmoid':
      return out({ ...x, values: x.values.map((v) => 1 / (1 + Math.exp(-v))) });
    case 'Relu':
      return out({ ...x, values: x.values.map((v) => Math.max(v, 0)) });
    case 'Floor':
      return out({ ...x, values: x.values.map(Math.floor) });
    case 'Ceil':
      return out({ ...x, values: x.values.map(Math.ceil) });
  }
  return undefined;
}
