// The weights of a Keras 3 model: model.weights.h5 inside a .keras archive. Keras 3 (keras/src/saving/
// saving_lib.py) writes each layer's variables as `layers/<layer name>/vars/0, 1, …` — a nested model's as
// `layers/<model>/layers/<layer>/vars/…` — with no weight names: Layer.save_own_variables stores the trainable
// variables, then the others, each in the order build() creates them. The layer's class and config therefore
// name them (keras3WeightNames); a layer the table does not know is refused rather than guessed.
import { WeightFileError } from '../../src/models/safetensors.js';
import { Dataset, Group, datasetAsFloat32, withHdf5File } from './hdf5.js';
import { kerasLayerConfigs, type Json, type KerasLayerConfig } from './keras-config.js';
import type { LayerWeight, LayerWeights } from './layer-weights.js';

/**
 * The canonical names of a layer's vars/0… in order, from Keras 3's build() methods; undefined for a class not
 * listed. Conv/Dense: kernel, bias (use_bias); DepthwiseConv2D's `kernel` is Keras 2's depthwise_kernel;
 * BatchNormalization: gamma (scale), beta (center) trainable, then moving_mean, moving_variance;
 * LayerNormalization: gamma, beta; Normalization: mean, variance, count when adapted (none when the config holds them).
 */
export function keras3WeightNames(className: string, config: { readonly [key: string]: Json }): string[] | undefined {
  const bias = config.use_bias !== false ? ['bias'] : [];
  switch (className) {
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'Conv2DTranspose':
    case 'Dense':
      return ['kernel', ...bias];
    case 'DepthwiseConv2D':
      return ['depthwise_kernel', ...bias];
    case 'SeparableConv2D':
      return ['depthwise_kernel', 'pointwise_kernel', ...bias];
    case 'BatchNormalization':
      return [...(config.scale !== false ? ['gamma'] : []), ...(config.center !== false ? ['beta'] : []), 'moving_mean', 'moving_variance'];
    case 'LayerNormalization':
      return [...(config.scale !== false ? ['gamma'] : []), ...(config.center !== false && config.rms_scaling !== true ? ['beta'] : [])];
    case 'Normalization':
      return config.mean === undefined || config.mean === null ? ['mean', 'variance', 'count'] : [];
    default:
      return undefined;
  }
}

interface StoredLayer {
  readonly path: string;
  readonly vars: Dataset[];
}

/** Every `<path>/vars` group with datasets under `layers`, nested models included, by layer name. */
function storedLayers(root: Group): Map<string, StoredLayer> {
  const out = new Map<string, StoredLayer>();
  const visit = (layers: Group, at: string) => {
    for (const name of layers.keys()) {
      const g = layers.get(name);
      if (!(g instanceof Group)) continue;
      const path = `${at}/${name}`;
      const vars = g.get('vars');
      if (vars instanceof Group) {
        const datasets: Dataset[] = [];
        for (let i = 0; ; i++) {
          const ds = vars.get(String(i));
          if (!(ds instanceof Dataset)) break;
          datasets.push(ds);
        }
        if (datasets.length > 0) out.set(name, { path, vars: datasets });
      }
      const inner = g.get('layers');
      if (inner instanceof Group) visit(inner, `${path}/layers`);
    }
  };
  const layers = root.get('layers');
  if (layers instanceof Group) visit(layers, 'layers');
  return out;
}

function layerWeights(file: string, config: KerasLayerConfig, stored: StoredLayer | undefined): LayerWeights | undefined {
  const names = keras3WeightNames(config.className, config.config);
  const where = `layer '${config.name}' (${config.className})`;
  if (names === undefined) {
    if (stored === undefined) return undefined;
    throw new WeightFileError(file, `${where} has ${stored.vars.length} weights in model.weights.h5 and this reader does not know what they are`);
  }
  if (names.length === 0) return undefined;
  if (stored === undefined)
    throw new WeightFileError(file, `model.weights.h5 has no weights for ${where}: expected layers/${config.name}/vars/0…${names.length - 1}`);
  if (stored.vars.length !== names.length) {
    throw new WeightFileError(
      file,
      `${where} has ${stored.vars.length} weights in ${stored.path}/vars, its config implies ${names.length} (${names.join(', ')})`,
    );
  }
  const weights: LayerWeight[] = stored.vars.map((ds, i) => {
    const { shape, data } = datasetAsFloat32(ds, `${stored.path}/vars/${i}`);
    return { name: names[i], storedName: `${stored.path}/vars/${i}`, shape, data };
  });
  return { layer: config.name, className: config.className, weights };
}

/**
 * Reads the Keras 3 weights file at `h5Path` (written out of the archive `file`) against the model config: the
 * layers that hold weights, in config order. Errors are WeightFileErrors naming `file`.
 */
export async function readKeras3Weights(file: string, h5Path: string, modelConfig: unknown): Promise<LayerWeights[]> {
  const configs = kerasLayerConfigs(modelConfig);
  try {
    return await withHdf5File(h5Path, (root) => {
      const stored = storedLayers(root);
      const out: LayerWeights[] = [];
      for (const config of configs.values()) {
        const l = layerWeights(file, config, stored.get(config.name));
        if (l) out.push(l);
      }
      return out;
    });
  } catch (e) {
    if (e instanceof WeightFileError && e.file !== file) throw new WeightFileError(file, `model.weights.h5: ${e.problem}`);
    throw e;
  }
}
