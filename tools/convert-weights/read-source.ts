// One entry point for any supported source file: a Keras .h5, a Keras 3 .keras archive, a TF.js layers or
// graph model.json (or its directory), or an .onnx model — recognised by content, not only by name.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { readKerasH5, type KerasH5Contents } from './keras-h5.js';
import { isZip } from './keras-archive.js';
import { readKerasArchive, type KerasArchiveContents } from './keras-archive-file.js';
import { readTfjsLayers, type TfjsLayersContents } from './tfjs-layers.js';
import { readTfjsGraph, type TfjsGraphContents } from './tfjs-graph.js';
import { isTfjsGraphModel } from './tfjs-weights.js';
import { readModelJson } from './tfjs-weights-file.js';
import type { OnnxModel } from './onnx.js';
import { readOnnxModel } from './onnx-file.js';

export type WeightSource =
  | { readonly kind: 'keras-h5'; readonly contents: KerasH5Contents }
  | { readonly kind: 'keras-archive'; readonly contents: KerasArchiveContents }
  | { readonly kind: 'tfjs-layers'; readonly contents: TfjsLayersContents }
  | { readonly kind: 'tfjs-graph'; readonly contents: TfjsGraphContents }
  | { readonly kind: 'onnx'; readonly contents: OnnxModel };

function firstBytes(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A TF.js model.json: a graph model (format 'graph-model', a node list) or a layers model. */
function readTfjsModel(modelJson: string): WeightSource {
  return isTfjsGraphModel(readModelJson(modelJson))
    ? { kind: 'tfjs-graph', contents: readTfjsGraph(modelJson) }
    : { kind: 'tfjs-layers', contents: readTfjsLayers(modelJson) };
}

export async function readWeightSource(path: string): Promise<WeightSource> {
  if (!existsSync(path)) throw new WeightFileError(path, 'cannot read (ENOENT)');
  if (statSync(path).isDirectory()) {
    const modelJson = join(path, 'model.json');
    if (existsSync(modelJson)) return readTfjsModel(modelJson);
    throw new WeightFileError(path, 'a directory without model.json');
  }
  const head = firstBytes(path, 8);
  if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) return { kind: 'keras-h5', contents: await readKerasH5(path) };
  if (/\.(h5|hdf5)$/i.test(path)) return { kind: 'keras-h5', contents: await readKerasH5(path) };
  if (isZip(head) || /\.keras$/i.test(path)) return { kind: 'keras-archive', contents: await readKerasArchive(path) };
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('{') || /\.json$/i.test(path)) return readTfjsModel(path);
  if (/\.onnx$/i.test(path) || head[0] === 0x08) return { kind: 'onnx', contents: readOnnxModel(path) };
  throw new WeightFileError(path, 'unrecognised weight file: expected a Keras .h5 or .keras, a TF.js model.json or an .onnx model');
}
