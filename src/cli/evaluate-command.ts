// `evaluate <image...> | --scenes N`: faithfulness (deletion, insertion, ROAD, average drop /
// increase in confidence) and, on the synthetic scenes with their masks, localisation (pointing game,
// energy-based pointing game, relevance mass accuracy), each method beside a random-map and a
// centre-map baseline. The metrics are pinned in src/metrics/faithfulness.ts.
import { join } from 'node:path';
import { Command } from 'commander';
import { modelInputPixels } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { chooseTarget, UnknownNodeError, usesLayer, type MethodName } from '../methods/index.js';
import type { Model } from '../models/model.js';
import { EVALUATE_DEFAULT_STEPS, evaluateMethods, type EvaluationImage, type EvaluationResult, type SummaryRow } from '../metrics/faithfulness.js';
import { PERTURBATION_DEFAULT_BATCH } from '../metrics/batched-scores.js';
import { renderChart } from '../report/chart.js';
import { ShapeError } from '../tensor/index.js';
import { CliConsole } from './console.js';
import { EXIT_OK, messageOf, UsageError } from './errors.js';
import { resolveModelSource, weightsRecord } from './model-source.js';
import * as parse from './option-parsers.js';
import { modelOption, layerOption, methodsOption, outOption } from './shared-options.js';
import { checkOutputDirectory, writeAllOrNothing } from './output-files.js';
import { checkScenesModel, heldOutScene, heldOutScenes } from './pointing-game-command.js';
import { checkReadable } from './image-session.js';
import { withLoadedModel } from './model-session.js';

/** Methods scored by default: the fast ones of the paper families (one forward and at most one backward each). */
export const EVALUATE_DEFAULT_METHODS: readonly MethodName[] = ['gradcam', 'gradcam++', 'layercam', 'eigencam', 'saliency', 'guided-backprop'];

interface EvaluateFlags {
  model?: string;
  scenes?: number;
  methods: MethodName[];
  layer: string;
  steps: number;
  batch: number;
  seed: number;
  out: string;
  json?: boolean;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
  '#000000',
  '#aec7e8',
  '#555555',
  '#999999',
];

