// Every method on the tiny residual net (conv-ReLU-conv-ReLU-Add-conv(ReLU)-GAP-dense) against the
// same net written in @tensorflow/tfjs-core (CPU backend) with the same weights: activations from
// tfjs' forward, gradients from tf.grad (guided backprop: tf.customGrad of the guided ReLU rule),
// formulas written with tfjs ops (test/gradcam/reference.ts). Tolerances are in each test name;
// "rel" means |ours − ref| ≤ rel·|ref| + rel·max|ref|.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { upsampleMap } from '../../src/image/index.js';
import { computeLowres, gradientCams, GRADIENT_CAM_METHODS } from '../../src/methods/index.js';
import { channelMask } from '../../src/methods/scorecam.js';
import { gaussian } from '../../src/methods/input-gradients.js';
import type { Model } from '../../src/models/model.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';
import { randomWeights, tinyPair, TINY_SIZE, type TinyReference } from './fixtures.js';
import { guidedRelu, referenceCam, referenceEigencam } from './reference.js';

const { height: H, width: W } = TINY_SIZE;
const CLASSES = 4;

let tf: Tf;
let model: Model;
let reference: TinyReference;
let xv: Float32Array;
let x: Tensor;
let xr: TfTensor;

beforeAll(async () => {
  tf = await tfjs();
  const { specs, host } = randomWeights((await import('./fixtures.js')).tinyGraph(), 41);
  ({ model, reference } = tinyPair(tf, host, specs));
  xv = randomArray(H * W * 3, 5);
  x = tensor(xv, [1, H, W, 3]);
  xr = tf.tensor4d(xv, [1, H, W, 3]);
});

const close = (ours: ArrayLike<number>, ref: ArrayLike<number>, rel: number, what: string) => {
  expect(maxAbs(ref), `${what}: reference is not all zero`).toBeGreaterThan(0);
  expectClose(ours, ref, rel, rel * maxAbs(ref), what);
};

const oneHot = (c: number) => tf.cast(tf.oneHot([c], CLASSES), 'float32');
const score = (logits: TfTensor, c: number) => tf.sum(tf.mul(logits, oneHot(c)));
const inputGradientRef = (c: number, relu?: (t: TfTensor) => TfTensor, at: TfTensor = xr) => tf.grad((v: TfTensor) => score(reference.logits(v, relu), c))(at);
const channelMax = (g: Float32Array, f: (v: number) => number) => {
  const out = new Float64Array(g.length / 3);
  for (let p = 0; p < out.length; p++) out[p] = Math.max(f(g[3 * p]), f(g[3 * p + 1]), f(g[3 * p + 2]));
  return out;
};

describe('gradient CAM methods vs tf.grad at inner nodes', () => {
  it('Grad-CAM, Grad-CAM++, HiResCAM, XGrad-CAM, LayerCAM at the Add (s) and at c3, classes 1 and 2, from one forward each (1e-3 rel)', async () => {
    const sRef = reference.toS(xr);
    const c3Ref = reference.sToC3(sRef);
    for (const c of [1, 2]) {
      const gS = tf.grad((s: TfTensor) => score(reference.c3ToLogits(reference.sToC3(s)), c))(sRef);
      const gC3 = tf.grad((a: TfTensor) => score(reference.c3ToLogits(a), c))(c3Ref);
      const r = await gradientCams(model, x, ['s', 'c3'], GRADIENT_CAM_METHODS, c);
      expect(r.classIndex).toBe(c);
      expect(r.maps.map((m) => `${m.node}/${m.method}`)).toEqual(['s', 'c3'].flatMap((n) => GRADIENT_CAM_METHODS.map((m) => `${n}/${m}`)));
      for (const m of r.maps) {
        const [a, g] = m.node === 's' ? [sRef, gS] : [c3Ref, gC3];
        expect(m.shape).toEqual(a.shape);
        expect(m.status).toBe('ok');
        close(m.map.data, referenceCam(tf, m.method, a, g), 1e-3, `${m.method} at ${m.node}, class ${c}`);
      }
      // At the Add the gradient varies over positions, so the five formulas give five different maps.
      const atS = r.maps.filter((m) => m.node === 's').map((m) => m.map.data);
      for (let i = 0; i < atS.length; i++) {
        for (let j = i + 1; j < atS.length; j++) {
          const diff = maxAbs(atS[i].map((v, p) => v - atS[j][p]));
          expect(diff, `${GRADIENT_CAM_METHODS[i]} vs ${GRADIENT_CAM_METHODS[j]} at s`).toBeGreaterThan(1e-3 * Math.max(maxAbs(atS[i]), maxAbs(atS[j])));
        }
      }
    }
  });

  it('the default class is the top-1 of tfjs’ logits, and the logits agree (1e-4 rel)', async () => {
    const logitsRef = reference.logits(xr).dataSync();
    const r = await computeLowres(model, x, { method: 'gradcam', node: 'c3' });
    close(r.logits, logitsRef, 1e-4, 'logits');
    expect(r.classIndex).toBe(tf.argMax(reference.logits(xr), 1).dataSync()[0]);
  });
});

