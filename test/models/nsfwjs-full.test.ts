// Full-size check (opt-in: GRADSCOPE_FULL_MODELS=1, the reference alone takes ~90 s on the CPU):
// the native nsfwjs InceptionV3 graph loaded with the real weights shipped in the nsfwjs package,
// on a real photo, against tfjs-layers loading the same Keras topology and weights (CPU backend).
// Reference for the logits: tfjs-layers' dropout_3 output times dense_3's kernel plus bias, in
// float64 (the file's dense_3 applies softmax). Tolerance: 1e-4 relative to max|ref| for mixed10
// and the logits; measured 1.7e-6 for mixed10 on chelsea.png.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { nsfwjsInceptionv3 } from '../../src/models/inceptionv3.js';
import { Model } from '../../src/models/model.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { expectClose, maxAbs } from '../helpers.js';
import { tfjs } from '../tfjs.js';

interface ManifestEntry {
  name: string;
  shape: number[];
  quantization: { min: number; scale: number; dtype: 'uint8' };
}

/** Dequantises the uint8 weights of the nsfwjs bundle: value = min + scale·q, in manifest order. */
function nsfwjsWeights(): { topology: object; weights: Map<string, { shape: number[]; data: Float32Array }> } {
  const require = createRequire(import.meta.url);
  const dir = new URL('../../node_modules/nsfwjs/dist/models/inception_v3/', import.meta.url).pathname;
  const file = require(`${dir}model.min.js`) as { modelTopology: object; weightsManifest: { weights: ManifestEntry[] }[] };
  const bytes = Buffer.concat([1, 2, 3, 4, 5, 6].map((i) => Buffer.from(require(`${dir}group1-shard${i}of6.min.js`) as string, 'base64')));
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const group of file.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = w.quantization.min + w.quantization.scale * bytes[offset + i];
      offset += n;
      weights.set(w.name, { shape: w.shape, data });
    }
  }
  expect(offset).toBe(bytes.length);
  return { topology: file.modelTopology, weights };
}

/** Centre square crop, nearest-neighbour resize to size×size, RGB bytes (both sides get the same pixels). */
function photo(name: string, size: number): Uint8Array {
  const png = PNG.sync.read(readFileSync(new URL(`../../../shared/images/${name}`, import.meta.url).pathname));
  const side = Math.min(png.width, png.height), x0 = (png.width - side) >> 1, y0 = (png.height - side) >> 1;
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = x0 + Math.floor(((x + 0.5) * side) / size), sy = y0 + Math.floor(((y + 0.5) * side) / size);
      for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = png.data[(sy * png.width + sx) * 4 + c];
    }
  }
  return rgb;
}

describe.skipIf(!process.env.GRADSCOPE_FULL_MODELS)('nsfwjs InceptionV3 at full size, real weights', () => {
  it('mixed10 and the logits equal tfjs-layers on the same file (1e-4 of max|ref|)', { timeout: 600_000 }, async () => {
    const tf = await tfjs();
    const { topology, weights } = nsfwjsWeights();
    const def = nsfwjsInceptionv3();
    const size = def.inputSize.height;
    const input = preprocessPixels(def.preprocessing, photo('chelsea.png', size), size, size);

    const all = new Float32Array([...weights.values()].reduce((s, w) => s + w.data.length, 0));
    let o = 0;
    for (const w of weights.values()) {
      all.set(w.data, o);
      o += w.data.length;
    }
    const specs = [...weights].map(([name, w]) => ({ name, shape: w.shape, dtype: 'float32' as const }));
    const reference = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs, weightData: all.buffer }));
    const x = tf.tensor4d(input, [1, size, size, 3]);
    const outputs = tfl.model({ inputs: reference.inputs, outputs: ['mixed10', 'dropout_3'].map((n) => reference.getLayer(n).output as tfl.SymbolicTensor) }).predict(x) as TfTensor[];
    const mixed10Ref = outputs[0].dataSync();
    const features = Float32Array.from(outputs[1].dataSync());
    const kernel = weights.get('dense_3/kernel') as { data: Float32Array };
    const bias = weights.get('dense_3/bias') as { data: Float32Array };
    const logitsRef = Array.from({ length: 5 }, (_, j) => features.reduce((s, f, i) => s + f * kernel.data[i * 5 + j], bias.data[j]));

    const model = new Model(def, new Map([...weights].map(([name, w]) => [name, tensor(w.data, w.shape)])));
    const result = tidy(() => model.run(tensor(input, [1, size, size, 3]), { keep: ['mixed10'] }));
    expectClose(await (result.activations.get('mixed10') as Tensor).read(), mixed10Ref, 0, 1e-4 * maxAbs(mixed10Ref), 'mixed10');
    expectClose(await result.logits.read(), logitsRef, 0, 1e-4 * maxAbs(logitsRef), 'logits');
    model.dispose();
    reference.dispose();
  });
});
