// Grad-CAM on a real pretrained network — the Keras 2.2.4 InceptionV3 that the nsfwjs package ships
// (TF.js layers, uint8-quantized) — at mixed10, mixed9 and conv2d_94, against the same computation
// in TensorFlow.js: tfjs-layers runs the network (CPU backend); dLogit/dA comes from tf.grad over
// the network's own layers applied eagerly downstream of the node. Tolerance: 1e-3 of the map's max.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { io, Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tensor } from '../../src/tensor/index.js';
import { Model, nsfwjsInceptionv3 } from '../../src/models/index.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { gradientCams } from '../../src/methods/index.js';
import { readTfjsLayers } from '../../tools/convert-weights/tfjs-layers-file.js';
import { toParameterMap } from '../../tools/convert-weights/layer-weights.js';
import { ensureNsfwjsInception } from '../fixtures/nsfwjs-inception.js';
import { photoPixels } from '../fixtures/keras-zoo-check.js';
import { expectClose, maxAbs } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import * as tfSync from '@tensorflow/tfjs-core';

const NODES = ['mixed10', 'mixed9', 'conv2d_94'];

async function tfjsModel(modelJson: string): Promise<tfl.LayersModel> {
  const tf = await tfjs();
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[] };
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(modelJson), p))));
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: Buffer.concat(shards).buffer.slice(0) as ArrayBuffer,
  }));
}

function inboundNames(layer: tfl.layers.Layer): string[] {
  const node = (layer as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] }).inboundNodes[0];
  return node.inboundLayers.map((l) => l.name);
}

/** tfjs 4.22's batchNorm gradient crashes without a scale tensor (Keras InceptionV3 has scale=False),
 *  so inside the differentiated function BatchNormalization is written out with the layer's weights. */
function batchNormByOps(layer: tfl.layers.Layer, x: TfTensor): TfTensor {
  const config = layer.getConfig() as { epsilon: number; scale: boolean; center: boolean };
  const weights = layer.getWeights();
  let i = 0;
  const gamma = config.scale ? weights[i++] : undefined;
  const beta = config.center ? weights[i++] : undefined;
  const [mean, variance] = [weights[i], weights[i + 1]];
  return tfSync.tidy(() => {
    let y = tfSync.div(tfSync.sub(x, mean), tfSync.sqrt(tfSync.add(variance, config.epsilon)));
    if (gamma) y = tfSync.mul(y, gamma);
    return beta ? tfSync.add(y, beta) : y;
  });
}

/** tfjs 4.22's avgPool gradient divides by the full window even where 'same' padding was excluded
 *  from the forward, so the 3×3 stride-1 'same' pools of the Inception modules are written out as sums
 *  of shifted slices divided by the count of real cells. */
function averagePoolByOps(layer: tfl.layers.Layer, x: TfTensor): TfTensor {
  const config = layer.getConfig() as { poolSize: [number, number]; strides: [number, number]; padding: string };
  const [kh, kw] = config.poolSize;
  expect([config.strides, config.padding, kh % 2, kw % 2]).toEqual([[1, 1], 'same', 1, 1]);
  const [, h, w] = x.shape;
  return tfSync.tidy(() => {
    const windowSum = (t: TfTensor) => {
      const padded = tfSync.pad(t, [[0, 0], [(kh - 1) / 2, (kh - 1) / 2], [(kw - 1) / 2, (kw - 1) / 2], [0, 0]]);
      let sum: TfTensor | undefined;
      for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) {
        const tap = tfSync.slice(padded, [0, dy, dx, 0], [-1, h, w, -1]);
        sum = sum ? tfSync.add(sum, tap) : tap;
      }
      return sum as TfTensor;
    };
    return tfSync.div(windowSum(x), windowSum(tfSync.onesLike(tfSync.slice(x, [0, 0, 0, 0], [1, h, w, 1]))));
  });
}

