// ONNX TensorProto → typed array, from raw_data, the typed *_data fields, or external data
// (data_location EXTERNAL: `location`/`offset`/`length` relative to the model file's directory).
// No layout change here: dims stay as stored (NCHW, OIHW, …). Bytes only: external files are onnx-external.ts.
import { WeightFileError, decodeBfloat16, decodeFloat16 } from '../../src/models/safetensors.js';
import type { RawEntry, RawSparseTensor, RawTensor } from './onnx-proto.js';

export type OnnxDataType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4';

/** TensorProto.DataType numbers, index = enum value. */
const DATA_TYPES: readonly (OnnxDataType | undefined)[] = [
  undefined,
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
];

export function onnxDataType(code: number | undefined): OnnxDataType | undefined {
  return code === undefined ? undefined : DATA_TYPES[code];
}

/** float16/bfloat16 are widened to Float32Array; bool is Uint8Array; 64-bit integers stay exact as bigint arrays. */
export type OnnxTensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly dims: number[];
  readonly data: OnnxTensorData;
}

type Numeric = Exclude<
  OnnxDataType,
  'string' | 'complex64' | 'complex128' | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'uint4' | 'int4'
>;

const ELEMENT_BYTES: Record<Numeric, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  bfloat16: 2,
};

function isNumeric(t: OnnxDataType): t is Numeric {
  return t in ELEMENT_BYTES;
}

/** Where a model's external data comes from (files next to it, in Node: onnx-external.ts); none in a page. */
export interface ExternalSource {
  read(tensorName: string, entries: readonly RawEntry[], expectedBytes: number): Uint8Array;
  close(): void;
}

function fromBytes(type: Numeric, bytes: Uint8Array): Exclude<OnnxTensorData, string[]> {
  const b = new Uint8Array(bytes).buffer; // own, aligned copy (Buffer.slice would be a view)
  switch (type) {
    case 'float32':
      return new Float32Array(b);
    case 'float64':
      return new Float64Array(b);
    case 'uint8':
    case 'bool':
      return new Uint8Array(b);
    case 'int8':
      return new Int8Array(b);
    case 'uint16':
      return new Uint16Array(b);
    case 'int16':
      return new Int16Array(b);
    case 'int32':
      return new Int32Array(b);
    case 'uint32':
      return new Uint32Array(b);
    case 'int64':
      return new BigInt64Array(b);
    case 'uint64':
      return new BigUint64Array(b);
    case 'float16':
      return decodeFloat16(new Uint16Array(b));
    case 'bfloat16':
      return decodeBfloat16(new Uint16Array(b));
  }
}

/** The typed *_data field a data type is stored in when raw_data is not used. */
function fromFields(type: Numeric, t: RawTensor): Exclude<OnnxTensorData, string[]> {
  const ints = t.int32Data ?? [];
  switch (type) {
    case 'float32':
      return Float32Array.from(t.floatData ?? []);
    case 'float64':
      return Float64Array.from(t.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from(t.int64Data ?? [], (s) => BigInt(s));
    case 'uint64':
      return BigUint64Array.from(t.uint64Data ?? [], (s) => BigInt(s));
    case 'uint32':
      return Uint32Array.from(t.uint64Data ?? [], (s) => Number(s));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(ints);
    case 'int8':
      return Int8Array.from(ints);
    case 'uint16':
      return Uint16Array.from(ints);
    case 'int16':
      return Int16Array.from(ints);
    case 'int32':
      return Int32Array.from(ints);
    // float16/bfloat16 values are stored as their bit patterns in int32_data.
    case 'float16':
      return decodeFloat16(Uint16Array.from(ints));
    case 'bfloat16':
      return decodeBfloat16(Uint16Array.from(ints));
  }
}

export function dimsOf(file: string, what: string, dims: readonly string[] | undefined): number[] {
  return (dims ?? []).map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw new WeightFileError(file, `${what} has invalid dimension ${d}`);
    return n;
  });
}

/** Decodes one TensorProto. `external` is needed only for tensors stored outside the model file. */
export function decodeTensor(file: string, t: RawTensor, external?: ExternalSource): OnnxTensor {
  const name = t.name ?? '';
  const label = `tensor '${name}'`;
  const dataType = onnxDataType(t.dataType);
  if (!dataType) throw new WeightFileError(file, `${label} has unknown data_type ${t.dataType ?? '(none)'}`);
  if (t.segment) throw new WeightFileError(file, `${label} is segmented, which is not supported`);
  const dims = dimsOf(file, label, t.dims);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: OnnxTensorData;
  if (dataType === 'string') {
    data = (t.stringData ?? []).map((s) => new TextDecoder().decode(s));
  } else if (!isNumeric(dataType)) {
    throw new WeightFileError(file, `${label} has data type ${dataType}, which is not supported`);
  } else if (t.dataLocation === 1) {
    if (!external) throw new WeightFileError(file, `${label} keeps its data in an external file, which needs the model's path`);
    data = fromBytes(dataType, external.read(name, t.externalData ?? [], count * ELEMENT_BYTES[dataType]));
  } else if (t.rawData !== undefined) {
    if (t.rawData.length !== count * ELEMENT_BYTES[dataType]) {
      throw new WeightFileError(
        file,
        `${label} dims [${dims.join(', ')}] ${dataType} need ${count * ELEMENT_BYTES[dataType]} bytes of raw_data, given ${t.rawData.length}`,
      );
    }
    data = fromBytes(dataType, t.rawData);
  } else {
    data = fromFields(dataType, t);
  }
  if (data.length !== count) {
    throw new WeightFileError(file, `${label} dims [${dims.join(', ')}] need ${count} values, given ${data.length}`);
  }
  return { name, dataType, dims, data };
}

/** A SparseTensorProto made dense (indices either linear [NNZ] or coordinates [NNZ, rank]). */
export function decodeSparseTensor(file: string, s: RawSparseTensor, external?: ExternalSource): OnnxTensor {
  if (!s.values || !s.indices) throw new WeightFileError(file, 'sparse tensor without values or indices');
  const values = decodeTensor(file, s.values, external);
  const indices = decodeTensor(file, s.indices, external);
  const dims = dimsOf(file, `sparse tensor '${values.name}'`, s.dims);
  const count = dims.reduce((a, b) => a * b, 1);
  if (Array.isArray(values.data) || Array.isArray(indices.data)) {
    throw new WeightFileError(file, `sparse tensor '${values.name}' must be numeric`);
  }
  const nnz = values.data.length;
  const idx = Array.from(indices.data as ArrayLike<number | bigint>, Number);
  const rank = indices.dims.length === 2 ? indices.dims[1] : 1;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const Ctor = values.data.constructor as new (n: number) => Exclude<OnnxTensorData, string[]>;
  const dense = new Ctor(count);
  for (let k = 0; k < nnz; k++) {
    let linear = 0;
    if (rank === 1 && indices.dims.length !== 2) linear = idx[k];
    else for (let r = 0; r < rank; r++) linear += idx[k * rank + r] * strides[r];
    if (!(linear >= 0 && linear < count)) throw new WeightFileError(file, `sparse tensor '${values.name}' index out of range`);
    (dense as unknown as (number | bigint)[])[linear] = (values.data as unknown as (number | bigint)[])[k];
  }
  return { name: values.name, dataType: values.dataType, dims, data: dense };
}
