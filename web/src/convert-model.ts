// A dropped ONNX, Keras H5, Keras 3 .keras or TF.js layers model converted in the page with the converter's own importers: the
// same graph and parameters `tools/convert-weights` would write, held in memory as a weights file. The
// input scaling is in neither file, so the page asks for it (the converter's --preprocess).
import { inferShapes, sha256Hex, WeightFileError, type PreprocessingMode, type WeightsFile } from '../../src/browser.js';
import { importKeras } from '../../tools/convert-weights/keras-import.js';
import { placeholderLabels, UNKNOWN_LICENCE } from '../../tools/convert-weights/metadata-defaults.js';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnx, type ImportedModel } from '../../tools/convert-weights/onnx-import.js';
import { tfjsLayersFromJson } from '../../tools/convert-weights/tfjs-layers-json.js';
import { decodeManifestWeights, parseModelJson } from '../../tools/convert-weights/tfjs-weights.js';

async function asWeights(file: string, bytes: Uint8Array, format: string, imported: ImportedModel, preprocessing: PreprocessingMode): Promise<WeightsFile> {
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
      extra: {
        converter: 'gradscope page (tools/convert-weights importers)',
        sourceFormat: format,
        preprocessingSource: 'chosen in the page',
        ...imported.extra,
      },
    },
  };
}

export async function onnxWeights(file: string, bytes: Uint8Array, preprocessing: PreprocessingMode): Promise<WeightsFile> {
  return asWeights(file, bytes, 'onnx', await importOnnx(file, decodeOnnxModel(bytes, file)), preprocessing);
}

/** A Keras .h5 (full model: topology and weights) through the converter's H5 reader on h5wasm's browser build. */
export async function kerasH5Weights(file: string, bytes: Uint8Array, preprocessing: PreprocessingMode): Promise<WeightsFile> {
  // Loaded on demand: h5wasm is 4 MB of WebAssembly.
  const { putHdf5 } = await import('../platform/hdf5-browser.js');
  const { readKerasH5 } = await import('../../tools/convert-weights/keras-h5.js');
  const contents = await readKerasH5(await putHdf5(file, bytes));
  return asWeights(file, bytes, 'keras-h5', importKeras(file, contents), preprocessing);
}

/** A Keras 3 .keras archive: unzipped here (fflate), its model.weights.h5 read on h5wasm's browser build as the converter does. */
export async function kerasArchiveWeights(file: string, bytes: Uint8Array, preprocessing: PreprocessingMode): Promise<WeightsFile> {
  const { putHdf5 } = await import('../platform/hdf5-browser.js');
  const { unpackKerasArchive } = await import('../../tools/convert-weights/keras-archive.js');
  const { readKeras3Weights } = await import('../../tools/convert-weights/keras3-weights.js');
  const { modelConfig, kerasVersion, weightsH5 } = unpackKerasArchive(file, bytes);
  const layers = await readKeras3Weights(file, await putHdf5(`${file}.weights.h5`, weightsH5), modelConfig);
  return asWeights(file, bytes, 'keras-archive', importKeras(file, { modelConfig, layers, kerasVersion }), preprocessing);
}

/** model.json and the shard files dropped with it, found by the paths model.json lists (or their base names). */
export function tfjsWeights(file: string, bytes: Uint8Array, shards: ReadonlyMap<string, Uint8Array>, preprocessing: PreprocessingMode): Promise<WeightsFile> {
  const shard = (path: string, where: string): Uint8Array => {
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // Not URL-encoded.
    }
    const found = [path, decoded, path.slice(path.lastIndexOf('/') + 1), decoded.slice(decoded.lastIndexOf('/') + 1)].map((p) => shards.get(p)).find((b) => b);
    if (!found) throw new WeightFileError(path, `missing weight shard listed in ${file} (${where}): drop it together with ${file}`);
    return found;
  };
  const json = parseModelJson(file, new TextDecoder().decode(bytes));
  const contents = tfjsLayersFromJson(file, json, () => decodeManifestWeights(file, json.weightsManifest, shard));
  return asWeights(file, bytes, 'tfjs-layers', importKeras(file, contents), preprocessing);
}
