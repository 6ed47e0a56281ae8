// The faithfulness and localisation metrics on hand-computed cases: the trapezoid AUC, the deletion /
// insertion sequences, ROAD's imputation against its published formula (each removed pixel the
// weighted mean of its in-image 8-neighbours, direct 1/6, diagonal 1/12), the localisation shares, and
// the whole evaluate pipeline on a known 4×4 model whose probabilities are written out by hand;
// batched scoring against one-by-one; GPU memory flat over repeated evaluations.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/models/builder.js';
import { defineModel } from '../../src/models/definition.js';
import { Model } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/index.js';
import { gaussian } from '../../src/methods/input-gradients.js';
import { classProbabilities } from '../../src/metrics/batched-scores.js';
import { centreMap, evaluateMethods } from '../../src/metrics/faithfulness.js';
import { localisation } from '../../src/metrics/localisation.js';
import { blurred, maskedByMap, pixelsAtStep, rankPixels, sequence, trapezoidAuc, type ModelInput } from '../../src/metrics/perturbation.js';
import { noisyLinearImputation, roadMask } from '../../src/metrics/road.js';
import { expectSteadyMemory } from '../helpers.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** input 4×4×3 ('unit': x/255) → GAP → dense [[4, −4], [0, 0], [0, 0]]: logit0 − logit1 = 8·mean(R), so p0 = σ(8·mean R). */
function knownModel(): Model {
  const g = new GraphBuilder();
  const x = g.input('x', 4, 4, 3);
  g.dense('logits', g.globalAvgPool('gap', x), 2);
  const definition = defineModel({ name: 'known', graph: g.build(), preprocessing: 'unit', labels: ['red', 'not red'], defaultTarget: 'x', source: 'test' });
  return new Model(definition, { 'logits/kernel': tensor([4, -4, 0, 0, 0, 0], [3, 2]), 'logits/bias': tensor([0, 0], [2]) });
}

describe('perturbation pieces', () => {
  it('trapezoid AUC: [1, 0.5, 0] → 0.5, [0, 1] → 0.5, [1, 1, 1, 1] → 1', () => {
    expect(trapezoidAuc([1, 0.5, 0])).toBe(0.5);
    expect(trapezoidAuc([0, 1])).toBe(0.5);
    expect(trapezoidAuc([1, 1, 1, 1])).toBe(1);
  });

  it('pixels ranked by value, ties in row-major order; step k of n changes round(k·N/n) pixels', () => {
    expect([...rankPixels([0.5, 2, 0.5, 3, 2])]).toEqual([3, 1, 4, 0, 2]);
    expect([0, 1, 2, 3].map((k) => pixelsAtStep(k, 3, 16))).toEqual([0, 5, 11, 16]);
  });

  it('deletion sequence on a 2×2 one-channel input: each step replaces the next pixels of the order', () => {
    const from: ModelInput = { data: Float32Array.from([1, 2, 3, 4]), height: 2, width: 2, channels: 1 };
    const to: ModelInput = { ...from, data: new Float32Array(4) };
    const s = sequence(from, to, Uint32Array.from([3, 0, 2, 1]), 2);
    expect(s.count).toBe(3);
    expect([...s.data]).toEqual([1, 2, 3, 4, 0, 2, 3, 0, 0, 0, 0, 0]);
  });

  it('blur keeps a constant image constant (taps renormalised at the border); the map-weighted input is input × map', () => {
    const flat: ModelInput = { data: new Float32Array(5 * 7 * 3).fill(0.25), height: 5, width: 7, channels: 3 };
    for (const v of blurred(flat).data) expect(v).toBeCloseTo(0.25, 6);
    const x: ModelInput = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), height: 1, width: 2, channels: 3 };
    expect([...maskedByMap(x, [0.5, 0]).data]).toEqual([0.5, 1, 1.5, 0, 0, 0]);
  });
});

