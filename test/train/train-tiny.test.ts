// End-to-end training: a tiny scenes-resnet (24×24 scenes, widths 4–8, both shortcut kinds) trained
// with gradscope's autodiff for a few AdamW steps on one fixed batch. The behaviour checked, with its
// bounds: the loss starts near ln 8 (uniform logits, ± 0.7), falls below 70 % of the start within 15
// steps (memorising 16 scenes), every trainable parameter moves (each received a weight gradient)
// and every batchnorm running statistic moves away from its initial 0 / 1. Also: two runs from one seed
// agree bit for bit (what makes npm run train-demo reproducible).
import { describe, expect, it } from 'vitest';
import { sceneBatch } from '../../src/data/batch.js';
import { scenesResnetGraph } from '../../src/models/scenes-resnet.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { initialParameters } from '../../src/train/initialise.js';
import { Trainer } from '../../src/train/trainer.js';

describe('training a tiny scenes-resnet end to end', () => {
  it('the loss falls and every parameter and running statistic is updated', async () => {
    const graph = scenesResnetGraph({ size: 24, stemFilters: 4, stageFilters: [4, 8], stageStrides: [1, 2], blocks: [1, 1] });
    const initial = initialParameters(graph, 5);
    const trainer = new Trainer(graph, initial, { optimizer: 'adamw', weightDecay: 0.01, batchNormMomentum: 0.5 });
    const batch = sceneBatch(3, 0, 16, 24);
    const losses: number[] = [];
    for (let s = 0; s < 15; s++) {
      const outcome = await trainer.step(batch.inputs, batch.oneHot, batch.labels, 16, 0.02).read();
      losses.push(outcome.loss);
    }
    expect(Math.abs(losses[0] - Math.log(8)), `first loss ${losses[0]}`).toBeLessThan(0.7);
    const last = (losses[12] + losses[13] + losses[14]) / 3;
    expect(last, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(0.7 * losses[0]);

    const trained = await trainer.exportParameters();
    for (const spec of parameterSpecs(graph)) {
      const before = initial.get(spec.name)?.data as Float32Array;
      const after = trained.get(spec.name)?.data as Float32Array;
      let change = 0;
      for (let i = 0; i < before.length; i++) change = Math.max(change, Math.abs(after[i] - before[i]));
      expect(change, `${spec.name} did not change`).toBeGreaterThan(1e-4);
    }
    expect(trainer.steps).toBe(15);
    trainer.dispose();
  });

  it('is deterministic: two runs from the same seed give bit-identical parameters after 4 steps', async () => {
    const graph = scenesResnetGraph({ size: 24, stemFilters: 4, stageFilters: [4, 8], stageStrides: [1, 2], blocks: [1, 1] });
    const batch = sceneBatch(4, 0, 8, 24);
    const run = async () => {
      const trainer = new Trainer(graph, initialParameters(graph, 6), { optimizer: 'sgd-momentum', weightDecay: 5e-4, batchNormMomentum: 0.9 });
      for (let s = 0; s < 4; s++) await trainer.step(batch.inputs, batch.oneHot, batch.labels, 8, 0.05).read();
      const out = await trainer.exportParameters();
      trainer.dispose();
      return out;
    };
    const [a, b] = [await run(), await run()];
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });
});
