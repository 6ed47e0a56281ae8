// ONNX files on disk (the Node edge): a model with the external data files next to it, and the
// serialized TensorProtos (.pb) of the ONNX test data sets. Decoding itself is onnx.ts, on bytes.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { decodeOnnxModel, malformed, type OnnxModel, type OnnxTensor } from './onnx.js';
import { ExternalData } from './onnx-external.js';
import { decodePlain, onnxType, type RawTensor } from './onnx-proto.js';
import { decodeTensor } from './onnx-tensor.js';

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new WeightFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Reads an .onnx file (and any external data files next to it). */
export function readOnnxModel(path: string): OnnxModel {
  return decodeOnnxModel(readBytes(path), path, new ExternalData(path, dirname(path)));
}

/** Reads a serialized TensorProto (.pb), as the ONNX test data sets store inputs and outputs. */
export function readOnnxTensor(path: string): OnnxTensor {
  let raw: RawTensor;
  try {
    raw = decodePlain<RawTensor>(onnxType('TensorProto'), readBytes(path));
  } catch (e) {
    if (e instanceof WeightFileError) throw e;
    throw malformed(path, 'ONNX TensorProto', e);
  }
  const external = new ExternalData(path, dirname(path));
  try {
    return decodeTensor(path, raw, external);
  } finally {
    external.close();
  }
}
