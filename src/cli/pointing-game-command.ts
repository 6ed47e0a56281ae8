// `pointing-game`: how often each method's map maximum lies on the object, on held-out synthetic
// scenes whose object masks are known, beside a centre and a random baseline. The scoring rules are
// pinned in src/metrics/pointing-game.ts; this file picks the scenes, runs the game and reports.
import { Command } from 'commander';
import { SHAPE_CLASSES } from '../data/classes.js';
import { renderScene } from '../data/scenes.js';
import type { MethodName } from '../methods/index.js';
import {
  CENTRE_BASELINE,
  pointingGame,
  pointingRates,
  POINTING_FAST_METHODS,
  POINTING_SLOW_METHODS,
  RANDOM_BASELINE,
  type PointingResult,
  type PointingScene,
} from '../metrics/pointing-game.js';
import { chooseTarget, UnknownNodeError, usesLayer } from '../methods/index.js';
import type { Model } from '../models/model.js';
import { DEFAULT_SCENES_RECIPE, recipeSeeds } from '../train/scenes-recipe.js';
import { ShapeError } from '../tensor/index.js';
import { CliConsole } from './console.js';
import { EXIT_OK, messageOf, UsageError } from './errors.js';
import { readWeightsMetadata, resolveModelSource } from './model-source.js';
import * as parse from './option-parsers.js';
import { modelOption, layerOption } from './shared-options.js';
import { withLoadedModel } from './model-session.js';

export const POINTING_DEFAULT_SCENES = 500;

interface PointingFlags {
  model?: string;
  n: number;
  methods: MethodName[];
  layer: string;
  json?: boolean;
  seed: number;
}

/**
 * The held-out scenes of a scenes model: the stream its training evaluated on (train-demo's
 * held-out seed, derived from the training seed in the weights' metadata) — never drawn from in
 * training, validation or batchnorm recalibration.
 */
export interface HeldOutScenes {
  trainingSeed: number;
  /** hashWords(trainingSeed, 5): the renderScene seed of the held-out stream. */
  streamSeed: number;
  size: number;
}

export function heldOutScenes(weightsPath: string, size: number): HeldOutScenes {
  const stated = Number(readWeightsMetadata(weightsPath).extra?.seed);
  const trainingSeed = Number.isSafeInteger(stated) ? stated : DEFAULT_SCENES_RECIPE.seed;
  return { trainingSeed, streamSeed: recipeSeeds(trainingSeed).heldOut, size };
}

export function heldOutScene(scenes: HeldOutScenes, index: number): PointingScene {
  const s = renderScene(scenes.streamSeed, index, { size: scenes.size });
  return { pixels: s.pixels, mask: { width: s.size, height: s.size, data: s.mask }, classIndex: s.label };
}

/** Only a model of the scenes can be scored on them: same classes in the same order, square input. */
export function checkScenesModel(model: Model): number {
  const { labels, inputSize } = model.definition;
  if (labels.length !== SHAPE_CLASSES.length || labels.some((l, i) => l !== SHAPE_CLASSES[i])) {
    const shown = labels.length > 8 ? `${labels.length} labels (${labels.slice(0, 3).join(', ')}, …)` : `labels ${labels.join(', ')}`;
    throw new UsageError(
      '--model: the pointing game is played on the synthetic scenes and needs a model of their classes ' +
        `(${SHAPE_CLASSES.join(', ')}); '${model.name}' has ${shown}`,
    );
  }
  if (inputSize.height !== inputSize.width)
    throw new UsageError(`--model: the scenes are square and '${model.name}' takes ${inputSize.height}×${inputSize.width} inputs`);
  return inputSize.height;
}

/** A bad --layer is found before the first scene. */
function checkLayer(model: Model, flags: PointingFlags): void {
  try {
    chooseTarget(model.definition, flags.layer, flags.methods.find(usesLayer) ?? flags.methods[0]);
  } catch (e) {
    if (e instanceof UnknownNodeError || e instanceof ShapeError) throw new UsageError(`--layer ${flags.layer}: ${messageOf(e)}`);
    throw e;
  }
}

const percent = (rate: number) => `${(100 * rate).toFixed(1)} %`;

function table(result: PointingResult): string[] {
  const width = Math.max(6, ...result.scores.map((s) => s.name.length));
  const digits = String(result.n).length;
  const lines = [`  ${'method'.padEnd(width)}  ${'hits'.padStart(Math.max(4, digits))}  ${'n'.padStart(digits)}  ${'rate'.padStart(7)}`];
  for (const s of result.scores) {
    const baseline =
      s.name === CENTRE_BASELINE
        ? '  (baseline: the image centre)'
        : s.name === RANDOM_BASELINE
          ? `  (baseline: a random map; expected ≈ ${percent(result.meanObjectFraction)}, the mean object area)`
          : '';
    const flat = s.flat > 0 ? `  (${s.flat} flat map${s.flat > 1 ? 's, counted as misses' : ', counted as a miss'})` : '';
    lines.push(
      `  ${s.name.padEnd(width)}  ${String(s.hits).padStart(Math.max(4, digits))}  ` +
        `${String(s.n).padStart(digits)}  ${percent(s.rate).padStart(7)}${baseline}${flat}`,
    );
  }
  return lines;
}

