// The committed weights (weights/scenes-resnet.safetensors, made by npm run train-demo): metadata,
// shapes against the definition, and accuracy and localisation on scenes that neither training nor
// its held-out evaluation drew (a seed of their own). References: the generator's labels and masks.
// Bounds: accuracy ≥ 118/128 (the file records ≥ 97 % on 2,000 scenes; at 97 % fewer than 118
// correct has probability < 0.5 %); CAM pointing (argmax of Σ_k w_kc·post_relu_k for the true class,
// bilinearly upsampled with half-pixel centres, inside the object mask) ≥ 85 % of 128.
import { describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { renderScene } from '../../src/data/scenes.js';
import { Model } from '../../src/models/model.js';
import { scenesResnet, SCENE_LABELS } from '../../src/models/scenes-resnet.js';
import { readWeightsFile } from '../../src/models/weights-file.js';
import { argmaxReference, upsampleReference } from '../pointing/reference.js';

const FILE = 'weights/scenes-resnet.safetensors';
const TEST_SEED = 0x5eed_7e57;

describe('committed scenes-resnet weights', () => {
  it('carry the training metadata and fit the definition', () => {
    const { metadata, params } = readWeightsFile(FILE);
    expect(metadata.architecture).toBe('scenes-resnet');
    expect(metadata.preprocessing).toBe('tf');
    expect(metadata.labels).toEqual([...SCENE_LABELS]);
    expect(metadata.licence).toBe('MIT, like gradscope (trained on its synthetic scenes only)');
    const extra = metadata.extra ?? {};
    expect(Number(extra.heldOutAccuracy)).toBeGreaterThanOrEqual(0.97);
    expect(Number(extra.heldOutScenes)).toBe(2000);
    expect(Number.isInteger(Number(extra.seed))).toBe(true);
    expect(JSON.parse(extra.trainingLog).length).toBeGreaterThan(0);
    expect(Number(extra.wallTimeSeconds)).toBeGreaterThan(0);
    const m = new Model(scenesResnet(), new Map([...params].map(([k, v]) => [k, tensor(v.data, v.shape)])));
    m.dispose();
  });

  it('classify fresh scenes (≥ 118/128 correct) and their class activation maps point inside the object (≥ 85 %)', async () => {
    const { params } = readWeightsFile(FILE);
    const model = new Model(scenesResnet(), new Map([...params].map(([k, v]) => [k, tensor(v.data, v.shape)])));
    const w = params.get('predictions/kernel')?.data as Float32Array;
    const [, classes] = params.get('predictions/kernel')!.shape;
    let correct = 0,
      inside = 0;
    const N = 128,
      B = 32;
    for (let first = 0; first < N; first += B) {
      const scenes = Array.from({ length: B }, (_, i) => renderScene(TEST_SEED, first + i));
      const size = scenes[0].size;
      const x = new Float32Array(B * size * size * 3);
      scenes.forEach((s, n) => s.pixels.forEach((v, i) => (x[n * size * size * 3 + i] = v / 127.5 - 1)));
      const r = tidy(() => model.run(tensor(x, [B, size, size, 3]), { keep: ['post_relu'] }));
      const feature = r.activations.get('post_relu');
      const [, g, , channels] = feature!.shape;
      const a = (await feature?.read()) as Float32Array;
      const logits = await r.logits.read();
      feature?.dispose();
      r.logits.dispose();
      scenes.forEach((s, n) => {
        if (argmaxReference(logits.subarray(n * classes, (n + 1) * classes)) === s.label) correct++;
        const cam = new Float32Array(g * g);
        for (let p = 0; p < g * g; p++) {
          let v = 0;
          for (let k = 0; k < channels; k++) v += w[k * classes + s.label] * a[(n * g * g + p) * channels + k];
          cam[p] = Math.max(0, v);
        }
        if (s.mask[argmaxReference(upsampleReference(cam, g, g, size, size))]) inside++;
      });
    }
    model.dispose();
    expect(correct).toBeGreaterThanOrEqual(118);
    expect(inside / N).toBeGreaterThanOrEqual(0.85);
  });
});
