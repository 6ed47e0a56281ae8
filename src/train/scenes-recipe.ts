// The recipe that trains scenes-resnet (npm run train-demo): fresh generated scenes every step (so
// no epoch repeats data and no augmentation is needed), AdamW with a warm-up + cosine schedule,
// weight decay on kernels only, then batchnorm statistics re-estimated with the final weights and
// an evaluation on held-out scenes from a seed the training never drew from.
import { sceneBatch } from '../data/batch.js';
import { SHAPE_CLASSES } from '../data/classes.js';
import { hashWords } from '../data/random.js';
import { scenesResnetGraph, type ScenesResnetOptions } from '../models/scenes-resnet.js';
import type { NamedTensor } from '../models/safetensors.js';
import { evaluateScenes, type Evaluation } from './evaluate.js';
import { initialParameters } from './initialise.js';
import { warmupCosine } from './schedule.js';
import { Trainer, type TrainerOptions } from './trainer.js';

export interface ScenesRecipe {
  seed: number;
  batchSize: number;
  epochs: number;
  stepsPerEpoch: number;
  peakLearningRate: number;
  warmupSteps: number;
  trainer: TrainerOptions;
  /** Validation scenes scored after each epoch (their own seed). */
  validationScenes: number;
  /** Final held-out scenes. */
  heldOutScenes: number;
  /** Batches whose statistics replace the running averages before the final evaluation. */
  recalibrationBatches: number;
  model: ScenesResnetOptions;
}

const DEFAULTS: ScenesRecipe = {
  seed: 2024,
  batchSize: 32,
  epochs: 8,
  stepsPerEpoch: 250,
  peakLearningRate: 3e-3,
  warmupSteps: 60,
  trainer: { optimizer: 'adamw', weightDecay: 0.05, batchNormMomentum: 0.9 },
  validationScenes: 400,
  heldOutScenes: 2000,
  recalibrationBatches: 20,
  model: {},
};
export const DEFAULT_SCENES_RECIPE: Readonly<ScenesRecipe> = Object.freeze(DEFAULTS);

/** The independent scene streams of a run, all derived from its seed. */
export function recipeSeeds(seed: number) {
  return {
    init: hashWords(seed, 1),
    train: hashWords(seed, 2),
    validation: hashWords(seed, 3),
    recalibration: hashWords(seed, 4),
    heldOut: hashWords(seed, 5),
  };
}

export interface EpochLog {
  epoch: number;
  steps: number;
  /** Means over the epoch's training batches. */
  loss: number;
  trainAccuracy: number;
  validationAccuracy: number;
  learningRate: number;
  seconds: number;
}

export interface TrainingProgress {
  /** After every step: epoch (1-based), step within the epoch (1-based), running means so far in the epoch. */
  onStep?: (epoch: number, step: number, loss: number, accuracy: number) => void;
  onEpoch?: (entry: EpochLog) => void;
  /** Phases after training: 'recalibrate', 'evaluate'. */
  onPhase?: (phase: string, done: number, total: number) => void;
}

export interface TrainingResult {
  parameters: Map<string, NamedTensor>;
  log: EpochLog[];
  heldOut: Evaluation;
  /** Mean seconds per training step (data generation included). */
  secondsPerStep: number;
  trainingSeconds: number;
}

export async function trainScenesResnet(recipe: ScenesRecipe, progress: TrainingProgress = {}): Promise<TrainingResult> {
  const seeds = recipeSeeds(recipe.seed);
  const graph = scenesResnetGraph(recipe.model);
  const trainer = new Trainer(graph, initialParameters(graph, seeds.init), recipe.trainer);
  const classes = SHAPE_CLASSES.length;
  const B = recipe.batchSize;
  const totalSteps = recipe.epochs * recipe.stepsPerEpoch;
  const schedule = { peak: recipe.peakLearningRate, steps: totalSteps, warmup: recipe.warmupSteps };
  const predict = (inputs: Float32Array, n: number) => trainer.predict(inputs, n);
  const log: EpochLog[] = [];
  const started = performance.now();
  let trainingMs = 0;
  try {
    let step = 0;
    let batch = sceneBatch(seeds.train, 0, B);
    for (let epoch = 1; epoch <= recipe.epochs; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0,
        correct = 0;
      let lr = 0;
      for (let s = 1; s <= recipe.stepsPerEpoch; s++) {
        lr = warmupCosine(schedule, step);
        const pending = trainer.step(batch.inputs, batch.oneHot, batch.labels, B, lr);
        step++;
        // The next batch is drawn while the GPU works on this one.
        batch = sceneBatch(seeds.train, step * B, B);
        const outcome = await pending.read();
        if (!Number.isFinite(outcome.loss)) throw new Error(`training diverged at step ${step} (loss ${outcome.loss})`);
        lossSum += outcome.loss;
        correct += outcome.correct;
        progress.onStep?.(epoch, s, lossSum / s, correct / (s * B));
      }
      trainingMs += performance.now() - epochStart;
      const validation = await evaluateScenes(predict, seeds.validation, recipe.validationScenes, classes);
      const entry: EpochLog = {
        epoch,
        steps: step,
        loss: lossSum / recipe.stepsPerEpoch,
        trainAccuracy: correct / (recipe.stepsPerEpoch * B),
        validationAccuracy: validation.accuracy,
        learningRate: lr,
        seconds: (performance.now() - epochStart) / 1000,
      };
      log.push(entry);
      progress.onEpoch?.(entry);
    }

    const calibration = function* () {
      for (let k = 0; k < recipe.recalibrationBatches; k++) {
        progress.onPhase?.('recalibrate', k, recipe.recalibrationBatches);
        yield { inputs: sceneBatch(seeds.recalibration, k * B, B).inputs, batch: B };
      }
    };
    await trainer.recalibrateBatchNorm(calibration());
    const heldOut = await evaluateScenes(predict, seeds.heldOut, recipe.heldOutScenes, classes, 50, (done) =>
      progress.onPhase?.('evaluate', done, recipe.heldOutScenes),
    );
    return {
      parameters: await trainer.exportParameters(),
      log,
      heldOut,
      secondsPerStep: trainingMs / 1000 / totalSteps,
      trainingSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}
