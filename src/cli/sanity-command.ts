// `sanity <image...>`: model parameter randomisation (Adebayo et al. 2018) and the random-logit test
// (Sixt et al. 2020) for each method on the user's own model and images. The checks and their
// verdict rules are in src/metrics/sanity.ts; this file loads, runs, reports and writes the files.
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { modelInputPixels, type ColormapName } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { chooseTarget, IG_DEFAULT_STEPS, SMOOTHGRAD_DEFAULT_SAMPLES, UnknownNodeError, usesLayer, type MethodName } from '../methods/index.js';
import type { Model } from '../models/model.js';
import { sanityChecks, SANITY_MODES, type SanityImage, type SanityMode, type SanityResult } from '../metrics/sanity.js';
import { sanityCurves, sanityFigure } from '../report/sanity-figure.js';
import { formatCell } from '../report/html.js';
import { ShapeError } from '../tensor/index.js';
import { CliConsole } from './console.js';
import { EXIT_OK, messageOf, UsageError } from './errors.js';
import { resolveModelSource, weightsRecord } from './model-source.js';
import * as parse from './option-parsers.js';
import { modelOption, layerOption, methodsOption, outOption, colormapOption } from './shared-options.js';
import { checkOutputDirectory, writeAllOrNothing } from './output-files.js';
import { checkReadable } from './image-session.js';
import { withLoadedModel } from './model-session.js';

/** The paper's methods: two that should pass (Grad-CAM, gradients) or pass weakly (IG), two that should fail (guided). */
export const SANITY_DEFAULT_METHODS: readonly MethodName[] = ['gradcam', 'saliency', 'integrated-gradients', 'guided-backprop', 'guided-gradcam'];
/** Integrated gradients' path steps here: one run per model state, so fewer than explain's default. */
export const SANITY_DEFAULT_IG_STEPS = 16;

interface SanityFlags {
  model?: string;
  methods: MethodName[];
  mode: SanityMode | 'both';
  layer: string;
  seed: number;
  out: string;
  json?: boolean;
  colormap: ColormapName;
  steps: number;
  samples: number;
}

function modeOption(value: string): SanityMode | 'both' {
  if (value === 'both' || (SANITY_MODES as readonly string[]).includes(value)) return value as SanityMode | 'both';
  throw new InvalidArgumentError(`Valid: ${SANITY_MODES.join(', ')}, both.`);
}

function checkLayer(model: Model, flags: SanityFlags): void {
  try {
    chooseTarget(model.definition, flags.layer, flags.methods.find(usesLayer) ?? flags.methods[0]);
  } catch (e) {
    if (e instanceof UnknownNodeError || e instanceof ShapeError) throw new UsageError(`--layer ${flags.layer}: ${messageOf(e)}`);
    throw e;
  }
}

const num = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));

/** The verdict table: one line per method with the values its rules read. */
export function verdictTable(result: SanityResult): string[] {
  const width = Math.max(6, ...result.methods.map((m) => m.length));
  const lines = [`  ${'method'.padEnd(width)}  ${'rank@half'.padStart(9)}  ${'randomisation'.padEnd(13)}  ${'rank@class'.padStart(10)}  random logit`];
  for (const v of result.verdicts) {
    const r = v.randomisation;
    const flat = (r?.constantMaps ?? 0) + v.randomLogit.constantMaps;
    lines.push(
      `  ${v.method.padEnd(width)}  ${num(r ? r.value : null).padStart(9)}  ${(r ? (r.passes ? 'passes' : 'FAILS') : 'not run').padEnd(13)}  ` +
        `${num(v.randomLogit.value).padStart(10)}  ${v.randomLogit.passes ? 'passes' : 'FAILS'}` +
        (flat > 0 ? `  (${flat} constant map${flat > 1 ? 's' : ''} counted as 0)` : ''),
    );
  }
  return lines;
}

/** Mean rank correlation per cascading step, one column per method. */
function cascadeTable(result: SanityResult): string[] {
  const steps = result.steps.filter((s) => s.mode === 'cascading');
  if (steps.length === 0) return [];
  const width = Math.max(8, ...steps.map((s) => s.block.length));
  const head = `  ${'random down to'.padEnd(width)}  ${result.methods.map((m) => m.slice(0, 12).padStart(12)).join('  ')}`;
  const rows = steps.map((s) => {
    const cells = result.methods.map((m) => {
      const values = (s.scores[m] ?? []).map((x) => x.rank);
      const flat = values.filter(Number.isNaN).length;
      const value = values.reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0) / values.length;
      return `${num(value)}${flat > 0 ? '*' : ' '}`.padStart(12);
    });
    return `  ${s.block.padEnd(width)}  ${cells.join('  ')}`;
  });
  return ['mean Spearman rank correlation with the original map, cascading from the logits (* a constant map counted as 0):', head, ...rows];
}

async function readImages(files: readonly string[], model: Model): Promise<SanityImage[]> {
  const { height, width } = model.definition.inputSize;
  const out: SanityImage[] = [];
  for (const file of files) out.push({ name: file, pixels: modelInputPixels(await readImage(file), width, height).data });
  return out;
}

