// Grad-CAM on a real pretrained network — the Keras 2.2.4 InceptionV3 that the nsfwjs package ships
// (TF.js layers, uint8-quantized) — at mixed10, mixed9 and conv2d_94, against the same computation
// in TensorFlow.js: tfjs-layers runs the network (CPU backend); dLogit/dA comes from tf.grad over
// the network's own layers applied eagerly downstream of the node. Tolerance: 1e-3 of the map's max.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/index.js';
import { Model, nsfwjsInceptionv3 } from '../../src/models/index.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { gradientCams } from '../../src/methods/index.js';
import { readTfjsLayers } from '../../tools/convert-weights/tfjs-layers.js';
import { toParameterMap } from '../../tools/convert-weights/layer-weights.js';
import { ensureNsfwjsInception } from '../fixtures/nsfwjs-models.js';
import { photoPixels } from '../fixtures/keras-zoo-check.js';
import { loadTfjsLayersModel, tfjsLayersGradCams } from '../fixtures/tfjs-layers-reference.js';
import { expectClose, maxAbs } from '../helpers.js';

const NODES = ['mixed10', 'mixed9', 'conv2d_94'];

describe('Grad-CAM on the real nsfwjs InceptionV3 equals tf.grad on tfjs-layers', () => {
  it("at mixed10, mixed9 and conv2d_94 for the top class of chelsea.png (1e-3 of each map's max)", { timeout: 900_000 }, async () => {
    const modelJson = ensureNsfwjsInception();
    const { layers } = await readTfjsLayers(modelJson);
    const weights = new Map([...toParameterMap(layers)].map(([name, w]) => [name, tensor(w.data, w.shape)]));
    const model = new Model(nsfwjsInceptionv3(), weights);
    const pixels = (await photoPixels(299, 299)).data;
    const input = preprocessPixels('unit', pixels, 299, 299);
    const ours = await gradientCams(model, tensor(input, [1, 299, 299, 3]), NODES, 'gradcam');
    const reference = await tfjsLayersGradCams(await loadTfjsLayersModel(modelJson), input, [1, 299, 299, 3], NODES, ours.classIndex);
    for (const m of ours.maps) {
      const ref = reference.get(m.node) as Float32Array;
      expect(maxAbs(ref), `reference map at ${m.node} is not all zero`).toBeGreaterThan(0);
      expectClose(m.map.data, ref, 0, 1e-3 * maxAbs(ref), `Grad-CAM at ${m.node}`);
    }
    model.dispose();
  });
});
