// A dropped ONNX model converted in the page with the converter's own importer: the same graph and
// parameters `tools/convert-weights` would write, held in memory as a weights file. The input scaling
// is not in an ONNX file, so the page asks for it (the converter's --preprocess).
import { inferShapes, sha256Hex, type PreprocessingMode, type WeightsFile } from '../../src/browser.js';
import { placeholderLabels, UNKNOWN_LICENCE } from '../../tools/convert-weights/metadata-defaults.js';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnx } from '../../tools/convert-weights/onnx-import.js';

export async function onnxWeights(file: string, bytes: Uint8Array, preprocessing: PreprocessingMode): Promise<WeightsFile> {
  const imported = await importOnnx(file, decodeOnnxModel(bytes, file));
  const nodes = imported.graph.nodes;
  const out = inferShapes(imported.graph).get(nodes[nodes.length - 1].name) ?? [];
  return {
    params: imported.params,
    metadata: {
      architecture: JSON.stringify(imported.graph),
      source: file,
      sourceSha256: await sha256Hex(bytes),
      preprocessing,
      labels: placeholderLabels(out[out.length - 1] ?? 0),
      licence: UNKNOWN_LICENCE,
      extra: { converter: 'gradscope page (tools/convert-weights/onnx-import.ts)', sourceFormat: 'onnx', preprocessingSource: 'chosen in the page', ...imported.extra },
    },
  };
}
