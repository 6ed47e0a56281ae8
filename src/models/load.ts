// Loading a runnable model from a native weights file: by zoo name (weights/<name>.safetensors in the
// repository) or by path. The definition comes from the file's metadata, shapes are checked before
// anything reaches the GPU, and every problem is one line that names the file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../package-root.js';
import { NATIVE_MODELS } from './index.js';
import { modelFromBytes, modelFromWeights } from './load-bytes.js';
import type { Model } from './model.js';
import { WeightFileError } from './safetensors.js';
import { readWeightsFile } from './weights-file.js';

/** `weights/` at the package root: the repository's in a clone, node_modules/gradscope/weights/ when installed. */
export const WEIGHTS_DIR = packagePath('weights/');

/** Native models whose weights are made here rather than converted from a published file. */
const MADE_HERE: Readonly<Record<string, string>> = { 'scenes-resnet': "train them with 'npm run train-demo'" };

/** Zoo weights were not converted yet: says how to get them. */
export class MissingWeightsError extends Error {
  constructor(
    readonly model: string,
    readonly path: string,
  ) {
    const fetchable = ['resnet50v2', 'vgg16', 'inceptionv3'].includes(model);
    // fetch writes into the repository's weights/, so it is a clone's command; convert works wherever gradscope is.
    const fetch = fetchable ? `in a clone of the repository download and convert them with 'npx tsx tools/convert-weights/index.ts fetch ${model}', or ` : '';
    const how = MADE_HERE[model] ?? `${fetch}convert a file you have with 'npx gradscope convert <file> --arch ${model} --out ${path}'`;
    super(`no weights for '${model}' at ${path}: ${how}`);
    this.name = 'MissingWeightsError';
  }
}

/** The weights file a spec names: a zoo name → weights/<name>.safetensors, anything else is a path. */
export function resolveWeightsPath(spec: string, weightsDir = WEIGHTS_DIR): string {
  if (Object.hasOwn(NATIVE_MODELS, spec)) {
    const path = join(weightsDir, `${spec}.safetensors`);
    if (!existsSync(path)) throw new MissingWeightsError(spec, path);
    return path;
  }
  if (!existsSync(spec)) {
    const looksLikeName = !/[/\\.]/.test(spec);
    const hint = looksLikeName ? ` (not a zoo name either: ${Object.keys(NATIVE_MODELS).join(', ')})` : '';
    throw new WeightFileError(spec, `cannot read (ENOENT)${hint}`);
  }
  return spec;
}

export interface LoadOptions {
  /** Where zoo names are looked up (default: weights/ at the repository root). */
  readonly weightsDir?: string;
  /** For bytes: the name errors give the file (default '<bytes>'). */
  readonly name?: string;
}

/**
 * A model from a zoo name ('vgg16'), a .safetensors path, or the bytes of such a file. Throws
 * MissingWeightsError for a zoo model without weights, WeightFileError (one line, naming the file)
 * for a missing, corrupt or foreign file and for weights that do not match the architecture.
 */
export async function loadModel(spec: string | Uint8Array, options: LoadOptions = {}): Promise<Model> {
  if (typeof spec !== 'string') return modelFromBytes(spec, options.name);
  const path = resolveWeightsPath(spec, options.weightsDir);
  return modelFromWeights(path, readWeightsFile(path), Object.hasOwn(NATIVE_MODELS, spec) ? spec : undefined);
}
