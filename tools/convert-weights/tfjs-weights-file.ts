// TF.js model files on disk (the Node edge): model.json and the shard files next to it. Parsing and
// decoding are tfjs-weights.ts, which a page uses with the files dropped on it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { decodeManifestWeights, parseModelJson, type TfjsWeight } from './tfjs-weights.js';

/** model.json parsed; a missing, unreadable or non-object file is a WeightFileError. */
export function readModelJson(modelJsonPath: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(modelJsonPath, 'utf8');
  } catch (e) {
    throw new WeightFileError(modelJsonPath, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseModelJson(modelJsonPath, text);
}

function readShard(modelFile: string, path: string, where: string): Uint8Array {
  const candidates = [path];
  try {
    const decoded = decodeURIComponent(path);
    if (decoded !== path) candidates.push(decoded);
  } catch {
    // Not URL-encoded.
  }
  const found = candidates.map((p) => join(dirname(modelFile), p)).find((p) => existsSync(p));
  const full = found ?? join(dirname(modelFile), path);
  try {
    return readFileSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new WeightFileError(full, `${code === 'ENOENT' ? 'missing weight shard' : `cannot read weight shard (${code})`} listed in ${modelFile} (${where})`);
  }
}

/** Every weight of the manifest decoded from the shards next to model.json, in manifest order. */
export function readManifestWeights(modelJsonPath: string, manifest: unknown): TfjsWeight[] {
  return decodeManifestWeights(modelJsonPath, manifest, (path, where) => readShard(modelJsonPath, path, where));
}
