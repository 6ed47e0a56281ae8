// Which weights file a --model names, and what the sidecars say about it. A bare name is a zoo
// name (weights/<name>.safetensors), anything else a path; no --model means the bundled default.
import { closeSync, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_MODELS } from '../models/index.js';
import { MissingWeightsError, WEIGHTS_DIR } from '../models/load.js';
import { nearestNames } from '../models/targets.js';
import { decodeWeightsMetadata, sha256OfFile, WeightFileError, type WeightsMetadata } from '../models/weights-file.js';
import { UsageError } from './errors.js';

/** The model used when --model is not given (trained here: npm run train-demo). */
export const DEFAULT_MODEL = 'scenes-resnet';
/** Overrides where zoo names are looked up (default: weights/ at the repository root). */
export const WEIGHTS_DIR_ENV = 'GRADSCOPE_WEIGHTS_DIR';

export function weightsDir(): string {
  return process.env[WEIGHTS_DIR_ENV] || WEIGHTS_DIR;
}

export interface ModelSource {
  /** What loadModel is given: a native zoo name (its definition comes by name) or a path. */
  loadSpec: string;
  /** The weights file. */
  path: string;
  /** No --model was given: this is the bundled default. */
  isDefault: boolean;
}

function looksLikePath(spec: string): boolean {
  return /[/\\]/.test(spec) || /\.safetensors$/i.test(spec);
}

function zooNames(dir: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .map((f) => f.replace(/\.safetensors$/, ''));
  } catch {
    // no weights directory yet
  }
  return [...new Set([...Object.keys(NATIVE_MODELS), DEFAULT_MODEL, ...files])];
}

function missingDefault(path: string): UsageError {
  return new UsageError(
    `no --model given and the bundled default '${DEFAULT_MODEL}' has no weights at ${path}: train them with 'npm run train-demo', ` +
      `or name a model with --model <zoo name | file.safetensors>`,
  );
}

/** Resolves --model (undefined: the default). Throws one-line errors saying how to get missing weights. */
export function resolveModelSource(spec: string | undefined, dir = weightsDir()): ModelSource {
  if (spec === undefined) {
    const path = join(dir, `${DEFAULT_MODEL}.safetensors`);
    if (!existsSync(path)) throw missingDefault(path);
    return { loadSpec: Object.hasOwn(NATIVE_MODELS, DEFAULT_MODEL) ? DEFAULT_MODEL : path, path, isDefault: true };
  }
  if (spec.trim() === '') throw new UsageError(`--model is empty: give a zoo name (${zooNames(dir).join(', ')}) or a .safetensors file`);
  if (looksLikePath(spec)) return { loadSpec: spec, path: spec, isDefault: false };
  const path = join(dir, `${spec}.safetensors`);
  if (spec === DEFAULT_MODEL && !existsSync(path)) {
    throw new UsageError(`no weights for '${DEFAULT_MODEL}' at ${path}: train them with 'npm run train-demo'`);
  }
  if (Object.hasOwn(NATIVE_MODELS, spec)) {
    if (!existsSync(path)) throw new MissingWeightsError(spec, path);
    return { loadSpec: spec, path, isDefault: false };
  }
  if (existsSync(path)) return { loadSpec: path, path, isDefault: false };
  if (existsSync(spec)) return { loadSpec: spec, path: spec, isDefault: false };
  const known = zooNames(dir);
  throw new UsageError(
    `unknown model '${spec}': not a zoo name (nearest: ${nearestNames(spec, known, 3).join(', ')}) and no such file; ` +
      `give a zoo name (${known.join(', ')}) or a path to a .safetensors file`,
  );
}

/** Reads only the safetensors header of a weights file the model loader has already checked. */
export function readWeightsMetadata(path: string): WeightsMetadata {
  const fd = openSync(path, 'r');
  try {
    const prefix = new Uint8Array(8);
    readSync(fd, prefix, 0, 8, 0);
    const length = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    const header = new Uint8Array(length);
    readSync(fd, header, 0, length, 8);
    const parsed = JSON.parse(new TextDecoder().decode(header)) as { __metadata__?: Record<string, string> };
    return decodeWeightsMetadata(path, parsed.__metadata__ ?? {});
  } catch (e) {
    if (e instanceof WeightFileError) throw e;
    throw new WeightFileError(path, `cannot read its header (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    closeSync(fd);
  }
}

/** What every sidecar records about the weights. */
export interface WeightsRecord {
  file: string;
  /** SHA-256 of the weights file itself. */
  sha256: string;
  /** The file the weights were converted from, and its SHA-256, from the file's metadata ('' when trained here). */
  source: string;
  sourceSha256: string;
  licence: string;
}

export function weightsRecord(path: string): WeightsRecord {
  const metadata = readWeightsMetadata(path);
  return { file: path, sha256: sha256OfFile(path), source: metadata.source, sourceSha256: metadata.sourceSha256, licence: metadata.licence };
}
