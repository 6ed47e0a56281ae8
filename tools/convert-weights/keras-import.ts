// Keras model (H5 or TF.js layers, already read) → native graph and parameters, with no files: used by
// the converter (to-native.ts) and by the page, which converts dropped TF.js models itself.
import { NATIVE_MODELS } from '../../src/models/index.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { importKerasTopology } from './keras-topology.js';
import { kerasMajorVersion } from './keras-version.js';
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
  /** The Keras version the file records ('2.15.0', '3.5.0', 'tfjs-layers 4.22.0'); some names mean other things in Keras 3. */
  readonly kerasVersion?: string;
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
    imported = importKerasTopology(config, { inputSize, kerasMajor: kerasMajorVersion(contents.kerasVersion) });
  } catch (e) {
    throw new WeightFileError(input, `cannot import its Keras topology: ${message(e)}`);
  }
  const params = mapLayerWeights(input, contents.layers, imported.graph, { what: 'the imported topology', weightNodes: imported.weightNodes });
  for (const [k, v] of imported.constants) params.set(k, v);
  const notes: string[] = [];
  const extra: Record<string, string> = { modelName: imported.modelName };
  if (contents.kerasVersion !== undefined) extra.kerasVersion = contents.kerasVersion;
  if (imported.versionDependent.length > 0 && kerasMajorVersion(contents.kerasVersion) === undefined) {
    const layers = imported.versionDependent.slice(0, 5).join(', ');
    notes.push(`the file records no Keras version: hard_sigmoid (${layers}) read as Keras 2's clip(0.2x + 0.5, 0, 1), not Keras 3's relu6(x + 3)/6`);
  }
  if (imported.droppedSoftmax) {
    extra.outputActivation = `the softmax of layer '${imported.droppedSoftmax}' was dropped: the output is logits`;
    notes.push(`dropped the final softmax of '${imported.droppedSoftmax}': the graph outputs logits`);
  }
  if (imported.unusedLayers.length > 0)
    notes.push(`left out ${imported.unusedLayers.length} layer(s) that do not lead to the output: ${imported.unusedLayers.slice(0, 5).join(', ')}`);
  return { graph: imported.graph, params, extra, notes };
}
