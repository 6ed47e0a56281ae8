// Native weights files on disk (the Node edge); the format itself, on bytes, is weights-format.ts.
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { WeightFileError, type NamedTensor } from './safetensors.js';
import { readWeightBytes, writeSafetensors } from './safetensors-file.js';
import { encodeWeightsMetadata, parseWeightsFile, type WeightsFile, type WeightsMetadata } from './weights-format.js';

export * from './weights-format.js';

/** Writes params (in map order) and metadata atomically. */
export function writeWeightsFile(path: string, params: ReadonlyMap<string, NamedTensor>, metadata: WeightsMetadata): void {
  writeSafetensors(path, params, encodeWeightsMetadata(path, metadata));
}

export function readWeightsFile(path: string): WeightsFile {
  return parseWeightsFile(readWeightBytes(path), path);
}

/** Hex SHA-256 of a file, read in 8 MiB chunks (weight files can be larger than we want in memory twice). */
export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const chunk = new Uint8Array(8 << 20);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new WeightFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