describe('input-space methods vs tf.grad', () => {
  it(
    'guided backprop: the signed input gradient equals tf.grad through a tf.customGrad guided ReLU (1e-4 ' + 'rel); map = channel max of its positive part',
    async () => {
      const ref = inputGradientRef(1, guidedRelu(tf)).dataSync() as Float32Array;
      const r = await computeLowres(model, x, { method: 'guided-backprop', classIndex: 1 });
      expect(r.overriddenRelus).toBe(3); // r1, r2 and c3's fused ReLU
      close(r.inputGradient?.data ?? [], ref, 1e-4, 'guided input gradient');
      expect(r.map.height * r.map.width).toBe(H * W);
      close(
        r.map.data,
        channelMax(ref, (v) => Math.max(v, 0)),
        1e-4,
        'guided map',
      );
      // The plain gradient differs: the override really ran.
      const plain = inputGradientRef(1).dataSync();
      expect(maxAbs(Float64Array.from(plain, (v, i) => v - ref[i]))).toBeGreaterThan(1e-3 * maxAbs(plain));
    },
  );

  it('saliency = max over channels of |tf.grad| (1e-4 rel)', async () => {
    const ref = inputGradientRef(3).dataSync() as Float32Array;
    const r = await computeLowres(model, x, { method: 'saliency', classIndex: 3 });
    close(r.map.data, channelMax(ref, Math.abs), 1e-4, 'saliency');
  });

  it('guided Grad-CAM = bilinear-upsampled Grad-CAM at c3 (tf.grad) × guided map (1e-3 rel)', async () => {
    const c3Ref = reference.sToC3(reference.toS(xr));
    const g = tf.grad((a: TfTensor) => score(reference.c3ToLogits(a), 2))(c3Ref);
    const cam = referenceCam(tf, 'gradcam', c3Ref, g);
    const [, h, w] = c3Ref.shape;
    const camUp = upsampleMap(cam, h, w, W, H);
    const guided = channelMax(inputGradientRef(2, guidedRelu(tf)).dataSync() as Float32Array, (v) => Math.max(v, 0));
    const r = await computeLowres(model, x, { method: 'guided-gradcam', node: 'c3', classIndex: 2 });
    close(
      r.map.data,
      guided.map((v, p) => v * camUp[p]),
      1e-3,
      'guided Grad-CAM',
    );
  });

  it('SmoothGrad: the same Gaussian noise through tf.grad gives the same mean saliency (1e-3 rel); noise 0 gives plain saliency', async () => {
    const samples = 5,
      noise = 0.2,
      seed = 9;
    let lo = Infinity,
      hi = -Infinity;
    for (const v of xv) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const normal = gaussian(seed);
    const ref = new Float64Array(H * W);
    for (let s = 0; s < samples; s++) {
      const noisy = Float32Array.from(xv, (v) => v + noise * (hi - lo) * normal());
      const sal = channelMax(inputGradientRef(0, undefined, tf.tensor4d(noisy, [1, H, W, 3])).dataSync() as Float32Array, Math.abs);
      for (let p = 0; p < ref.length; p++) ref[p] += sal[p] / samples;
    }
    // batchSize 2 over 5 samples: batches of 2, 2 and 1.
    const r = await computeLowres(model, x, { method: 'smoothgrad', classIndex: 0, samples, noise, seed, batchSize: 2 });
    close(r.map.data, ref, 1e-3, 'smoothgrad');
    const quiet = await computeLowres(model, x, { method: 'smoothgrad', classIndex: 0, samples: 2, noise: 0 });
    close(quiet.map.data, channelMax(inputGradientRef(0).dataSync() as Float32Array, Math.abs), 1e-4, 'smoothgrad without noise');
  });

  it('integrated gradients: equal to the tf.grad trapezoid sum from preprocess(black) (1e-3 rel), completeness within 1 %', async () => {
    const steps = 16;
    const baseline = -1; // 'tf' preprocessing: 0 / 127.5 − 1
    const averaged = new Float64Array(xv.length);
    for (let k = 0; k <= steps; k++) {
      const alpha = k / steps;
      const point = tf.tensor4d(
        Float32Array.from(xv, (v) => baseline + alpha * (v - baseline)),
        [1, H, W, 3],
      );
      const g = inputGradientRef(2, undefined, point).dataSync();
      const weight = (k === 0 || k === steps ? 0.5 : 1) / steps;
      for (let i = 0; i < xv.length; i++) averaged[i] += weight * g[i];
    }
    const attributions = Float64Array.from(xv, (v, i) => (v - baseline) * averaged[i]);
    const ref = new Float64Array(H * W).map((_, p) => Math.abs(attributions[3 * p] + attributions[3 * p + 1] + attributions[3 * p + 2]));
    const r = await computeLowres(model, x, { method: 'integrated-gradients', classIndex: 2, steps, batchSize: 5 });
    close(r.map.data, ref, 1e-3, 'integrated gradients');
    const c = r.completeness;
    const yx = reference.logits(xr).dataSync()[2];
    const yb = reference.logits(tf.fill([1, H, W, 3], baseline)).dataSync()[2];
    expect(c?.scoreDifference).toBeCloseTo(yx - yb, 4);
    expect(c?.relativeError).toBeLessThan(0.01);
    expect(Math.abs((c?.sumOfAttributions ?? 0) - (yx - yb))).toBeLessThan(0.01 * Math.abs(yx - yb));
  });
});

