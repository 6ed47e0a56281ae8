// TF.js layers models: model.json ({ modelTopology, weightsManifest }) plus binary shards, decoded by
// tfjs-weights.ts; each weight is filed under its Keras layer (tfjs-layers-json.ts, which needs no files).
import { tfjsLayersFromJson, type TfjsLayersContents } from './tfjs-layers-json.js';
import { readManifestWeights, readModelJson } from './tfjs-weights-file.js';

export type { TfjsLayersContents } from './tfjs-layers-json.js';
export { tfjsLayersFromJson } from './tfjs-layers-json.js';

/** Reads model.json and its shards into the same layer/weight list the .h5 reader returns. */
export function readTfjsLayers(modelJsonPath: string): TfjsLayersContents {
  const json = readModelJson(modelJsonPath);
  return tfjsLayersFromJson(modelJsonPath, json, () => readManifestWeights(modelJsonPath, json.weightsManifest));
}
