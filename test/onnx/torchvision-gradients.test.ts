// Input gradients of the ReLU-kinked torchvision exports (ShuffleNetV2: ReLU, max pooling, channel shuffle by
// reshape/transpose/slice; MobileNetV3-small: hard-swish as x·hardsigmoid(x), ReLU, squeeze-excitation gates)
// against central differences in float64. In float32, central differences of these nets never converge
// (a step large enough to beat float32 rounding crosses ReLU kinks: 6 % at h = 1e-2); in float64 a step of
// h = 1e-6 crosses almost none and rounds to ~1e-10. The float64 function is test/reference/graph.ts run on the
// imported graph, itself first checked against onnxruntime-node's logits on the same file (1e-4·max|logit|).
// Checked: the logit's derivative along 3 directions v = g ⊙ r (r uniform, max|v| = 1) and along the 3 input
// coordinates of largest |g|, 64×64 input (the export's size), tolerance 1e-3 relative.
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { importedInputGradient, runOrt } from '../fixtures/onnx-runtime.js';
import { torchvisionOnnx, ZOO_SIZE } from '../fixtures/torchvision-zoo.js';
import { directionalChecks } from '../reference/grad.js';
import { runGraphRef } from '../reference/graph.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

const DIMS = [1, 3, ZOO_SIZE, ZOO_SIZE];
const input = randomArray(3 * ZOO_SIZE * ZOO_SIZE, 64, -2, 2);
const H = 1e-6;
const RTOL = 1e-3;

describe('input gradients of ReLU nets = float64 central differences (h = 1e-6, 1e-3 relative), 64×64', () => {
  const cases = [
    ['shufflenet_v2_x1_0', 'ReLU, max pooling, channel shuffle (reshape, transpose, slice), concat'],
    ['mobilenet_v3_small', 'hard-swish as x·hardsigmoid(x), ReLU, squeeze-excitation gates, depthwise convs'],
  ] as const;
  for (const [name, what] of cases) {
    it(`${name}: ${what}`, async () => {
      const bytes = torchvisionOnnx(name);
      const g = importOnnxGraph(decodeOnnxModel(bytes, `${name}.onnx`));
      const { gradient: grad, classIndex: c, feed } = await importedInputGradient(name, g, input, DIMS); // NHWC
      const f = (x: ArrayLike<number>) => runGraphRef(g.graph, g.params, { data: Float64Array.from(x), shape: feed.shape });

      // The reference itself: its logits = onnxruntime's on the same file.
      const ort = (await runOrt(bytes, { input: { data: input, dims: DIMS } }, ['logits'])).get('logits') as Float32Array;
      expectClose(f(feed.data), ort, 0, 1e-4 * maxAbs(ort), `${name}: float64 reference logits vs onnxruntime`);

      for (const { what, ours, fd } of directionalChecks((x) => f(x)[c], feed.data, grad, { h: H, seed: 300, directions: 3, coordinates: 3 })) {
        console.log(
          `${name} ${what}: ours ${ours.toExponential(4)}, float64 central differences ${fd.toExponential(4)}, relative error ${(Math.abs(ours - fd) / Math.abs(fd)).toExponential(1)}`,
        );
        expect(Math.abs(ours - fd), `${what}: ours ${ours}, central differences ${fd}`).toBeLessThanOrEqual(RTOL * Math.abs(fd));
      }
    });
  }
});