async function runSanity(files: readonly string[], flags: SanityFlags): Promise<number> {
  checkOutputDirectory(flags.out);
  // A typo in a file name is reported before the GPU starts and the model loads.
  for (const file of files) checkReadable(file);
  const source = resolveModelSource(flags.model);
  const console = new CliConsole();
  return withLoadedModel(source, async (model) => {
    checkLayer(model, flags);
    const images = await readImages(files, model);
    const modes = flags.mode === 'both' ? SANITY_MODES : [flags.mode];
    if (!flags.json) {
      console.out(`model: '${model.name}' from ${source.path}; ${images.length} image${images.length > 1 ? 's' : ''}; methods ${flags.methods.join(', ')}`);
    }
    let result: SanityResult;
    console.startProgress(1, 'sanity');
    try {
      result = await sanityChecks(model, images, {
        methods: flags.methods,
        modes,
        layer: flags.layer,
        seed: flags.seed,
        steps: flags.steps,
        samples: flags.samples,
        onStep: (done, total, what) => {
          console.startProgress(total, 'sanity');
          console.progress(done, what);
        },
      });
    } finally {
      console.stopProgress();
    }
    const base = join(flags.out, `sanity.${model.name}`);
    const paths = { json: `${base}.json`, figure: `${base}.png`, curves: `${base}.curves.png` };
    const subtitle = [`node ${result.node}; seed ${result.seed}; class: each image's top-1 under the original weights`];
    const { figure, ...numbers } = result;
    const doc = {
      ...numbers,
      weights: weightsRecord(source.path),
      figure: { columns: figure.columns, note: 'maps of the first image, drawn in the PNG' },
      files: paths,
      options: { integratedGradientsSteps: flags.steps, smoothgradSamples: flags.samples },
    };
    const files2 = [
      { path: paths.json, contents: `${JSON.stringify(doc, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n` },
      ...(modes.includes('cascading')
        ? [
            { path: paths.figure, contents: sanityFigure(result, flags.colormap, subtitle) },
            { path: paths.curves, contents: sanityCurves(result) },
          ]
        : []),
    ];
    writeAllOrNothing(files2);
    if (flags.json) {
      process.stdout.write(files2[0].contents as string);
      return EXIT_OK;
    }
    console.out(
      [
        `node: ${result.node}; ${result.blocks.length} blocks from the logits down: ${result.blocks.map((b) => b.name).join(', ')}`,
        ...cascadeTable(result),
        'verdicts:',
        ...verdictTable(result),
        `  randomisation: ${result.rules.randomisation}`,
        `  random logit: ${result.rules.randomLogit}`,
        `wrote ${files2.map((f) => f.path).join(', ')} (${formatCell(result.seconds)} s)`,
      ].join('\n'),
    );
    return EXIT_OK;
  });
}

/** The verb; `finished` receives the exit status of the run. */
export function sanityCommand(finished: (status: number) => void): Command {
  return new Command('sanity')
    .summary('can the maps be trusted? weight randomisation and random-class checks per method')
    .description(
      'Model parameter randomisation (Adebayo et al. 2018): re-draw the weights block by block from the logits down (cascading) or one ' +
        "block at a time (independent) and measure how much each method's map changes (Spearman rank correlation of the maps as drawn " +
        'and signed, SSIM, HOG similarity); a map that does not change does not show what the model learned. Also the random-logit test ' +
        "(Sixt et al. 2020). Writes <out>/sanity.<model>.json (every number), .png (the paper's figure) and .curves.png. The loaded " +
        'weights and the weights file are never changed.',
    )
    .argument('<image...>', 'PNG or JPEG files')
    .addOption(modelOption())
    .addOption(methodsOption(SANITY_DEFAULT_METHODS))
    .addOption(new Option('--mode <mode>', `${SANITY_MODES.join(' | ')} | both`).default('cascading').argParser(modeOption))
    .addOption(layerOption())
    .option('--seed <n>', 'seed of the random weights and the random classes', parse.nonNegativeInteger, 0)
    .option('--steps <n>', `integrated gradients: path intervals (explain's default is ${IG_DEFAULT_STEPS})`, parse.positiveInteger, SANITY_DEFAULT_IG_STEPS)
    .option('--samples <n>', 'SmoothGrad: noisy copies', parse.positiveInteger, SMOOTHGRAD_DEFAULT_SAMPLES)
    .addOption(outOption())
    .addOption(colormapOption('viridis'))
    .option('--json', 'print the JSON document on stdout instead of the report')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 done (whatever the verdicts), 2 bad input (unreadable image, unknown method/layer, weights problem), 1 internal error.',
        '',
        'Examples:',
        '  npx tsx src/cli.ts sanity examples/scenes/star.png examples/scenes/ring.png',
        '  npx tsx src/cli.ts sanity photo.jpg --model inceptionv3 --methods gradcam,guided-backprop --mode both',
      ].join('\n'),
    )
    .action(async (files: string[], flags: SanityFlags) => {
      finished(await runSanity(files, flags));
    });
}
