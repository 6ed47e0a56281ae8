// ONNX models → plain JS: nodes (op_type, name, inputs, outputs, attributes of every type), initializers
// (raw_data, typed fields or external data), graph inputs/outputs with shapes, opsets. Layouts are left
// as stored (NCHW/OIHW); the graph importer transposes them once when it builds native nodes.
import { WeightFileError } from '../../src/models/safetensors.js';
import { decodePlain, onnxType, type RawAttribute, type RawGraph, type RawModel, type RawTensor, type RawType, type RawValueInfo } from './onnx-proto.js';
import { decodeSparseTensor, type ExternalSource, decodeTensor, onnxDataType, type OnnxDataType, type OnnxTensor } from './onnx-tensor.js';

export type { ExternalSource, OnnxDataType, OnnxTensor, OnnxTensorData } from './onnx-tensor.js';

/** A value's type: tensor element type and shape (a dim is a number, a symbolic name, or null when unknown). */
export interface OnnxType {
  readonly kind: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'unknown';
  readonly elemType?: OnnxDataType;
  /** null when the rank is unknown. */
  readonly shape?: (number | string | null)[] | null;
  /** Element type of a sequence/optional, value type of a map. */
  readonly inner?: OnnxType;
  readonly keyType?: OnnxDataType;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxType;
}

/**
 * int/ints attributes are int64 in the file and numbers here; values beyond ±2^53 (INT64_MAX as
 * "to the end" in old Slice attributes) lose precision but keep their magnitude.
 */
export type OnnxAttribute =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: OnnxTensor }
  | { readonly type: 'graph'; readonly value: OnnxGraph }
  | { readonly type: 'sparse_tensor'; readonly value: OnnxTensor }
  | { readonly type: 'type_proto'; readonly value: OnnxType }
  | { readonly type: 'floats'; readonly value: number[] }
  | { readonly type: 'ints'; readonly value: number[] }
  | { readonly type: 'strings'; readonly value: string[] }
  | { readonly type: 'tensors'; readonly value: OnnxTensor[] }
  | { readonly type: 'graphs'; readonly value: OnnxGraph[] }
  | { readonly type: 'sparse_tensors'; readonly value: OnnxTensor[] }
  | { readonly type: 'type_protos'; readonly value: OnnxType[] }
  /** Inside functions only: the value comes from the caller's attribute of that name. */
  | { readonly type: 'ref'; readonly value: string };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** '' marks an omitted optional input. */
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: OnnxNode[];
  /** Initializers (sparse ones made dense), by name, in file order. */
  readonly initializers: Map<string, OnnxTensor>;
  /** Graph inputs as stored; before IR 4 they also list the initializers. */
  readonly inputs: OnnxValueInfo[];
  /** The inputs a caller must feed: `inputs` minus initializers. */
  readonly dataInputs: OnnxValueInfo[];
  readonly outputs: OnnxValueInfo[];
  readonly valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  readonly file: string;
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  readonly opsetImports: { domain: string; version: number }[];
  /** Version of the default ('' / 'ai.onnx') operator set; 1 when the model imports none (IR < 3). */
  readonly opset: number;
  readonly metadata: Record<string, string>;
  readonly graph: OnnxGraph;
}

const ATTRIBUTE_TYPES = [
  'undefined',
  'float',
  'int',
  'string',
  'tensor',
  'graph',
  'floats',
  'ints',
  'strings',
  'tensors',
  'graphs',
  'sparse_tensor',
  'sparse_tensors',
  'type_proto',
  'type_protos',
] as const;

const utf8 = new TextDecoder();

class Decoder {
  constructor(
    readonly file: string,
    readonly external?: ExternalSource,
  ) {}

  tensor(t: RawTensor): OnnxTensor {
    return decodeTensor(this.file, t, this.external);
  }

