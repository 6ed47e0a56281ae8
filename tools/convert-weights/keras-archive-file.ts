// A Keras 3 .keras archive read from disk: unzipped in memory (keras-archive.ts); h5wasm opens files by
// path, so model.weights.h5 goes to a private temporary directory for the read and is removed after.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import { unpackKerasArchive } from './keras-archive.js';
import { readKeras3Weights } from './keras3-weights.js';
import type { LayerWeights } from './layer-weights.js';

export interface KerasArchiveContents {
  readonly file: string;
  readonly kerasVersion?: string;
  /** config.json: the Keras 3 model config. */
  readonly modelConfig: unknown;
  /** Layers that hold weights, in model-config order. */
  readonly layers: LayerWeights[];
}

export async function readKerasArchive(path: string): Promise<KerasArchiveContents> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new WeightFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const parts = unpackKerasArchive(path, bytes);
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-archive-'));
  try {
    const h5 = join(dir, 'model.weights.h5');
    writeFileSync(h5, parts.weightsH5);
    const layers = await readKeras3Weights(path, h5, parts.modelConfig);
    return { file: path, kerasVersion: parts.kerasVersion, modelConfig: parts.modelConfig, layers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
