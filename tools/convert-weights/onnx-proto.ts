// The vendored ONNX schema (vendor/onnx/onnx.proto; its text is read from disk in Node, and a browser
// bundle swaps that module for web/platform/onnx-schema.ts, which bundles it) parsed with protobufjs, and the plain shapes that
// protobufjs' toObject produces from it (camelCase fields, int64 as decimal strings, bytes as Uint8Array).
import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './onnx-schema-file.js';

export interface RawEntry {
  key?: string;
  value?: string;
}

export interface RawTensor {
  dims?: string[];
  dataType?: number;
  segment?: { begin?: string; end?: string };
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: string[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: RawEntry[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: string[];
}

export interface RawSparseTensor {
  values?: RawTensor;
  indices?: RawTensor;
  dims?: string[];
}

export interface RawShape {
  dim?: { dimValue?: string; dimParam?: string; denotation?: string }[];
}

export interface RawType {
  tensorType?: { elemType?: number; shape?: RawShape };
  sequenceType?: { elemType?: RawType };
  mapType?: { keyType?: number; valueType?: RawType };
  optionalType?: { elemType?: RawType };
  sparseTensorType?: { elemType?: number; shape?: RawShape };
  denotation?: string;
}

export interface RawAttribute {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: string;
  s?: Uint8Array;
  t?: RawTensor;
  g?: RawGraph;
  sparseTensor?: RawSparseTensor;
  tp?: RawType;
  floats?: number[];
  ints?: string[];
  strings?: Uint8Array[];
  tensors?: RawTensor[];
  graphs?: RawGraph[];
  sparseTensors?: RawSparseTensor[];
  typeProtos?: RawType[];
}

export interface RawValueInfo {
  name?: string;
  type?: RawType;
  docString?: string;
}

export interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: RawAttribute[];
  docString?: string;
}

export interface RawGraph {
  node?: RawNode[];
  name?: string;
  initializer?: RawTensor[];
  sparseInitializer?: RawSparseTensor[];
  docString?: string;
  input?: RawValueInfo[];
  output?: RawValueInfo[];
  valueInfo?: RawValueInfo[];
}

export interface RawModel {
  irVersion?: string;
  opsetImport?: { domain?: string; version?: string }[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: string;
  docString?: string;
  graph?: RawGraph;
  metadataProps?: RawEntry[];
}

let root: protobuf.Root | undefined;

/** The protobufjs types of the vendored schema ('onnx.ModelProto', 'onnx.TensorProto', …). */
export function onnxType(name: 'ModelProto' | 'TensorProto' | 'GraphProto' | 'NodeProto' | 'AttributeProto'): protobuf.Type {
  root ??= protobuf.parse(ONNX_SCHEMA).root;
  return root.lookupType(`onnx.${name}`);
}

/** Decodes bytes as `type` into plain objects; throws protobufjs' error on malformed input. */
export function decodePlain<T>(type: protobuf.Type, bytes: Uint8Array): T {
  const message = type.decode(bytes);
  return type.toObject(message, { longs: String, enums: Number, defaults: false, arrays: false }) as T;
}
