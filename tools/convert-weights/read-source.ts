// One entry point for any supported source file: a Keras .h5, a TF.js layers model.json (or its
// directory), or an .onnx model — recognised by content, not only by name.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { readKerasH5, type KerasH5Contents } from './keras-h5.js';
import type { TfjsLayersContents } from './tfjs-layers.js';
import { readTfjsLayers } from './tfjs-layers-file.js';
import type { OnnxModel } from './onnx.js';
import { readOnnxModel } from './onnx-file.js';

export type WeightSource =
  | { readonly kind: 'keras-h5'; readonly contents: KerasH5Contents }
  | { readonly kind: 'tfjs-layers'; readonly contents: TfjsLayersContents }
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

export async function readWeightSource(path: string): Promise<WeightSource> {
  if (!existsSync(path)) throw new WeightFileError(path, 'cannot read (ENOENT)');
  if (statSync(path).isDirectory()) {
    const modelJson = join(path, 'model.json');
    if (existsSync(modelJson)) return { kind: 'tfjs-layers', contents: readTfjsLayers(modelJson) };
    throw new WeightFileError(path, 'a directory without model.json');
  }
  const head = firstBytes(path, 8);
  if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) return { kind: 'keras-h5', contents: await readKerasH5(path) };
  if (/\.(h5|hdf5)$/i.test(path)) return { kind: 'keras-h5', contents: await readKerasH5(path) };
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('{') || /\.json$/i.test(path)) return { kind: 'tfjs-layers', contents: readTfjsLayers(path) };
  if (/\.onnx$/i.test(path) || head[0] === 0x08) return { kind: 'onnx', contents: readOnnxModel(path) };
  throw new WeightFileError(path, 'unrecognised weight file: expected a Keras .h5, a TF.js model.json or an .onnx model');
}
