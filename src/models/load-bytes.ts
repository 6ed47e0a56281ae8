// A runnable model from the bytes of a native weights file (an upload, a fetch, a buffer). No file
// system here: the path loader (load.ts) reads the file and comes through this too.
import { initGpu, tensor, type Tensor } from '../tensor/index.js';
import { checkWeightShapes, definitionFromMetadata } from './load-definition.js';
import { NATIVE_MODELS } from './index.js';
import { Model } from './model.js';
import { WeightFileError } from './safetensors.js';
import { parseWeightsFile, type WeightsFile } from './weights-format.js';

/**
 * The model a parsed weights file describes, its parameters on the GPU. `zoo`: the native name it was
 * asked for, which the file's architecture must then be. Errors are WeightFileErrors naming `file`.
 */
export async function modelFromWeights(file: string, weights: WeightsFile, zoo?: string): Promise<Model> {
  if (zoo !== undefined && weights.metadata.architecture !== zoo) {
    const held = Object.hasOwn(NATIVE_MODELS, weights.metadata.architecture) ? `'${weights.metadata.architecture}'` : 'an imported graph';
    throw new WeightFileError(file, `holds ${held}, not '${zoo}': reconvert it, or load it by its path`);
  }
  const definition = definitionFromMetadata(file, weights.metadata);
  checkWeightShapes(file, definition, new Map([...weights.params].map(([k, t]) => [k, t.shape])));
  await initGpu();
  const tensors = new Map<string, Tensor>();
  try {
    for (const [k, t] of weights.params) tensors.set(k, tensor(t.data, [...t.shape]));
    return new Model(definition, tensors);
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}

/** A model from the bytes of a gradscope .safetensors file; `name` names it in errors (default '<bytes>'). */
export function modelFromBytes(bytes: Uint8Array, name = '<bytes>'): Promise<Model> {
  return modelFromWeights(name, parseWeightsFile(bytes, name));
}