async function runPointingGame(flags: PointingFlags): Promise<number> {
  const source = resolveModelSource(flags.model);
  const console = new CliConsole();
  return withLoadedModel(source, async (model) => {
    const size = checkScenesModel(model);
    checkLayer(model, flags);
    const scenes = heldOutScenes(source.path, size);
    const slow = flags.methods.filter((m) => POINTING_SLOW_METHODS.includes(m));
    if (!flags.json) {
      const which = source.isDefault ? ' (the default)' : '';
      console.out(`model: '${model.name}'${which} from ${source.path}, input ${size}×${size}, ${model.definition.labels.length} classes`);
      console.out(
        `pointing game on ${flags.n} held-out scenes (scenes 0–${flags.n - 1} of the held-out stream of ` +
          `training seed ${scenes.trainingSeed}, never trained on), ` +
          `explaining each scene's true class`,
      );
      console.out(
        `hit: the map's maximum, after bilinear upsampling (half-pixel centres) to ${size}×${size} as explain draws it, lies on the object mask ` +
          `(first maximum in row-major order; a flat map is a miss)`,
      );
      if (slow.length > 0) console.out(`note: ${slow.join(', ')} run${slow.length > 1 ? '' : 's'} several passes per scene: expect minutes`);
    }
    console.startProgress(flags.n, 'pointing-game');
    let result: PointingResult;
    try {
      result = await pointingGame(model, (i) => heldOutScene(scenes, i), flags.n, {
        methods: flags.methods,
        layer: flags.layer,
        seed: flags.seed,
        onScene: (done) => console.progress(done, `scene ${done}`),
      });
    } finally {
      console.stopProgress();
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(pointingRates(result), null, 2)}\n`);
      return EXIT_OK;
    }
    const perScene = (1000 * result.seconds) / result.n;
    console.out(
      [
        `node: ${result.node}; random baseline seed ${flags.seed}`,
        ...table(result),
        `model accuracy on these scenes: ${percent(result.correct / result.n)}; ${result.seconds.toFixed(1)} ` +
          `s (${perScene.toFixed(0)} ms per scene for ${flags.methods.length} ` +
          `method${flags.methods.length > 1 ? 's' : ''})`,
      ].join('\n'),
    );
    return EXIT_OK;
  });
}

/** The verb; `finished` receives the exit status of the run. */
export function pointingGameCommand(finished: (status: number) => void): Command {
  return new Command('pointing-game')
    .summary("score the methods: how often a map's maximum lies on the object, on held-out scenes")
    .description(
      'Play the pointing game on the synthetic scenes the default model was trained on (held-out ones, never seen in training): for each ' +
        'method, the share of scenes whose map maximum lies on the object, beside a centre baseline (always point at the image centre) ' +
        'and a random baseline (a seeded random map). Writes no files.',
    )
    .addOption(modelOption('a zoo name or a .safetensors file of a scenes model'))
    .option('--n <scenes>', 'held-out scenes to score', parse.positiveInteger, POINTING_DEFAULT_SCENES)
    .option(
      '--methods <list>',
      `comma-separated methods, or 'all' (default: ${POINTING_FAST_METHODS.join(',')}; the slower ${POINTING_SLOW_METHODS.join(', ')} only when named)`,
      parse.methodList,
      [...POINTING_FAST_METHODS],
    )
    .addOption(layerOption())
    .option('--json', `print only {"<method>": rate, …, "${CENTRE_BASELINE}": rate, "${RANDOM_BASELINE}": rate} (rates in 0..1) on stdout`)
    .option('--seed <n>', 'seed of the random baseline', parse.nonNegativeInteger, 0)
    .addHelpText(
      'after',
      [
        '',
        "Each method explains the scene's true class at the model input size; its map is upsampled to that size exactly as the",
        "explain verb draws it (bilinear, half-pixel centres). A hit: the map's first maximum (row-major) lies on the object mask;",
        'an all-zero, all-negative or constant map is a miss. Scenes are rendered here, deterministically, from the held-out',
        "stream of the training seed recorded in the weights' metadata.",
        '',
        'Exit status: 0 done, 2 bad input (unknown method/layer, a model not trained on the scenes, weights problem, no GPU adapter),',
        '1 internal error.',
        '',
        'Examples:',
        '  npx gradscope pointing-game',
        '  npx gradscope pointing-game --n 100 --methods gradcam,scorecam --json',
      ].join('\n'),
    )
    .action(async (flags: PointingFlags) => {
      finished(await runPointingGame(flags));
    });
}
