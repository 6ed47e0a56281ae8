// TF.js layers models on disk (the Node edge): model.json and the shard files next to it. The format
// itself is tfjs-layers.ts, which a page uses with the files dropped on it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { parseTfjsLayers, type TfjsLayersContents } from './tfjs-layers.js';

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

/** Reads model.json and its shards into the same layer/weight list the .h5 reader returns. */
export function readTfjsLayers(modelJsonPath: string): TfjsLayersContents {
  let text: string;
  try {
    text = readFileSync(modelJsonPath, 'utf8');
  } catch (e) {
    throw new WeightFileError(modelJsonPath, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseTfjsLayers(modelJsonPath, text, (path, where) => readShard(modelJsonPath, path, where));
}
