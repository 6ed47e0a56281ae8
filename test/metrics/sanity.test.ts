// The sanity checks (Adebayo et al. 2018) on the bundled scenes-resnet: the block structure they
// randomise, the re-drawn weights' scale and seeding, that the loaded weights and the weights file are
// bit-identical afterwards, the verdicts following their stated rules, and GPU memory left as found.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '../../src/data/scenes.js';
import { loadModel, WEIGHTS_DIR } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { comparable, mapSimilarity } from '../../src/metrics/map-similarity.js';
import { LOGITS_BLOCK, parameterBlocks, Randomiser, redraw } from '../../src/metrics/randomise.js';
import { CHANGED_BELOW, randomOtherClass, sanityChecks, verdictsOf, type SanityImage } from '../../src/metrics/sanity.js';
import { memoryStats, synchronize } from '../../src/tensor/index.js';

const WEIGHTS = join(WEIGHTS_DIR, 'scenes-resnet.safetensors');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function allParameters(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of model.parameters) out.set(name, await t.read());
  return out;
}

describe('sanity checks on scenes-resnet', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel('scenes-resnet');
  });
  afterAll(() => model.dispose());

  it('blocks from the logits down cover every kernel, bias, gamma and beta once, and no moving statistic', () => {
    const blocks = parameterBlocks(model.definition);
    expect(blocks[0].name).toBe(LOGITS_BLOCK);
    expect(blocks.map((b) => b.name)).toEqual(['logits', 'post_relu', 'conv4_block1_out', 'conv3_block1_out', 'conv2_block1_out']);
    const listed = blocks.flatMap((b) => b.parameters);
    const learned = parameterSpecs(model.graph)
      .filter((p) => !p.kind.startsWith('moving_'))
      .map((p) => p.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...learned].sort());
    expect(blocks[0].parameters).toEqual(['predictions/kernel', 'predictions/bias']);
  });

  it('redraw: the mean and standard deviation of the original (2 % on 4096 values), the same values for the same seed, others for another', () => {
    const values = Float32Array.from({ length: 4096 }, (_, i) => 0.3 + 0.05 * Math.sin(i * 1.7) * (i % 7));
    const stats = (v: Float32Array) => {
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return { m, sd: Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length) };
    };
    const a = redraw(values, 0, 'x/kernel');
    const o = stats(values),
      r = stats(a);
    expect(Math.abs(r.m - o.m)).toBeLessThan(0.02 * o.sd + 1e-6);
    expect(Math.abs(r.sd - o.sd)).toBeLessThan(0.02 * o.sd);
    expect(redraw(values, 0, 'x/kernel')).toEqual(a);
    expect(redraw(values, 1, 'x/kernel')).not.toEqual(a);
    expect(redraw(values, 0, 'y/kernel')).not.toEqual(a);
    expect(redraw(new Float32Array(5).fill(1), 0, 'c/gamma')).toEqual(new Float32Array(5).fill(1));
  });

  it('a map equals itself (rank, signed rank, SSIM and HOG 1); the random other class is never the class', () => {
    const map = { width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, i) => (i * 7) % 5) };
    const c = comparable(map, map, 96, 96);
    const s = mapSimilarity(c, c);
    expect(s.rank).toBeCloseTo(1, 12);
    expect(s.signedRank).toBeCloseTo(1, 12);
    expect(s.ssim).toBeCloseTo(1, 12);
    expect(s.hog).toBeCloseTo(1, 12);
    for (let i = 0; i < 50; i++) {
      const other = randomOtherClass(0, i, i % 8, 8);
      expect(other).not.toBe(i % 8);
      expect(other).toBeGreaterThanOrEqual(0);
      expect(other).toBeLessThan(8);
    }
  });

  it(
    'cascading and independent runs leave the loaded weights and the weights file bit-identical and GPU ' + 'memory as found; verdicts follow the rules',
    async () => {
      const fileBefore = sha256(WEIGHTS);
      const before = await allParameters(model);
      const images: SanityImage[] = [0, 1].map((i) => ({ name: `scene ${i}`, pixels: renderScene(77, i, { size: 96 }).pixels }));
      // "As found" is the memory of a model that has explained once: its weights then hold their
      // cached Winograd filter transforms (src/ops/conv2d-winograd.ts), which live as long as they do.
      await sanityChecks(model, images.slice(0, 1), { methods: ['gradcam', 'saliency'], seed: 3 });
      await synchronize();
      const memoryBefore = memoryStats();
      const result = await sanityChecks(model, images, { methods: ['gradcam', 'saliency'], seed: 3 });
      await synchronize();
      const memoryAfter = memoryStats();
      expect(memoryAfter.liveBytes, 'live GPU bytes').toBe(memoryBefore.liveBytes);
      expect(memoryAfter.liveBuffers, 'live GPU buffers').toBe(memoryBefore.liveBuffers);
      const after = await allParameters(model);
      for (const [name, values] of before) expect(Buffer.from((after.get(name) as Float32Array).buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
      expect(sha256(WEIGHTS)).toBe(fileBefore);

      // 5 cascading steps then 5 independent ones, each with one similarity per image and method.
      expect(result.steps.map((s) => `${s.mode}:${s.randomised.length}`)).toEqual([
        'cascading:1',
        'cascading:2',
        'cascading:3',
        'cascading:4',
        'cascading:5',
        'independent:1',
        'independent:1',
        'independent:1',
        'independent:1',
        'independent:1',
      ]);
      for (const s of result.steps) for (const m of result.methods) expect(s.scores[m]).toHaveLength(2);
      expect(result.steps[1].randomised).toEqual(['logits', 'post_relu']);
      expect(result.steps[5].randomised).toEqual(['logits']);
      // Randomising the logits layer alone is the same state in both modes: the same numbers.
      expect(result.steps[5].scores).toEqual(result.steps[0].scores);
      // The verdict reads the cascading step with ceil(5/2) = 3 blocks random.
      const [gradcam] = result.verdicts;
      const third = result.steps[2].scores.gradcam ?? [];
      const zeroIfConstant = (r: number) => (Number.isNaN(r) ? 0 : r);
      const value = (zeroIfConstant(third[0].rank) + zeroIfConstant(third[1].rank)) / 2;
      expect(gradcam.randomisation?.constantMaps).toBe(third.filter((s) => Number.isNaN(s.rank)).length);
      expect(gradcam.randomisation?.step).toBe('conv4_block1_out');
      expect(gradcam.randomisation?.value).toBeCloseTo(value, 12);
      expect(gradcam.randomisation?.passes).toBe(value < CHANGED_BELOW);
      expect(verdictsOf(result.methods, result.steps, result.randomLogit, 5)).toEqual(result.verdicts);
      expect(result.figure.columns).toEqual(['original', 'logits', 'post_relu', 'conv4_block1_out', 'conv3_block1_out', 'conv2_block1_out']);
      expect(result.figure.maps.saliency).toHaveLength(6);
    },
  );

  it('a Randomiser model uses the re-drawn tensors for its blocks and the loaded ones elsewhere; dispose releases only its own', async () => {
    const randomiser = new Randomiser(model, 5);
    const blocks = parameterBlocks(model.definition);
    const random = await randomiser.withRandomised(blocks.slice(0, 1));
    expect(random.parameters.get('predictions/kernel')).not.toBe(model.parameters.get('predictions/kernel'));
    expect(random.parameters.get('post_bn/gamma')).toBe(model.parameters.get('post_bn/gamma'));
    const drawn = await (random.parameters.get('predictions/kernel') ?? model.parameters.get('predictions/kernel'))?.read();
    expect(drawn).toEqual(redraw((await model.parameters.get('predictions/kernel')?.read()) as Float32Array, 5, 'predictions/kernel'));
    randomiser.dispose();
    expect((await model.parameters.get('predictions/kernel')?.read())?.length).toBeGreaterThan(0);
  });
});
