// A TF.js layers model from its parsed model.json and decoded weights, with no files: each weight is
// filed under its Keras layer. tfjs-layers.ts reads the files from disk; a page passes the dropped ones.
import { WeightFileError } from '../../src/models/safetensors.js';
import { canonicalFromName, inCanonicalOrder, type LayerWeight, type LayerWeights } from './layer-weights.js';
import { kerasLayerConfigs } from './keras-config.js';
import { isJsonObject, isTfjsGraphModel, type TfjsWeight } from './tfjs-weights.js';

export interface TfjsLayersContents {
  readonly file: string;
  /** modelTopology as stored ({ keras_version, backend, model_config, … } or the model config itself). */
  readonly topology: unknown;
  /** The Keras model config inside it. */
  readonly modelConfig: unknown;
  /** Layers in model-config order (layers missing from the config follow in manifest order). */
  readonly layers: LayerWeights[];
}

/**
 * Splits 'model/conv2d_1/kernel' into its layer and weight, preferring names the model config knows. Layer
 * names may hold '/' (MobileNetV3's 'expanded_conv/squeeze_excite/Conv'): the longest known name ending just
 * before the weight wins, so that weight is not filed under the stem's 'Conv'.
 */
function ownerOf(name: string, known: ReadonlySet<string>): { layer: string; weight: string } {
  const segments = name.split('/');
  const weight = segments[segments.length - 1];
  const scopes = segments.slice(0, -1);
  for (let i = 0; i < scopes.length - 1; i++) {
    const joined = scopes.slice(i).join('/');
    if (known.has(joined)) return { layer: joined, weight };
  }
  for (let i = scopes.length - 1; i >= 0; i--) if (known.has(scopes[i])) return { layer: scopes[i], weight };
  return { layer: scopes.length > 0 ? scopes[scopes.length - 1] : name, weight };
}

/**
 * A layers model from model.json (parsed) and its weights (decoded on demand, after the format checks),
 * with no files: readTfjsLayers reads them from disk, a page from the files dropped on it.
 */
export function tfjsLayersFromJson(modelJsonPath: string, json: Record<string, unknown>, weights: () => TfjsWeight[]): TfjsLayersContents {
  if (isTfjsGraphModel(json)) throw new WeightFileError(modelJsonPath, `format 'graph-model' (a converted TF graph): not a TF.js layers model`);
  if (!isJsonObject(json.modelTopology)) throw new WeightFileError(modelJsonPath, `no 'modelTopology' object: not a TF.js layers model`);
  const topology = json.modelTopology;
  const modelConfig = topology.model_config ?? topology;
  const configs = kerasLayerConfigs(modelConfig);
  const known = new Set(configs.keys());

  const byLayer = new Map<string, LayerWeight[]>();
  for (const { spec, data } of weights()) {
    const { layer, weight } = ownerOf(spec.name, known);
    if (!byLayer.has(layer)) byLayer.set(layer, []);
    byLayer.get(layer)!.push({ name: canonicalFromName(weight) ?? weight, storedName: spec.name, shape: spec.shape, data });
  }

  const order = [...configs.keys(), ...[...byLayer.keys()].filter((l) => !known.has(l))];
  const layers: LayerWeights[] = [];
  for (const layer of order) {
    const weights = byLayer.get(layer);
    if (weights) layers.push({ layer, className: configs.get(layer)?.className, weights: inCanonicalOrder(weights) });
  }
  return { file: modelJsonPath, topology, modelConfig, layers };
}