const f3 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
const f1 = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}`);

/** The text table: one row per method, then the baselines. */
export function evaluationTable(summary: readonly SummaryRow[]): string[] {
  const width = Math.max(6, ...summary.map((r) => r.name.length));
  const located = summary.some((r) => r.pointing !== undefined);
  const locatedHead = located ? ['pointing %↑', 'EBPG↑', 'mass↑'] : [];
  const head = ['deletion↓', 'insertion↑', 'ROAD MoRF↓', 'ROAD LeRF↑', 'avg drop %↓', 'increase %↑', ...locatedHead];
  const lines = [`  ${'method'.padEnd(width)}  ${head.map((h) => h.padStart(11)).join(' ')}`];
  for (const r of summary) {
    const cells = [f3(r.deletionAuc), f3(r.insertionAuc), f3(r.roadMorf), f3(r.roadLerf), f1(r.averageDrop), f1(r.increaseInConfidence)];
    if (located) cells.push(f1(r.pointing), f3(r.energy), f3(r.mass));
    lines.push(`  ${r.name.padEnd(width)}  ${cells.map((c) => c.padStart(11)).join(' ')}`);
  }
  return lines;
}

/** Mean deletion and insertion curves per method and baseline. */
function curvesPng(result: EvaluationResult, title: string): Uint8Array {
  const names = result.summary.map((r) => r.name);
  const meanCurve = (name: string, key: 'deletion' | 'insertion') =>
    result.images[0].scores[name][key].map((_, k) => result.images.reduce((s, im) => s + im.scores[name][key][k], 0) / result.images.length);
  const series = (key: 'deletion' | 'insertion') =>
    names.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length], dashed: i >= names.length - 2, values: meanCurve(name, key) }));
  const xLabels = Array.from({ length: result.steps + 1 }, (_, k) =>
    k % Math.max(1, Math.round(result.steps / 10)) === 0 ? `${Math.round((100 * k) / result.steps)} %` : '',
  );
  return renderChart({
    title,
    subtitle:
      `mean over ${result.images.length} image${result.images.length > 1 ? 's' : ''}; ` + 'x: share of pixels changed, most relevant first; dashed: baselines',
    xLabels,
    panels: [
      { title: 'deletion: pixels set to 0 in the model input (lower area is better)', yLabel: 'probability', yRange: [0, 1], series: series('deletion') },
      {
        title: 'insertion: pixels put back into the blurred input (higher area is better)',
        yLabel: 'probability',
        yRange: [0, 1],
        series: series('insertion'),
      },
    ],
  });
}

function checkLayer(model: Model, flags: EvaluateFlags): void {
  try {
    chooseTarget(model.definition, flags.layer, flags.methods.find(usesLayer) ?? flags.methods[0]);
  } catch (e) {
    if (e instanceof UnknownNodeError || e instanceof ShapeError) throw new UsageError(`--layer ${flags.layer}: ${messageOf(e)}`);
    throw e;
  }
}

async function imagesOf(files: readonly string[], flags: EvaluateFlags, model: Model, weightsPath: string): Promise<EvaluationImage[]> {
  const { height, width } = model.definition.inputSize;
  if (flags.scenes !== undefined) {
    const size = checkScenesModel(model);
    const scenes = heldOutScenes(weightsPath, size);
    return Array.from({ length: flags.scenes }, (_, i) => {
      const s = heldOutScene(scenes, i);
      return { name: `held-out scene ${i}`, pixels: s.pixels, classIndex: s.classIndex, mask: s.mask };
    });
  }
  const out: EvaluationImage[] = [];
  for (const file of files) out.push({ name: file, pixels: modelInputPixels(await readImage(file), width, height).data });
  return out;
}

async function runEvaluate(files: readonly string[], flags: EvaluateFlags): Promise<number> {
  if ((files.length === 0) === (flags.scenes === undefined)) throw new UsageError('evaluate: give image files or --scenes N, not both and not neither');
  checkOutputDirectory(flags.out);
  // A typo in a file name is reported before the GPU starts and the model loads.
  for (const file of files) checkReadable(file);
  const source = resolveModelSource(flags.model);
  const console = new CliConsole();
  return withLoadedModel(source, async (model) => {
    checkLayer(model, flags);
    const images = await imagesOf(files, flags, model, source.path);
    if (!flags.json)
      console.out(`model: '${model.name}' from ${source.path}; ${images.length} image${images.length > 1 ? 's' : ''}; methods ${flags.methods.join(', ')}`);
    console.startProgress(images.length, 'evaluate');
    let result: EvaluationResult;
    try {
      result = await evaluateMethods(model, images, {
        methods: flags.methods,
        layer: flags.layer,
        curveSteps: flags.steps,
        perturbationBatch: flags.batch,
        seed: flags.seed,
        onImage: (done) => console.progress(done, `image ${done}`),
      });
    } finally {
      console.stopProgress();
    }
    const base = join(flags.out, `evaluate.${model.name}`);
    const paths = { json: `${base}.json`, curves: `${base}.curves.png` };
    const doc = { model: model.name, weights: weightsRecord(source.path), ...result, files: paths };
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    writeAllOrNothing([
      { path: paths.json, contents: json },
      { path: paths.curves, contents: curvesPng(result, `Deletion and insertion: ${model.name}`) },
    ]);
    if (flags.json) {
      process.stdout.write(json);
      return EXIT_OK;
    }
    console.out(
      [
        `node: ${result.node}; ${result.steps} deletion/insertion steps; ROAD at ${result.roadPercentages.join(', ')} %; ` +
          `class: ${flags.scenes !== undefined ? 'the true class' : 'top-1'}`,
        ...evaluationTable(result.summary),
        `${result.forwards} batched forwards (up to ${flags.batch} inputs each), ${result.seconds.toFixed(1)} s; wrote ${paths.json}, ${paths.curves}`,
      ].join('\n'),
    );
    return EXIT_OK;
  });
}

/** The verb; `finished` receives the exit status of the run. */
export function evaluateCommand(finished: (status: number) => void): Command {
  return new Command('evaluate')
    .summary('score the methods: deletion/insertion, ROAD, confidence change; localisation on the scenes')
    .description(
      "Faithfulness of each method's map to the model: deletion and insertion curves and their AUC (RISE), ROAD most- and least-relevant-first " +
        'with noisy linear imputation, average drop and increase in confidence (Grad-CAM++); on held-out scenes (--scenes N) also the pointing ' +
        'game, the energy-based pointing game and relevance mass accuracy; a random-map and a centre-map baseline beside every table. Writes ' +
        '<out>/evaluate.<model>.json (every number) and .curves.png.',
    )
    .argument('[image...]', 'PNG or JPEG files (or use --scenes)')
    .addOption(modelOption())
    .option('--scenes <n>', 'score the first n held-out synthetic scenes (with their masks) instead of files; needs a scenes model', parse.positiveInteger)
    .addOption(methodsOption(EVALUATE_DEFAULT_METHODS))
    .addOption(layerOption())
    .option('--steps <n>', 'deletion / insertion steps', parse.positiveInteger, EVALUATE_DEFAULT_STEPS)
    .option('--batch <n>', 'perturbed inputs per forward pass', parse.positiveInteger, PERTURBATION_DEFAULT_BATCH)
    .option('--seed <n>', 'seed of the random baseline and the ROAD noise', parse.nonNegativeInteger, 0)
    .addOption(outOption())
    .option('--json', 'print the JSON document on stdout instead of the table')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 done, 2 bad input (unreadable image, unknown method/layer, --scenes with a model of other classes), 1 internal error.',
        '',
        'Examples:',
        '  npx tsx src/cli.ts evaluate --scenes 100',
        '  npx tsx src/cli.ts evaluate photo.jpg --model inceptionv3 --methods gradcam,saliency --steps 20',
      ].join('\n'),
    )
    .action(async (files: string[], flags: EvaluateFlags) => {
      finished(await runEvaluate(files, flags));
    });
}
