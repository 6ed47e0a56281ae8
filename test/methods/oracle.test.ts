// Exact oracle (DESIGN.md, "Validation"): at the input A of a global-average-pool → dense head,
// y_c = Σ_k W_kc · mean(A_k) + b_c, so ∂y_c/∂A_k = W_kc / (H·W) at every position and
// Grad-CAM = ReLU(Σ_k W_kc A_k) / (H·W) = CAM / (H·W); HiResCAM gives the same map. Reference: CAM
// computed in float64 from the dense weights (host copies) and the activations A read back from a
// separate forward. Tolerance: 1e-4 relative to each value plus 1e-4 of the map's maximum.
import { describe, expect, it } from 'vitest';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { resnet50v2 } from '../../src/models/resnet50v2.js';
import { inceptionv3 } from '../../src/models/inceptionv3.js';
import type { ModelDefinition } from '../../src/models/definition.js';
import type { Model } from '../../src/models/model.js';
import { gradientCams } from '../../src/methods/index.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { modelWithRandomWeights, tinyDefinition, type HostWeights } from './fixtures.js';

async function activationsAt(model: Model, input: Tensor, target: string): Promise<{ data: Float32Array; shape: readonly number[] }> {
  const { logits, activations } = tidy(() => model.run(input, { keep: [target] }));
  const a = activations.get(target) as Tensor;
  const data = await a.read();
  const shape = a.shape;
  logits.dispose();
  a.dispose();
  return { data, shape };
}

/** ReLU(Σ_k W[k, c]·A_k) in float64: the class activation map of Zhou et al. 2016. */
function cam(a: Float32Array, shape: readonly number[], kernel: Float32Array, classes: number, c: number): Float64Array {
  const [, h, w, channels] = shape;
  const out = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) {
    let s = 0;
    for (let k = 0; k < channels; k++) s += kernel[k * classes + c] * a[i * channels + k];
    out[i] = Math.max(s, 0);
  }
  return out;
}

async function checkOracle(definition: ModelDefinition, dense: string, target: string, classes: readonly (number | undefined)[], seed: number): Promise<void> {
  const started = performance.now();
  const { model, host } = modelWithRandomWeights(definition, seed);
  const { height, width } = definition.inputSize;
  const input = tensor(randomArray(height * width * 3, seed + 1), [1, height, width, 3]);
  try {
    const { data: a, shape } = await activationsAt(model, input, target);
    const kernel = (host as HostWeights).get(`${dense}/kernel`) as Float32Array;
    const numClasses = kernel.length / shape[3];
    const positions = shape[1] * shape[2];
    for (const requested of classes) {
      // One forward and one backward serve both methods.
      const r = await gradientCams(model, input, [target], ['gradcam', 'hirescam'], requested);
      const expected = cam(a, shape, kernel, numClasses, r.classIndex);
      expect(maxAbs(expected)).toBeGreaterThan(0);
      for (const m of r.maps) {
        expect(m.shape).toEqual(shape);
        const scaled = Float64Array.from(m.map.data, (v) => v * positions);
        expectClose(scaled, expected, 1e-4, 1e-4 * maxAbs(expected), `${definition.name} ${m.method} × H·W vs CAM, class ${r.classIndex}`);
      }
    }
    console.log(
      `oracle on ${definition.name} at ${height}×${width}: ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s (random weights: generate, upload, ` +
        `${classes.length + 1} forwards)`,
    );
  } finally {
    input.dispose();
    model.dispose();
  }
}

describe('Grad-CAM exact oracle at a GAP → dense head (CAM from the dense weights, 1e-4)', () => {
  it('tiny graph: Grad-CAM and HiResCAM at gap:input equal CAM / (H·W) for every class', async () => {
    await checkOracle(tinyDefinition(), 'logits', 'gap:input', [0, 1, 2, 3], 11);
  });

  it('resnet50v2 at its full 224×224, target avg_pool:input (= post_relu), top-1 class', async () => {
    await checkOracle(resnet50v2(), 'predictions', 'avg_pool:input', [undefined], 21);
  });

  it('inceptionv3 at its full 299×299, target avg_pool:input (= mixed10), class 7', async () => {
    await checkOracle(inceptionv3(), 'predictions', 'avg_pool:input', [7], 31);
  });
});
