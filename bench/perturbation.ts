// Deletion + insertion (50 steps each: 102 perturbed inputs) for one 224×224 image on ResNet50V2
// (random weights): the batched scoring `evaluate` uses (16 inputs per forward) against the same
// inputs run one forward each, interleaved like every other row (`npm run bench -- --only perturbation`).
import { classProbabilities } from '../src/metrics/batched-scores.js';
import { blurred, rankPixels, sequence, zeroInput, type ModelInput } from '../src/metrics/perturbation.js';
import { randomNativeModel } from './random-weights.js';
import type { Suite } from './rows.js';

export function perturbationSuite(pairs: number, steps = 50, batch = 16): Suite {
  return {
    name: 'perturbation',
    build: async () => {
      const model = randomNativeModel('resnet50v2');
      const size = 224;
      const data = Float32Array.from({ length: size * size * 3 }, (_, i) => Math.sin(i * 0.37) * 0.8);
      const input: ModelInput = { data, height: size, width: size, channels: 3 };
      const order = rankPixels(Float32Array.from({ length: size * size }, (_, i) => Math.cos(i * 0.011)));
      const deletion = sequence(input, zeroInput(input), order, steps);
      const insertion = sequence(blurred(input), input, order, steps);
      const both = async (b: number) => {
        await classProbabilities(model, deletion, 0, b);
        await classProbabilities(model, insertion, 0, b);
      };
      const row = {
        name: `deletion + insertion ${steps} steps (${2 * (steps + 1)} inputs), ${batch} per forward`,
        ours: () => both(batch),
        theirs: () => both(1),
        theirsName: 'ours: one forward per input',
        pairs,
        warmup: 1,
        target: '≤ 0.33',
      };
      return { rows: [row], dispose: () => model.dispose() };
    },
  };
}