/** Grad-CAM maps computed in tfjs: every layer output from one predict, then tf.grad of the logit
 *  with respect to each node, re-running only the layers downstream of it. */
async function tfjsGradCams(model: tfl.LayersModel, input: Float32Array, classIndex: number): Promise<Map<string, Float32Array>> {
  const tf = await tfjs();
  const layers = model.layers.filter((l) => l.name !== model.inputLayers[0].name);
  const probe = tfl.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tfl.SymbolicTensor) });
  const x = tf.tensor4d(input, [1, 299, 299, 3]);
  const values = new Map<string, TfTensor>();
  (probe.predict(x) as TfTensor[]).forEach((t, i) => values.set(layers[i].name, t));
  const last = model.layers[model.layers.length - 1];
  const [kernel, bias] = last.getWeights();
  const featuresName = inboundNames(last)[0];
  const maps = new Map<string, Float32Array>();
  for (const node of NODES) {
    const downstream = new Set([node]);
    for (const l of layers) if (inboundNames(l).some((n) => downstream.has(n))) downstream.add(l.name);
    const logit = (a: TfTensor) => {
      const env = new Map(values);
      env.set(node, a);
      for (const l of layers) {
        if (l === last || l.name === node || !downstream.has(l.name)) continue;
        const ins = inboundNames(l).map((n) => {
          const v = env.get(n);
          if (!v) throw new Error(`no value for ${n}, input of ${l.name}`);
          return v;
        });
        const cls = l.getClassName();
        env.set(l.name, cls === 'BatchNormalization' ? batchNormByOps(l, ins[0]) : cls === 'AveragePooling2D' && (l.getConfig() as { padding: string }).padding === 'same' ? averagePoolByOps(l, ins[0]) : (l.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as TfTensor));
      }
      // The pre-softmax logit of the final Dense (its softmax activation is not the target score).
      const features = env.get(featuresName) as TfTensor;
      return tf.add(tf.matMul(features as import('@tensorflow/tfjs-core').Tensor2D, tf.slice(kernel, [0, classIndex], [-1, 1]) as import('@tensorflow/tfjs-core').Tensor2D), tf.slice(bias, [classIndex], [1])).sum();
    };
    const a = values.get(node) as TfTensor;
    const g = tf.grad(logit)(a);
    const [, h, w, c] = a.shape;
    const alpha = tf.mean(g, [1, 2]);
    const cam = tf.relu(tf.sum(tf.mul(a, tf.reshape(alpha, [1, 1, 1, c])), 3));
    maps.set(node, Float32Array.from(await cam.data()));
    expect(cam.size).toBe(h * w);
  }
  x.dispose();
  return maps;
}

describe('Grad-CAM on the real nsfwjs InceptionV3 equals tf.grad on tfjs-layers', () => {
  it('at mixed10, mixed9 and conv2d_94 for the top class of chelsea.png (1e-3 of each map\'s max)', { timeout: 900_000 }, async () => {
    const modelJson = ensureNsfwjsInception();
    const { layers } = await readTfjsLayers(modelJson);
    const weights = new Map([...toParameterMap(layers)].map(([name, w]) => [name, tensor(w.data, w.shape)]));
    const model = new Model(nsfwjsInceptionv3(), weights);
    const pixels = (await photoPixels(299, 299)).data;
    const input = preprocessPixels('unit', pixels, 299, 299);
    const ours = await gradientCams(model, tensor(input, [1, 299, 299, 3]), NODES, 'gradcam');
    const reference = await tfjsGradCams(await tfjsModel(modelJson), input, ours.classIndex);
    for (const m of ours.maps) {
      const ref = reference.get(m.node) as Float32Array;
      expect(maxAbs(ref), `reference map at ${m.node} is not all zero`).toBeGreaterThan(0);
      expectClose(m.map.data, ref, 0, 1e-3 * maxAbs(ref), `Grad-CAM at ${m.node}`);
    }
    model.dispose();
  });
});
