// The explain verb's work: expand directories and globs, load the model once, check the layer and
// class once, then explain each image, writing its files together and reporting as it goes. An image
// that cannot be read is reported and skipped (the run continues, exit 2 at the end); any other
// failure stops the run. --resume skips images already explained with the same request; a run over a
// directory, a glob or several images keeps summary.jsonl / summary.csv in --out, also when interrupted.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  classCount,
  explain,
  renderExplanation,
  resolveClass,
  type Explanation,
  type MethodName,
  type MethodOptions,
  type RenderOptions,
} from '../methods/index.js';
import { chooseTarget } from '../methods/layer-choice.js';
import { ImageError } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { encodePng } from '../image/write-png.js';
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { memoryStats, releaseGpu, ShapeError } from '../tensor/index.js';
import { UnknownClassError, UnknownNodeError } from '../methods/index.js';
import { CliConsole } from './console.js';
import { EXIT_BAD_INPUT, EXIT_OK, messageOf, UsageError } from './errors.js';
import { resolveModelSource, weightsDir, weightsRecord, type WeightsRecord } from './model-source.js';
import { checkOutputDirectory, removePendingOutputs, writeAllOrNothing, type OutputFile } from './output-files.js';
import { formatExplanation, type WrittenFiles } from './report.js';
import { markGpuReady } from './respawn.js';
import { imageInputs, type ImageInput } from './image-inputs.js';
import { previousResult, sha256Of, type ExplainRequest } from './resume.js';
import { RunSummary, SUMMARY_CSV, SUMMARY_JSONL, type SummaryRow } from './run-summary.js';
import { failureDocument, sidecarDocument } from './sidecar-document.js';

export interface ExplainJob {
  /** Image files, directories (walked recursively) and glob patterns, as given. */
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
  /** The method options given that the method reads (recorded in the sidecar's request). */
  readOptions: MethodOptions;
  /** Warnings about options the chosen method does not read. */
  ignoredOptions: string[];
  /** Skip images whose outputs an earlier run made with the same request. */
  resume: boolean;
}

/** Two images that would write the same files are refused before any work. */
export function checkOutputKeys(images: readonly ImageInput[]): void {
  const seen = new Map<string, string>();
  for (const { file, key } of images) {
    const first = seen.get(key);
    if (first !== undefined) {
      const why = resolve(first) === resolve(file) ? `'${file}' is given twice` : `'${first}' and '${file}' would both write ${key}.*`;
      throw new UsageError(`${why}; explain them in separate runs or with different --out directories`);
    }
    seen.set(key, file);
  }
}

export function outputPaths(outDir: string, stem: string, method: MethodName, gradient: boolean): WrittenFiles {
  const base = join(outDir, `${stem}.${method}`);
  return { overlay: `${base}.png`, heatmap: `${base}.heatmap.png`, json: `${base}.json`, ...(gradient ? { gradient: `${base}.gradient.png` } : {}) };
}

