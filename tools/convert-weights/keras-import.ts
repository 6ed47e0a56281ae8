// Keras model (H5 or TF.js layers, already read) → native graph and parameters, with no files: used by
// the converter (to-native.ts) and by the page, which converts dropped TF.js models itself.
import { NATIVE_MODELS } from '../../src/models/index.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { importKerasTopology } from './keras-topology.js';
import type { LayerWeights } from './layer-weights.js';
import type { ImportedModel } from './onnx-import.js';
import { guessArchitecture, mapLayerWeights } from './to-native-map.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface KerasContents {
  /** The Keras model config; undefined for a weights-only file. */
  readonly modelConfig?: unknown;
  readonly layers: readonly LayerWeights[];
}

/** A Keras model (H5 or TF.js layers) by its own topology as a native graph and parameters. */
export function importKeras(input: string, contents: KerasContents, inputSize?: { height: number; width: number }): ImportedModel {
  const config = contents.modelConfig;
  if (config === undefined) {
    const names = contents.layers.filter((l) => l.weights.length > 0).map((l) => l.layer);
    throw new WeightFileError(
      input,
      `a weights-only Keras file holds no topology: pass --arch (${Object.keys(NATIVE_MODELS).join(', ')}); ${guessArchitecture(names)}`,
    );
  }
  let imported: ReturnType<typeof importKerasTopology>;
  try {
    imported = importKerasTopology(config, { inputSize });
  } catch (e) {
    throw new WeightFileError(input, `cannot import its Keras topology: ${message(e)}`);
  }
  const params = mapLayerWeights(input, contents.layers, imported.graph, { what: 'the imported topology', weightNodes: imported.weightNodes });
  for (const [k, v] of imported.constants) params.set(k, v);
  const notes: string[] = [];
  const extra: Record<string, string> = { modelName: imported.modelName };
  if (imported.droppedSoftmax) {
    extra.outputActivation = `the softmax of layer '${imported.droppedSoftmax}' was dropped: the output is logits`;
    notes.push(`dropped the final softmax of '${imported.droppedSoftmax}': the graph outputs logits`);
  }
  if (imported.unusedLayers.length > 0)
    notes.push(`left out ${imported.unusedLayers.length} layer(s) that do not lead to the output: ${imported.unusedLayers.slice(0, 5).join(', ')}`);
  return { graph: imported.graph, params, extra, notes };
}