  type(t: RawType | undefined): OnnxType {
    if (!t) return { kind: 'unknown' };
    const shape = (s: { dim?: { dimValue?: string; dimParam?: string }[] } | undefined) =>
      s === undefined ? null : (s.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam !== undefined ? d.dimParam : null));
    if (t.tensorType) return { kind: 'tensor', elemType: onnxDataType(t.tensorType.elemType), shape: shape(t.tensorType.shape) };
    if (t.sparseTensorType) return { kind: 'sparse_tensor', elemType: onnxDataType(t.sparseTensorType.elemType), shape: shape(t.sparseTensorType.shape) };
    if (t.sequenceType) return { kind: 'sequence', inner: this.type(t.sequenceType.elemType) };
    if (t.optionalType) return { kind: 'optional', inner: this.type(t.optionalType.elemType) };
    if (t.mapType) return { kind: 'map', keyType: onnxDataType(t.mapType.keyType), inner: this.type(t.mapType.valueType) };
    return { kind: 'unknown' };
  }

  valueInfo(v: RawValueInfo): OnnxValueInfo {
    return { name: v.name ?? '', type: this.type(v.type) };
  }

  /** IR 1 attributes carry no type: it is the one field that is present. */
  private attributeType(a: RawAttribute): (typeof ATTRIBUTE_TYPES)[number] {
    const declared = ATTRIBUTE_TYPES[a.type ?? 0];
    if (declared && declared !== 'undefined') return declared;
    if (a.f !== undefined) return 'float';
    if (a.i !== undefined) return 'int';
    if (a.s !== undefined) return 'string';
    if (a.t) return 'tensor';
    if (a.g) return 'graph';
    if (a.sparseTensor) return 'sparse_tensor';
    if (a.tp) return 'type_proto';
    if (a.floats?.length) return 'floats';
    if (a.ints?.length) return 'ints';
    if (a.strings?.length) return 'strings';
    if (a.tensors?.length) return 'tensors';
    if (a.graphs?.length) return 'graphs';
    if (a.sparseTensors?.length) return 'sparse_tensors';
    if (a.typeProtos?.length) return 'type_protos';
    return 'undefined';
  }

  attribute(node: string, a: RawAttribute): OnnxAttribute {
    if (a.refAttrName) return { type: 'ref', value: a.refAttrName };
    const type = this.attributeType(a);
    switch (type) {
      case 'float':
        return { type, value: a.f ?? 0 };
      case 'int':
        return { type, value: Number(a.i ?? '0') };
      case 'string':
        return { type, value: utf8.decode(a.s ?? new Uint8Array()) };
      case 'tensor':
        return { type, value: this.tensor(a.t ?? {}) };
      case 'graph':
        return { type, value: this.graph(a.g ?? {}) };
      case 'sparse_tensor':
        return { type, value: decodeSparseTensor(this.file, a.sparseTensor ?? {}, this.external) };
      case 'type_proto':
        return { type, value: this.type(a.tp) };
      case 'floats':
        return { type, value: a.floats ?? [] };
      case 'ints':
        return { type, value: (a.ints ?? []).map(Number) };
      case 'strings':
        return { type, value: (a.strings ?? []).map((s) => utf8.decode(s)) };
      case 'tensors':
        return { type, value: (a.tensors ?? []).map((t) => this.tensor(t)) };
      case 'graphs':
        return { type, value: (a.graphs ?? []).map((g) => this.graph(g)) };
      case 'sparse_tensors':
        return { type, value: (a.sparseTensors ?? []).map((s) => decodeSparseTensor(this.file, s, this.external)) };
      case 'type_protos':
        return { type, value: (a.typeProtos ?? []).map((t) => this.type(t)) };
      case 'undefined':
        throw new WeightFileError(this.file, `node '${node}': attribute '${a.name}' has no type and no value`);
    }
  }

  graph(g: RawGraph): OnnxGraph {
    const initializers = new Map<string, OnnxTensor>();
    for (const t of g.initializer ?? []) {
      const tensor = this.tensor(t);
      initializers.set(tensor.name, tensor);
    }
    for (const s of g.sparseInitializer ?? []) {
      const tensor = decodeSparseTensor(this.file, s, this.external);
      initializers.set(tensor.name, tensor);
    }
    const nodes = (g.node ?? []).map((n, i): OnnxNode => {
      const name = n.name ?? '';
      const label = name || `#${i} (${n.opType ?? '?'})`;
      const attributes: Record<string, OnnxAttribute> = {};
      for (const a of n.attribute ?? []) attributes[a.name ?? ''] = this.attribute(label, a);
      return { name, opType: n.opType ?? '', domain: n.domain ?? '', inputs: n.input ?? [], outputs: n.output ?? [], attributes };
    });
    const inputs = (g.input ?? []).map((v) => this.valueInfo(v));
    return {
      name: g.name ?? '',
      nodes,
      initializers,
      inputs,
      dataInputs: inputs.filter((v) => !initializers.has(v.name)),
      outputs: (g.output ?? []).map((v) => this.valueInfo(v)),
      valueInfo: (g.valueInfo ?? []).map((v) => this.valueInfo(v)),
    };
  }
}

export function malformed(file: string, what: string, e: unknown): WeightFileError {
  const reason = e instanceof Error ? e.message : String(e);
  return new WeightFileError(file, `not a valid ${what} (protobuf: ${reason}; truncated or corrupt file?)`);
}

/**
 * Decodes an ONNX model held in memory. Tensors stored outside the model are read from `external`
 * (onnx-file.ts gives the files next to the model); without it they are an error naming the tensor.
 * `external` is closed when decoding ends.
 */
export function decodeOnnxModel(bytes: Uint8Array, file: string, external?: ExternalSource): OnnxModel {
  let raw: RawModel;
  try {
    raw = decodePlain<RawModel>(onnxType('ModelProto'), bytes);
  } catch (e) {
    throw malformed(file, 'ONNX model', e);
  }
  if (!raw.graph) throw new WeightFileError(file, 'not an ONNX model: it has no graph');
  if (raw.irVersion === undefined) throw new WeightFileError(file, 'not an ONNX model: it has no ir_version');
  const opsetImports = (raw.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version ?? '0') }));
  const defaultOpset = opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  try {
    const graph = new Decoder(file, external).graph(raw.graph);
    const metadata: Record<string, string> = {};
    for (const e of raw.metadataProps ?? []) metadata[e.key ?? ''] = e.value ?? '';
    return {
      file,
      irVersion: Number(raw.irVersion),
      producerName: raw.producerName ?? '',
      producerVersion: raw.producerVersion ?? '',
      domain: raw.domain ?? '',
      modelVersion: Number(raw.modelVersion ?? '0'),
      docString: raw.docString ?? '',
      opsetImports,
      opset: defaultOpset?.version ?? 1,
      metadata,
      graph,
    };
  } finally {
    external?.close();
  }
}

/** Any numeric tensor as float32 (what the engine computes in); strings and 64-bit integers beyond 2^24 lose exactness. */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (Array.isArray(t.data)) throw new Error(`tensor '${t.name}' holds strings, not numbers`);
  return Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
}
