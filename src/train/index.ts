// Training with gradscope's own autodiff: optimizers as in-place WGSL updates, a Trainer for graphs
// with batchnorm, and the recipe behind npm run train-demo.
export { AdamW, SgdMomentum, type Optimizer, type ParameterGroup, type AdamWOptions, type SgdMomentumOptions } from './optimizer.js';
export { warmupCosine, type WarmupCosine } from './schedule.js';
export { initialParameters } from './initialise.js';
export { Trainer, argmaxRows, type TrainerOptions, type StepOutcome, type PendingStep } from './trainer.js';
export { evaluateScenes, type Evaluation } from './evaluate.js';
export {
  trainScenesResnet,
  DEFAULT_SCENES_RECIPE,
  recipeSeeds,
  type ScenesRecipe,
  type EpochLog,
  type TrainingProgress,
  type TrainingResult,
} from './scenes-recipe.js';
