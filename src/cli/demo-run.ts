// The work of `npm run demo`: the bundled scenes-resnet explains the bundled example scenes, offline.
// For each picture it writes what the explain verb writes (overlay, heat map, JSON sidecar) for each
// demo method, says which class was predicted against the true one (the file name), and, where a
// mask is bundled beside the picture (<stem>-mask.png), whether the map's maximum lies on the object
// (the pointing game's rule, src/metrics/pointing-game.ts).
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { DEFAULT_ALPHA, DEFAULT_COLORMAP, explain, renderExplanation, type Explanation, type MethodName } from '../methods/index.js';
import { isOnObject, pointOfMap, type ObjectMask } from '../metrics/pointing-game.js';
import type { RgbImage } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { encodePng } from '../image/write-png.js';
import { loadModel } from '../models/load.js';
import { packagePath } from '../package-root.js';
import type { Model } from '../models/model.js';
import { releaseGpu } from '../tensor/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from './errors.js';
import { outputPaths } from './explain-run.js';
import { DEFAULT_MODEL, readWeightsMetadata, weightsDir, weightsRecord, type WeightsRecord } from './model-source.js';
import { checkOutputDirectory, writeAllOrNothing } from './output-files.js';
import { formatProbability } from './report.js';
import { markGpuReady } from './respawn.js';
import { sidecarDocument } from './sidecar-document.js';

export const DEMO_EXAMPLES = packagePath('examples', 'scenes');
export const DEMO_OUT = packagePath('out', 'demo');
/** Grad-CAM, and Grad-CAM++ beside it: the same single forward and backward, weighted differently. */
export const DEMO_METHODS: readonly MethodName[] = ['gradcam', 'gradcam++'];
const MASK_SUFFIX = '-mask';

export interface DemoOptions {
  examples?: string;
  out?: string;
}

/** Paths as the user typed them would be: relative to where the demo was started. */
const shown = (path: string) => relative(process.cwd(), path) || '.';

function examplePictures(dir: string): string[] {
  const pictures = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f) && !basename(f, extname(f)).endsWith(MASK_SUFFIX)) : [];
  if (pictures.length === 0) {
    throw new UsageError(`demo: no example scenes in ${shown(dir)}: write them with 'npx tsx scripts/train-demo.ts --examples ${shown(dir)}'`);
  }
  return pictures.sort().map((f) => join(dir, f));
}

/** The true class from the file name: the label it is named after ('star.png', 'star-2.png'), if any. */
export function trueClassOf(file: string, labels: readonly string[]): number | undefined {
  const stem = basename(file, extname(file)).toLowerCase();
  const exact = labels.findIndex((l) => l.toLowerCase() === stem);
  if (exact >= 0) return exact;
  const prefix = labels.findIndex((l) => stem.startsWith(`${l.toLowerCase()}-`) || stem.startsWith(`${l.toLowerCase()}_`));
  return prefix >= 0 ? prefix : undefined;
}

/** The bundled mask beside a picture (white = object), at the picture's size, or undefined. */
async function maskBeside(file: string, image: RgbImage): Promise<ObjectMask | undefined> {
  const path = join(file, '..', `${basename(file, extname(file))}${MASK_SUFFIX}.png`);
  if (!existsSync(path)) return undefined;
  const m = await readImage(path);
  if (m.width !== image.width || m.height !== image.height) return undefined;
  const data = new Uint8Array(m.width * m.height);
  for (let i = 0; i < data.length; i++) data[i] = m.data[3 * i] >= 128 ? 1 : 0;
  return { width: m.width, height: m.height, data };
}

interface Explained {
  expl: Explanation;
  files: string[];
  /** Undefined without a mask. */
  onObject?: boolean;
}

/** What `explain <file> --method <m> --out <dir>` writes, through the same library calls and writers. */
function writeOutputs(expl: Explanation, image: RgbImage, file: string, outDir: string, weights: WeightsRecord): string[] {
  const render = { colormap: DEFAULT_COLORMAP, alpha: DEFAULT_ALPHA } as const;
  const rendering = renderExplanation(expl, image, render);
  const paths = outputPaths(outDir, basename(file, extname(file)), expl.method, rendering.gradient !== undefined);
  const doc = sidecarDocument(expl, render, weights, { file, width: image.width, height: image.height }, paths);
  const outputs = [
    { path: paths.overlay, contents: encodePng(rendering.overlay) },
    { path: paths.heatmap, contents: encodePng(rendering.heatmap) },
    ...(rendering.gradient && paths.gradient ? [{ path: paths.gradient, contents: encodePng(rendering.gradient) }] : []),
    { path: paths.json, contents: `${JSON.stringify(doc, null, 2)}\n` },
  ];
  writeAllOrNothing(outputs);
  return outputs.map((o) => o.path);
}