describe('ROAD noisy linear imputation against its formula (noise 0 unless stated; 1e-6)', () => {
  const image: ModelInput = { data: Float32Array.from({ length: 9 }, (_, i) => [3, 1, 4, 1, 5, 9, 2, 6, 5][i]), height: 3, width: 3, channels: 1 };

  it('the centre of a 3×3: (1/6)(1 + 1 + 9 + 6) + (1/12)(3 + 4 + 2 + 5) = 4; a corner: (v01/6 + v10/6 + v11/12) / (5/12)', () => {
    const centre = noisyLinearImputation(image, Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]), 0);
    expect(centre.data[4]).toBeCloseTo((1 + 1 + 9 + 6) / 6 + (3 + 4 + 2 + 5) / 12, 6);
    const corner = noisyLinearImputation(image, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
    expect(corner.data[0]).toBeCloseTo((1 / 6 + 1 / 6 + 5 / 12) / (5 / 12), 6);
    for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) expect(corner.data[i]).toBe(image.data[i]);
  });

  it('two adjacent removed pixels (centre and right middle) solve the coupled 2×2 system; noise σ adds seeded Gaussians', () => {
    // centre c (weights sum 1): c = (1/6)(1 + 1 + 6 + r) + (1/12)(3 + 4 + 2 + 5)
    // right middle r (in-image weights 1/6 + 1/6 + 1/6 + 1/12 + 1/12 = 2/3): (2/3) r = (1/6)(4 + 5 + c) + (1/12)(1 + 6)
    const a = 8 / 6 + 14 / 12,
      b = 9 / 6 + 7 / 12; // c = a + r/6, (2/3) r = b + c/6
    const r = (b + a / 6) / (2 / 3 - 1 / 36);
    const c = a + r / 6;
    const removed = Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 0, 0]);
    const out = noisyLinearImputation(image, removed, 0);
    expect(out.data[4]).toBeCloseTo(c, 6);
    expect(out.data[5]).toBeCloseTo(r, 6);
    const noisy = noisyLinearImputation(image, removed, 0.01, 42);
    const normal = gaussian(42);
    expect(noisy.data[4] - out.data[4]).toBeCloseTo(0.01 * normal(), 6);
    expect(noisy.data[5] - out.data[5]).toBeCloseTo(0.01 * normal(), 6);
  });

  it('MoRF removes the top p % of the order, LeRF the bottom p %', () => {
    const order = Uint32Array.from([4, 0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect([...roadMask(order, 20, true)]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect([...roadMask(order, 20, false)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });
});

describe('localisation', () => {
  it('4×4 centre map with the object at (1,1) and (0,0): a hit; energy = mass = 1 / (4 + 8e), e = 1.5 − √5/2', () => {
    const mask = { width: 4, height: 4, data: Uint8Array.from({ length: 16 }, (_, i) => (i === 0 || i === 5 ? 1 : 0)) };
    const l = localisation(centreMap(4, 4), mask);
    const e = 1.5 - Math.sqrt(5) / 2;
    expect(l.pointing).toBe(true);
    expect(l.energy).toBeCloseTo(1 / (4 + 8 * e), 6);
    expect(l.mass).toBeCloseTo(1 / (4 + 8 * e), 6);
    expect(localisation(new Float32Array(16).fill(1), mask).pointing).toBe(false);
  });
});

describe('evaluate on the known 4×4 model (float64 hand values, 1e-5)', () => {
  const red = Uint8Array.from({ length: 48 }, (_, i) => (i % 3 === 0 ? 255 : 0));

  it(
    'deletion AUC = (1/4)[(σ(8) + σ(0))/2 + σ(6) + σ(4) + σ(2)] for every map; insertion from the ' + 'blurred (still all red) input = σ(8); drop and increase',
    async () => {
      const model = knownModel();
      try {
        const result = await evaluateMethods(model, [{ name: 'red', pixels: red }], { methods: ['saliency'], curveSteps: 4, perturbationBatch: 3 });
        const deletion = [8, 6, 4, 2, 0].map(sigmoid);
        const auc = ((deletion[0] + deletion[4]) / 2 + deletion[1] + deletion[2] + deletion[3]) / 4;
        const [image] = result.images;
        expect(image.classIndex).toBe(0);
        expect(image.probability).toBeCloseTo(sigmoid(8), 6);
        for (const name of ['saliency', 'random', 'center']) {
          const s = image.scores[name];
          s.deletion.forEach((p, k) => expect(p, `${name} step ${k}`).toBeCloseTo(deletion[k], 5));
          expect(s.deletionAuc).toBeCloseTo(auc, 5);
          expect(s.insertionAuc).toBeCloseTo(sigmoid(8), 5);
          // ROAD imputes red from red neighbours: only the noise (σ 0.01) moves the probability.
          for (const p of [...s.roadMorf, ...s.roadLerf]) expect(Math.abs(p - sigmoid(8))).toBeLessThan(1e-3);
        }
        // Saliency's map is constant (the gradient is 4/16 on every red value): its [0, 1] map is all zeros, the masked input black: σ(0).
        expect(image.scores.saliency.drop).toBeCloseTo((sigmoid(8) - 0.5) / sigmoid(8), 5);
        expect(image.scores.saliency.increase).toBe(false);
        expect(result.summary.map((r) => r.name)).toEqual(['saliency', 'random', 'center']);
        expect(result.summary[0].averageDrop).toBeCloseTo((100 * (sigmoid(8) - 0.5)) / sigmoid(8), 3);
      } finally {
        model.dispose();
      }
    },
  );

  it('batched scoring equals one input per forward (rtol 1e-6), and repeated evaluations keep GPU memory flat', async () => {
    const model = knownModel();
    try {
      const data = Float32Array.from({ length: 5 * 48 }, (_, i) => ((i * 37) % 101) / 101);
      const stack = { data, count: 5, height: 4, width: 4, channels: 3 };
      const batched = await classProbabilities(model, stack, 1, 16);
      const single = await classProbabilities(model, stack, 1, 1);
      expect(batched.forwards).toBe(1);
      expect(single.forwards).toBe(5);
      batched.probabilities.forEach((p, i) => expect(Math.abs(p - single.probabilities[i])).toBeLessThan(1e-6 * p));
      await expectSteadyMemory(() => evaluateMethods(model, [{ name: 'red', pixels: red }], { methods: ['saliency'], curveSteps: 4 }), {
        warmup: 2,
        repeats: 5,
      });
    } finally {
      model.dispose();
    }
  });
});
