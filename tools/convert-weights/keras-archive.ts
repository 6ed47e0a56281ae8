// A Keras 3 `.keras` archive (model.save("m.keras")): a zip holding config.json (the model, Keras 3
// serialisation), metadata.json (keras_version, …) and model.weights.h5 (keras3-weights.ts reads it).
// Bytes in, parts out, no files: the converter reads the archive from disk, a page from a dropped file.
import { unzipSync } from 'fflate';
import { WeightFileError } from '../../src/models/safetensors.js';

export interface KerasArchiveParts {
  /** config.json, parsed. */
  readonly modelConfig: unknown;
  /** metadata.json's keras_version, when the archive has one. */
  readonly kerasVersion?: string;
  /** The bytes of model.weights.h5. */
  readonly weightsH5: Uint8Array;
}

/** A zip's local file header ('PK\x03\x04') or an empty zip's end record ('PK\x05\x06'). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

const NEEDED = ['config.json', 'metadata.json', 'model.weights.h5'];

function json(file: string, entry: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new WeightFileError(file, `${entry} in the .keras archive is not valid JSON`);
  }
}

/** Unzips the three entries Keras writes; anything missing or unreadable is one WeightFileError naming `file`. */
export function unpackKerasArchive(file: string, bytes: Uint8Array): KerasArchiveParts {
  let entries: Record<string, Uint8Array>;
  try {
    // Only the entries read here are inflated (an archive may also hold assets/).
    entries = unzipSync(bytes, { filter: (f) => NEEDED.includes(f.name) });
  } catch (e) {
    throw new WeightFileError(file, `not a readable zip archive (${e instanceof Error ? e.message : String(e)}): a Keras 3 .keras file is a zip`);
  }
  const config = entries['config.json'];
  if (!config) throw new WeightFileError(file, 'a zip without config.json: not a Keras 3 .keras archive (save the model with model.save("m.keras"))');
  const weightsH5 = entries['model.weights.h5'];
  if (!weightsH5) throw new WeightFileError(file, 'the .keras archive has no model.weights.h5 (a model saved before it was built holds no weights)');
  const metadata = entries['metadata.json'] ? json(file, 'metadata.json', entries['metadata.json']) : undefined;
  const version = typeof metadata === 'object' && metadata !== null ? (metadata as { keras_version?: unknown }).keras_version : undefined;
  return { modelConfig: json(file, 'config.json', config), kerasVersion: typeof version === 'string' ? version : undefined, weightsH5 };
}
