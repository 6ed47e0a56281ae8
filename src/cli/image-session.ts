// What the one-image analysis verbs (evolution, gradflow) share: check the output directory and
// the image before starting the GPU, load the model, resolve --class, read and preprocess the
// image, clean up on Ctrl-C, and always release the model and the GPU.
import { accessSync, constants, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { classCount, resolveClass, UnknownClassError } from '../methods/index.js';
import { ImageError, modelInputPixels, type RgbImage } from '../image/index.js';
import { readImage } from '../image/read-image.js';
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { NoFontError } from '../report/canvas.js';
import { releaseGpu, type Tensor } from '../tensor/index.js';
import { CliConsole } from './console.js';
import { messageOf, UsageError } from './errors.js';
import { resolveModelSource, weightsDir, weightsRecord, type ModelSource, type WeightsRecord } from './model-source.js';
import { checkOutputDirectory, removePendingOutputs } from './output-files.js';
import { markGpuReady } from './respawn.js';

export interface SessionRequest {
  image: string;
  /** --model; undefined: the bundled default. */
  modelSpec?: string;
  /** --class as given; undefined: the image's top-1 class. */
  classSpec?: string;
  outDir: string;
}

export interface Session {
  model: Model;
  source: ModelSource;
  weights: WeightsRecord;
  /** The picture at its original size. */
  image: RgbImage;
  imageRecord: { file: string; width: number; height: number };
  /** Preprocessed, at the model's input size; released when the session ends. */
  input: Tensor;
  /** The requested class, resolved; undefined: top-1. */
  classIndex?: number;
  /** The image file name without its extension, for output names. */
  stem: string;
  console: CliConsole;
}

export function checkReadable(file: string): void {
  try {
    if (statSync(file).isDirectory()) throw new ImageError(file, 'is a directory, not an image file');
    accessSync(file, constants.R_OK);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageError(
      file,
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot read the file (${code ?? String(e)})`,
    );
  }
}

function requestedClass(model: Model, spec: string | undefined): number | undefined {
  if (spec === undefined) return undefined;
  try {
    return resolveClass(spec, model.definition.labels, classCount(model));
  } catch (e) {
    if (e instanceof UnknownClassError) throw new UsageError(`--class ${spec}: ${messageOf(e)}`);
    throw e;
  }
}

/** Runs `work` with the model loaded and the image ready; resolves to its result. */
export async function withImageSession<T>(request: SessionRequest, work: (s: Session) => Promise<T>): Promise<T> {
  checkOutputDirectory(request.outDir);
  const source = resolveModelSource(request.modelSpec);
  // A typo in the file name is reported without starting the GPU and loading the model.
  checkReadable(request.image);
  const console = new CliConsole();
  const interrupted = (signal: NodeJS.Signals) => {
    removePendingOutputs();
    process.stderr.write(`interrupted (${signal}): nothing was written\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  let model: Model | undefined;
  let input: Tensor | undefined;
  try {
    model = await loadModel(source.loadSpec, { weightsDir: weightsDir() });
    markGpuReady();
    const classIndex = requestedClass(model, request.classSpec);
    const image = await readImage(request.image);
    const { height, width } = model.definition.inputSize;
    input = model.preprocess(modelInputPixels(image, width, height).data);
    const stem = basename(request.image, extname(request.image));
    const imageRecord = { file: request.image, width: image.width, height: image.height };
    try {
      return await work({ model, source, weights: weightsRecord(source.path), image, imageRecord, input, classIndex, stem, console });
    } catch (e) {
      // Like a missing GPU adapter, a machine without fonts is the user's to fix: one line, exit 2.
      if (e instanceof NoFontError) throw new UsageError(e.message);
      throw e;
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    input?.dispose();
    model?.dispose();
    releaseGpu();
  }
}

/** The first report line: which model, from where. */
export function modelLine(s: Session): string {
  const { height, width } = s.model.definition.inputSize;
  const which = s.source.isDefault ? ' (the default)' : '';
  return `model: '${s.model.name}'${which} from ${s.source.path}, input ${height}×${width}, ${s.model.definition.labels.length} classes`;
}