/** Layer and class problems are found once, before the first image: the node explained and the class index. */
function preflight(model: Model, job: ExplainJob): { node: string; classIndex: number | undefined } {
  let node: string;
  try {
    node = chooseTarget(model.definition, job.layer, job.method).node;
  } catch (e) {
    if (e instanceof ShapeError || e instanceof UnknownNodeError) throw new UsageError(`--layer ${job.layer}: ${messageOf(e)}`);
    throw e;
  }
  if (job.classSpec === undefined) return { node, classIndex: undefined };
  try {
    return { node, classIndex: resolveClass(job.classSpec, model.definition.labels, classCount(model)) };
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
    return new ImageError(
      file,
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot read the file (${code ?? String(e)})`,
    );
  }
}

interface Context {
  job: ExplainJob;
  model: Model;
  weights: WeightsRecord;
  classIndex: number | undefined;
  /** The request every image shares (its own hash is added per image). */
  request: Omit<ExplainRequest, 'imageSha256'>;
  console: CliConsole;
}

/** The files an image's explanation consists of, all present. */
function filesOf(paths: WrittenFiles): string[] {
  return [paths.overlay, paths.heatmap, ...(paths.gradient ? [paths.gradient] : []), paths.json];
}

function rowOf(file: string, status: SummaryRow['status'], doc: Record<string, unknown>, paths: WrittenFiles): SummaryRow {
  const memory = { peakRssBytes: process.resourceUsage().maxRSS * 1024, gpuLiveBytes: memoryStats().liveBytes };
  const { class: cls, label, probability } = doc as { class?: number; label?: string; probability?: number };
  return { file, status, class: cls, label, probability, files: filesOf(paths), memory };
}

/** --resume: the earlier sidecar of this image when all its files are there and its request is this one. */
function earlierResult(ctx: Context, input: ImageInput, request: ExplainRequest): { doc: Record<string, unknown>; paths: WrittenFiles } | undefined {
  for (const gradient of [false, true]) {
    const paths = outputPaths(ctx.job.outDir, input.key, ctx.job.method, gradient);
    const doc = previousResult(paths.json, request);
    const recorded = (doc?.files ?? {}) as Partial<WrittenFiles>;
    if (doc && (recorded.gradient !== undefined) === gradient && filesOf(paths).every((f) => existsSync(f))) return { doc, paths };
  }
  return undefined;
}

async function explainOne(ctx: Context, input: ImageInput): Promise<{ doc: Record<string, unknown>; row: SummaryRow }> {
  const { job, model } = ctx;
  const { file } = input;
  const request: ExplainRequest = { ...ctx.request, imageSha256: sha256Of(file) };
  if (job.resume) {
    const earlier = earlierResult(ctx, input, request);
    if (earlier) {
      if (!job.json) ctx.console.out(`${file}: skipped, explained before with the same settings (${earlier.paths.json})`);
      return { doc: earlier.doc, row: rowOf(file, 'skipped', earlier.doc, earlier.paths) };
    }
  }
  const image = await readImage(file);
  const expl: Explanation = await explain(model, image, {
    ...job.methodOptions,
    method: job.method,
    layer: job.layer,
    classIndex: ctx.classIndex,
    topK: job.topK,
  });
  const rendering = renderExplanation(expl, image, job.render);
  const paths = outputPaths(job.outDir, input.key, job.method, rendering.gradient !== undefined);
  const record = { file, width: image.width, height: image.height };
  const doc = sidecarDocument(expl, job.render, ctx.weights, record, paths, request);
  const files: OutputFile[] = [
    { path: paths.overlay, contents: encodePng(rendering.overlay) },
    { path: paths.heatmap, contents: encodePng(rendering.heatmap) },
    ...(rendering.gradient && paths.gradient ? [{ path: paths.gradient, contents: encodePng(rendering.gradient) }] : []),
    { path: paths.json, contents: `${JSON.stringify(doc, null, 2)}\n` },
  ];
  writeAllOrNothing(files);
  if (!job.json) ctx.console.out(formatExplanation(record, expl, paths, ctx.classIndex === undefined ? 'top-1' : 'requested'));
  return { doc, row: rowOf(file, 'explained', doc, paths) };
}

/** Runs the verb; resolves to the exit status. Errors that end the run are thrown (see program.ts). */
export async function runExplain(job: ExplainJob): Promise<number> {
  const { images, expanded } = imageInputs(job.images, job.outDir);
  checkOutputKeys(images);
  checkOutputDirectory(job.outDir);
  const source = resolveModelSource(job.modelSpec);
  const console = new CliConsole();
  // When no image can even be opened (a typo), say so without starting the GPU and loading the model.
  const missing = images.map((i) => unopenable(i.file));
  if (missing.every((e) => e !== undefined)) {
    for (const e of missing) console.err(`error: ${messageOf(e)}`);
    return EXIT_BAD_INPUT;
  }
  const n = images.length;
  // Started once the model is loaded and the layer and class are valid: a bad input leaves --out untouched.
  let summary: RunSummary | undefined;
  const summaryWords = () => (summary ? `; summary in ${join(job.outDir, SUMMARY_JSONL)} and ${SUMMARY_CSV}` : '');
  const interrupted = (signal: NodeJS.Signals) => {
    removePendingOutputs();
    console.stopProgress();
    summary?.finish();
    const done = summary ? `; ${summary.count()} of ${n} images done${summaryWords()}` : '';
    process.stderr.write(`interrupted (${signal}): nothing was written for the image in progress${done}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  let model: Model | undefined;
  try {
    model = await loadModel(source.loadSpec, { weightsDir: weightsDir() });
    markGpuReady();
    const weights = weightsRecord(source.path);
    const { node, classIndex } = preflight(model, job);
    const request = {
      model: model.name,
      weightsSha256: weights.sha256,
      method: job.method,
      layer: job.layer,
      node,
      class: classIndex ?? ('top-1' as const),
      topK: job.topK,
      colormap: job.render.colormap,
      alpha: job.render.alpha,
      options: job.readOptions,
    };
    const ctx: Context = { job, model, weights, classIndex, request, console };
    if (expanded || n > 1 || job.resume) summary = new RunSummary(job.outDir);
    for (const warning of job.ignoredOptions) console.err(`warning: ${warning}`);
    if (!job.json) {
      const { height, width } = model.definition.inputSize;
      const which = source.isDefault ? ' (the default)' : '';
      console.out(`model: '${model.name}'${which} from ${source.path}, input ${height}×${width}, ${model.definition.labels.length} classes`);
    }

    const docs: Record<string, unknown>[] = [];
    let failures = 0;
    console.startProgress(n, 'explain');
    for (const [i, input] of images.entries()) {
      console.progress(i, basename(input.file));
      try {
        const { doc, row } = await explainOne(ctx, input);
        summary?.add(row);
        // Only --json prints the documents at the end; otherwise a folder of thousands would pile them up.
        if (job.json) docs.push(doc);
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        failures++;
        console.err(`error: ${messageOf(e)}${n > 1 ? ' (skipped: nothing written for it)' : ''}`);
        summary?.add({ file: input.file, status: 'failed', files: [], error: messageOf(e) });
        if (job.json) docs.push(failureDocument(input.file, messageOf(e)));
      }
    }
    console.progress(n, '');
    console.stopProgress();
    summary?.finish();

    const skipped = summary?.count('skipped') ?? 0;
    if (job.json) {
      if (n > 1) process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
      else if (failures === 0) process.stdout.write(`${JSON.stringify(docs[0], null, 2)}\n`);
    } else if (n > 1 || summary) {
      const parts = [`${n - failures - skipped} of ${n} images explained`];
      if (skipped > 0) parts.push(`${skipped} skipped (--resume: done before with the same settings)`);
      if (failures > 0) parts.push(`${failures} could not be read (see above)`);
      console.out(`${parts.join('; ')}; outputs in ${job.outDir}${summaryWords()}`);
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
