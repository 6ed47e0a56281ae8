// Keras HDF5 weights: the official weights-only files (root attribute `layer_names`, each layer group
// with `weight_names`) and full-model files (`model_weights` group, `model_config` JSON attribute).
// Dataset paths are never guessed: they come from `layer_names`/`weight_names`, as Keras' own loader does.
import { WeightFileError } from '../../src/models/safetensors.js';
import { Dataset, Group, datasetAsFloat32, readStringAttr, readStringListAttr, withHdf5File } from './hdf5.js';
import { canonicalNames, layerKind, type LayerWeight, type LayerWeights } from './layer-weights.js';
import { kerasLayerConfigs, type KerasLayerConfig } from './keras-config.js';

export interface KerasH5Contents {
  readonly file: string;
  readonly format: 'weights-only' | 'full-model';
  readonly kerasVersion?: string;
  readonly backend?: string;
  /** The parsed `model_config` attribute (full-model files only). */
  readonly modelConfig?: unknown;
  /** Layers that hold weights, in the file's `layer_names` order. */
  readonly layers: LayerWeights[];
}

/** Reads every weight of a Keras .h5 file into plain arrays. Errors are WeightFileErrors naming the file. */
export async function readKerasH5(path: string): Promise<KerasH5Contents> {
  return withHdf5File(path, (root) => {
    const configText = readStringAttr(root, 'model_config');
    const weightsRoot = root.get('model_weights');
    const isFullModel = weightsRoot instanceof Group;
    const group = isFullModel ? weightsRoot : root;
    let modelConfig: unknown;
    if (configText !== undefined) {
      try {
        modelConfig = JSON.parse(configText);
      } catch {
        throw new WeightFileError(path, `attribute 'model_config' is not valid JSON`);
      }
    }
    const configs = kerasLayerConfigs(modelConfig);
    const layerNames = readStringListAttr(group, 'layer_names');
    if (!layerNames) {
      const hint =
        root.get('layers') instanceof Group
          ? ' (this looks like a Keras 3 .weights.h5 file, which files weights by class, not by layer name: convert the whole model saved as .keras, model.save("m.keras"))'
          : '';
      throw new WeightFileError(path, `no 'layer_names' attribute${isFullModel ? ' in model_weights' : ''}: not a Keras weights file${hint}`);
    }
    const layers: LayerWeights[] = [];
    for (const layerName of layerNames) layers.push(...readLayerGroup(path, group, layerName, configs));
    return {
      file: path,
      format: isFullModel ? 'full-model' : 'weights-only',
      kerasVersion: readStringAttr(group, 'keras_version') ?? readStringAttr(root, 'keras_version'),
      backend: readStringAttr(group, 'backend') ?? readStringAttr(root, 'backend'),
      modelConfig,
      layers,
    };
  });
}

/**
 * One `layer_names` entry. Its weights usually all belong to that layer; a nested model's group holds
 * the weights of its inner layers ('block1_conv1/kernel:0' under 'vgg16'), which are split out by the
 * segment before the weight's own name.
 */
function readLayerGroup(path: string, parent: Group, layerName: string, configs: Map<string, KerasLayerConfig>): LayerWeights[] {
  const g = parent.get(layerName);
  if (!(g instanceof Group)) throw new WeightFileError(path, `layer_names lists '${layerName}' but there is no such group`);
  const weightNames = readStringListAttr(g, 'weight_names');
  if (weightNames === undefined) throw new WeightFileError(path, `layer group '${layerName}' has no 'weight_names' attribute`);
  const byLayer = new Map<string, string[]>();
  for (const w of weightNames) {
    const segments = w.split('/');
    // A weight named under its own layer ('expanded_conv/squeeze_excite/Conv/kernel:0') is that layer's, even
    // when the segment before it names another layer too (MobileNetV3's stem is 'Conv').
    const own = w.startsWith(`${layerName}/`);
    const owner =
      !own && segments.length >= 2 && configs.has(segments[segments.length - 2]) && segments[segments.length - 2] !== layerName
        ? segments[segments.length - 2]
        : layerName;
    if (!byLayer.has(owner)) byLayer.set(owner, []);
    byLayer.get(owner)!.push(w);
  }
  const out: LayerWeights[] = [];
  for (const [owner, stored] of byLayer) {
    const config = configs.get(owner);
    let names: string[];
    try {
      names = canonicalNames(owner, stored, layerKind(config?.className, stored), { scale: config?.scale, center: config?.center });
    } catch (e) {
      throw new WeightFileError(path, (e as Error).message);
    }
    const weights: LayerWeight[] = stored.map((storedName, i) => {
      const ds = g.get(storedName);
      if (!(ds instanceof Dataset)) throw new WeightFileError(path, `weight '${storedName}' of layer '${layerName}' is not a dataset`);
      const { shape, data } = datasetAsFloat32(ds, `weight '${storedName}'`);
      return { name: names[i], storedName, shape, data };
    });
    out.push({ layer: owner, className: config?.className, weights });
  }
  return out;
}