async function explainPicture(model: Model, file: string, outDir: string, weights: WeightsRecord): Promise<Explained[]> {
  const image = await readImage(file);
  const mask = await maskBeside(file, image);
  const results: Explained[] = [];
  for (const method of DEMO_METHODS) {
    const expl = await explain(model, image, { method, topK: 3 });
    const files = writeOutputs(expl, image, file, outDir, weights);
    const onObject = mask && expl.status === 'ok' && isOnObject(pointOfMap(expl.lowres, image.width, image.height), mask);
    results.push({ expl, files, onObject });
  }
  return results;
}

/** One method's files as 'out/demo/star.gradcam{.png,.heatmap.png,.json}'. */
function filesWords(files: readonly string[]): string {
  const paths = files.map(shown);
  let common = paths[0];
  for (const p of paths) while (!p.startsWith(common)) common = common.slice(0, -1);
  // Cut at a dot, so the braces hold whole suffixes.
  common = common.slice(0, common.lastIndexOf('.'));
  return paths.length > 1 && common !== '' ? `${common}{${paths.map((p) => p.slice(common.length)).join(',')}}` : paths.join(', ');
}

function heldOutLine(path: string): string {
  const extra = readWeightsMetadata(path).extra ?? {};
  const accuracy = Number(extra.heldOutAccuracy);
  return Number.isFinite(accuracy) ? `, held-out accuracy ${(100 * accuracy).toFixed(1)} % on ${extra.heldOutScenes ?? '?'} scenes` : '';
}

/** Runs the demo; resolves to the exit status (one line on stderr when there is nothing to run on). */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const examples = options.examples ?? DEMO_EXAMPLES;
  const outDir = options.out ?? DEMO_OUT;
  const weightsPath = join(weightsDir(), `${DEFAULT_MODEL}.safetensors`);
  if (!existsSync(weightsPath)) {
    process.stderr.write(`demo: the bundled model has no weights at ${shown(weightsPath)}: train them first with 'npm run train-demo'\n`);
    return EXIT_BAD_INPUT;
  }
  let pictures: string[];
  try {
    pictures = examplePictures(examples);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  checkOutputDirectory(outDir);
  let model: Model | undefined;
  try {
    model = await loadModel(DEFAULT_MODEL, { weightsDir: weightsDir() });
    markGpuReady();
    const labels = model.definition.labels;
    const weights = weightsRecord(weightsPath);
    console.log(
      `gradscope demo, offline: '${model.name}' (${shown(weightsPath)}, trained here${heldOutLine(weightsPath)}) explains ${pictures.length} example scenes ` +
        `from ${shown(examples)} with ${DEMO_METHODS.join(' and ')}, for the predicted class`,
    );
    let correct = 0,
      known = 0;
    const hits = new Map<MethodName, { on: number; of: number }>(DEMO_METHODS.map((m) => [m, { on: 0, of: 0 }]));
    const width = Math.max(...labels.map((l) => l.length));
    const nameWidth = Math.max(...pictures.map((f) => shown(f).length + 1));
    for (const file of pictures) {
      const results = await explainPicture(model, file, outDir, weights);
      const { expl } = results[0];
      const truth = trueClassOf(file, labels);
      if (truth !== undefined) {
        known++;
        if (truth === expl.class) correct++;
      }
      const verdict = truth === undefined ? '' : truth === expl.class ? '  correct' : '  WRONG';
      const trueWords = truth === undefined ? '?'.padEnd(width) : labels[truth].padEnd(width);
      const pointing = results
        .filter((r) => r.onObject !== undefined)
        .map((r) => {
          const tally = hits.get(r.expl.method) as { on: number; of: number };
          tally.of++;
          if (r.onObject) tally.on++;
          return `${r.expl.method} ${r.onObject ? 'on' : 'OFF'}`;
        });
      const pointingWords = pointing.length > 0 ? `; map maximum on the object: ${pointing.join(', ')}` : '';
      console.log(
        `${`${shown(file)}:`.padEnd(nameWidth)} true ${trueWords}  predicted ${expl.label.padEnd(width)} (p ` +
          `${formatProbability(expl.probability)})${verdict}${pointingWords}`,
      );
      console.log(`  wrote ${results.map((r) => filesWords(r.files)).join(', ')}`);
    }
    if (known > 0) console.log(`${correct} of ${known} predicted correctly`);
    const checked = [...hits].filter(([, t]) => t.of > 0);
    if (checked.length > 0) {
      console.log(
        `pointing check (map maximum, upsampled as drawn, on the bundled object mask): ${checked.map(([m, t]) => `${m} ${t.on} of ${t.of}`).join(', ')}`,
      );
    }
    console.log(
      `pictures and JSON in ${shown(outDir)}; 'npx gradscope explain <image>' explains your own, 'npx ` +
        `gradscope pointing-game' scores the methods on held-out scenes`,
    );
    return EXIT_OK;
  } finally {
    model?.dispose();
    releaseGpu();
  }
}
