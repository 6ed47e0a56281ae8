// The explain verb's work: load the model once, check the layer and class once, then explain each
// image, writing its files together and reporting as it goes. An image that cannot be read is
// reported and skipped (the run continues, exit 2 at the end); any other failure stops the run.
import { accessSync, constants, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import {
  classCount, explain, renderExplanation, resolveClass,
  type Explanation, type MethodName, type MethodOptions, type RenderOptions,
} from '../methods/index.js';
import { chooseTarget } from '../methods/layer-choice.js';
import { ImageError } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { encodePng } from '../image/write-png.js';
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { releaseGpu, ShapeError } from '../tensor/index.js';
import { UnknownClassError, UnknownNodeError } from '../methods/index.js';
import { CliConsole } from './console.js';
import { EXIT_BAD_INPUT, EXIT_OK, messageOf, UsageError } from './errors.js';
import { resolveModelSource, weightsDir, weightsRecord, type WeightsRecord } from './model-source.js';
import { checkOutputDirectory, removePendingOutputs, writeAllOrNothing, type OutputFile } from './output-files.js';
import { formatExplanation, type WrittenFiles } from './report.js';
import { markGpuReady } from './respawn.js';
import { failureDocument, sidecarDocument } from './sidecar-document.js';

export interface ExplainJob {
  images: string[];
  /** --model; undefined: the bundled default. */
  modelSpec?: string;
  layer: string;
  method: MethodName;
  /** --class as given (an index or a label); undefined: each image's top-1 class. */
  classSpec?: string;
  topK: number;
  outDir: string;
  render: Required<RenderOptions>;
  json: boolean;
  methodOptions: MethodOptions;
  /** Warnings about options the chosen method does not read. */
  ignoredOptions: string[];
}

/** Output stems by image; two images that would write the same files are refused before any work. */
export function outputStems(images: readonly string[]): string[] {
  const seen = new Map<string, string>();
  return images.map((file) => {
    const stem = basename(file, extname(file));
    const first = seen.get(stem);
    if (first !== undefined) {
      const why = resolve(first) === resolve(file) ? `'${file}' is given twice` : `'${first}' and '${file}' would both write ${stem}.*`;
      throw new UsageError(`${why}; explain them in separate runs or with different --out directories`);
    }
    seen.set(stem, file);
    return stem;
  });
}

export function outputPaths(outDir: string, stem: string, method: MethodName, gradient: boolean): WrittenFiles {
  const base = join(outDir, `${stem}.${method}`);
  return { overlay: `${base}.png`, heatmap: `${base}.heatmap.png`, json: `${base}.json`, ...(gradient ? { gradient: `${base}.gradient.png` } : {}) };
}

/** Layer and class problems are found once, before the first image. */
function preflight(model: Model, job: ExplainJob): number | undefined {
  try {
    chooseTarget(model.definition, job.layer, job.method);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof UnknownNodeError) throw new UsageError(`--layer ${job.layer}: ${messageOf(e)}`);
    throw e;
  }
  if (job.classSpec === undefined) return undefined;
  try {
    return resolveClass(job.classSpec, model.definition.labels, classCount(model));
  } catch (e) {
    if (e instanceof UnknownClassError) throw new UsageError(`--class ${job.classSpec}: ${messageOf(e)}`);
    throw e;
  }
}

/** Why an image file cannot even be opened (the messages readImage gives), or undefined. */
function unopenable(file: string): ImageError | undefined {
  try {
    if (statSync(file).isDirectory()) return new ImageError(file, 'is a directory, not an image file');
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return new ImageError(file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot read the file (${code ?? String(e)})`);
  }
}

interface Context {
  job: ExplainJob;
  model: Model;
  weights: WeightsRecord;
  classIndex: number | undefined;
  console: CliConsole;
}

async function explainOne(ctx: Context, file: string, stem: string): Promise<Record<string, unknown>> {
  const { job, model } = ctx;
  const image = await readImage(file);
  const expl: Explanation = await explain(model, image, {
    ...job.methodOptions,
    method: job.method,
    layer: job.layer,
    classIndex: ctx.classIndex,
    topK: job.topK,
  });
  const rendering = renderExplanation(expl, image, job.render);
  const paths = outputPaths(job.outDir, stem, job.method, rendering.gradient !== undefined);
  const record = { file, width: image.width, height: image.height };
  const doc = sidecarDocument(expl, job.render, ctx.weights, record, paths);
  const files: OutputFile[] = [
    { path: paths.overlay, contents: encodePng(rendering.overlay) },
    { path: paths.heatmap, contents: encodePng(rendering.heatmap) },
    ...(rendering.gradient && paths.gradient ? [{ path: paths.gradient, contents: encodePng(rendering.gradient) }] : []),
    { path: paths.json, contents: `${JSON.stringify(doc, null, 2)}\n` },
  ];
  writeAllOrNothing(files);
  if (!job.json) ctx.console.out(formatExplanation(record, expl, paths, ctx.classIndex === undefined ? 'top-1' : 'requested'));
  return doc;
}

/** Runs the verb; resolves to the exit status. Errors that end the run are thrown (see program.ts). */
export async function runExplain(job: ExplainJob): Promise<number> {
  const stems = outputStems(job.images);
  checkOutputDirectory(job.outDir);
  const source = resolveModelSource(job.modelSpec);
  const console = new CliConsole();
  // When no image can even be opened (a typo), say so without starting the GPU and loading the model.
  const missing = job.images.map(unopenable);
  if (missing.every((e) => e !== undefined)) {
    for (const e of missing) console.err(`error: ${messageOf(e)}`);
    return EXIT_BAD_INPUT;
  }
  const interrupted = (signal: NodeJS.Signals) => {
    removePendingOutputs();
    console.stopProgress();
    process.stderr.write(`interrupted (${signal}): nothing was written for the image in progress\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  let model: Model | undefined;
  try {
    model = await loadModel(source.loadSpec, { weightsDir: weightsDir() });
    markGpuReady();
    const ctx: Context = { job, model, weights: weightsRecord(source.path), classIndex: preflight(model, job), console };
    for (const warning of job.ignoredOptions) console.err(`warning: ${warning}`);
    if (!job.json) {
      const { height, width } = model.definition.inputSize;
      const which = source.isDefault ? ' (the default)' : '';
      console.out(`model: '${model.name}'${which} from ${source.path}, input ${height}×${width}, ${model.definition.labels.length} classes`);
    }

    const docs: Record<string, unknown>[] = [];
    let failures = 0;
    console.startProgress(job.images.length, 'explain');
    for (const [i, file] of job.images.entries()) {
      console.progress(i, basename(file));
      try {
        docs.push(await explainOne(ctx, file, stems[i]));
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        failures++;
        console.err(`error: ${messageOf(e)}${job.images.length > 1 ? ' (skipped: nothing written for it)' : ''}`);
        docs.push(failureDocument(file, messageOf(e)));
      }
    }
    console.progress(job.images.length, '');
    console.stopProgress();

    const n = job.images.length;
    if (job.json) {
      if (n > 1) process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
      else if (failures === 0) process.stdout.write(`${JSON.stringify(docs[0], null, 2)}\n`);
    } else if (n > 1) {
      console.out(`${n - failures} of ${n} images explained${failures > 0 ? `; ${failures} could not be read (see above)` : ''}; outputs in ${job.outDir}`);
    }
    return failures > 0 ? EXIT_BAD_INPUT : EXIT_OK;
  } finally {
    console.stopProgress();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    model?.dispose();
    releaseGpu();
  }
}
