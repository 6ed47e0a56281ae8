// A runnable model from a weights file already in memory (the page's dropped file, or load.ts's read):
// the definition comes from the metadata, shapes are checked before anything reaches the GPU, and every
// problem is one line that names the file.
import { initGpu, tensor, type Tensor } from '../tensor/index.js';
import { NATIVE_MODELS } from './index.js';
import { checkWeightShapes, definitionFromMetadata } from './load-definition.js';
import { Model } from './model.js';
import { WeightFileError } from './safetensors.js';
import { parseWeightsFile, type WeightsFile } from './weights-format.js';

/** `zooName`: the file was asked for by that zoo name, so it must hold that architecture. */
export async function modelFromWeights(file: string, weights: WeightsFile, zooName?: string): Promise<Model> {
  if (zooName !== undefined && weights.metadata.architecture !== zooName) {
    const arch = weights.metadata.architecture;
    const held = Object.hasOwn(NATIVE_MODELS, arch) ? `'${arch}'` : 'an imported graph';
    throw new WeightFileError(file, `holds ${held}, not '${zooName}': reconvert it, or load it by its path`);
  }
  const definition = definitionFromMetadata(file, weights.metadata);
  checkWeightShapes(file, definition, new Map([...weights.params].map(([k, t]) => [k, t.shape])));
  await initGpu();
  const uploaded = new Map<string, Tensor>();
  try {
    for (const [k, t] of weights.params) uploaded.set(k, tensor(t.data, [...t.shape]));
    return new Model(definition, uploaded);
  } catch (e) {
    for (const t of uploaded.values()) t.dispose();
    throw e;
  }
}

/** A model from the bytes of a gradscope .safetensors file; `file` names it in errors and in the model's name. */
export function modelFromBytes(bytes: Uint8Array, file: string): Promise<Model> {
  return modelFromWeights(file, parseWeightsFile(bytes, file));
}