describe('gradient-free methods vs tfjs forwards', () => {
  it('Score-CAM: softmax probability of each masked input from tfjs’ forward, ReLU(Σ p_k A_k) at c3 (1e-3 rel)', async () => {
    const c3Ref = reference.sToC3(reference.toS(xr));
    const a = c3Ref.dataSync() as Float32Array;
    const shape = c3Ref.shape;
    const [, h, w, channels] = shape;
    const weights = new Float64Array(channels);
    for (let k = 0; k < channels; k++) {
      let constant = true;
      for (let i = 1; i < h * w; i++) if (a[i * channels + k] !== a[k]) constant = false;
      if (constant) continue;
      const mask = channelMask(a, shape, k, H, W);
      const masked = tf.tensor4d(
        Float32Array.from(xv, (v, i) => v * mask[Math.floor(i / 3)]),
        [1, H, W, 3],
      );
      weights[k] = tf.softmax(reference.logits(masked)).dataSync()[1];
    }
    const ref = new Float64Array(h * w).map((_, i) =>
      Math.max(
        0,
        weights.reduce((s, wk, k) => s + wk * a[i * channels + k], 0),
      ),
    );
    const r = await computeLowres(model, x, { method: 'scorecam', node: 'c3', classIndex: 1, scoreCamMaxChannels: 100 });
    close(r.map.data, ref, 1e-3, 'Score-CAM');
  });

  it('Eigen-CAM at c3 and s equals the Jacobi-eigendecomposition reference on tfjs’ activations (1e-4 rel)', async () => {
    for (const node of ['s', 'c3']) {
      const s = reference.toS(xr);
      const aRef = node === 's' ? s : reference.sToC3(s);
      const [, h, w, c] = aRef.shape;
      const ref = referenceEigencam(aRef.dataSync() as Float32Array, h * w, c);
      const r = await computeLowres(model, x, { method: 'eigencam', node });
      close(r.map.data, ref, 1e-4, `Eigen-CAM at ${node}`);
    }
  });
});
