// Deletion + insertion (50 steps each: 102 perturbed inputs) for one 224×224 image on ResNet50V2
// (random weights): the batched scoring evaluate uses (16 inputs per forward) against the same
// inputs run one forward each. Run alone: npx tsx bench/perturbation.ts [steps] [batch]
// (exported for bench/index.ts to add as a row).
import { pathToFileURL } from 'node:url';
import { classProbabilities } from '../src/metrics/batched-scores.js';
import { blurred, rankPixels, sequence, zeroInput, type ModelInput } from '../src/metrics/perturbation.js';
import { releaseGpu } from '../src/tensor/index.js';
import { randomNativeModel } from './random-weights.js';
import { interleave, type Paired, type Timing } from './timing.js';

export interface PerturbationRow {
  steps: number;
  batch: number;
  /** ours: batched; theirs: one forward per input; ratio: batched ÷ one-by-one. */
  timing: Paired;
}

export async function perturbationBench(steps = 50, batch = 16, runs = 1): Promise<PerturbationRow> {
  const model = randomNativeModel('resnet50v2');
  try {
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
    return { steps, batch, timing: await interleave(() => both(batch), () => both(1), runs, 0) };
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [steps, batch] = [Number(process.argv[2] ?? 50), Number(process.argv[3] ?? 16)];
  const row = await perturbationBench(steps, batch);
  const ms = (t: Timing | undefined) =>
    t === undefined ? '—' : `${(t.median / 1000).toFixed(1)} s${t.idleEquivalentMs === undefined ? '' : ` (idle-equivalent ${(t.idleEquivalentMs / 1000).toFixed(1)} s)`}`;
  console.log(`deletion + insertion, ${row.steps} steps each (${2 * (row.steps + 1)} inputs), ResNet50V2 224×224:`);
  console.log(`  batched, ${row.batch} per forward: ${ms(row.timing.ours)}`);
  console.log(`  one forward per input:      ${ms(row.timing.theirs)}`);
  const ratio = row.timing.ratio?.median;
  console.log(`  one-by-one ÷ batched: ${ratio === undefined ? '—' : (1 / ratio).toFixed(2)}× (wall)`);
  releaseGpu();
}
