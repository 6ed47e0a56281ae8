// The model's lifetime around a verb's work: load it (which starts the GPU), run the work, and
// release the model and the GPU whatever happens, so each verb does not spell out the same
// try/finally.
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { releaseGpu } from '../tensor/index.js';
import { type ModelSource, weightsDir } from './model-source.js';
import { markGpuReady } from './respawn.js';

export async function withLoadedModel<T>(source: ModelSource, work: (model: Model) => Promise<T>): Promise<T> {
  let model: Model | undefined;
  try {
    model = await loadModel(source.loadSpec, { weightsDir: weightsDir() });
    markGpuReady();
    return await work(model);
  } finally {
    model?.dispose();
    releaseGpu();
  }
}
