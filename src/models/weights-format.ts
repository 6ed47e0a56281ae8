// The native weights file: one safetensors file holding everything needed to run a model. Parameters
// are named `<node>/<kernel|bias|gamma|beta|moving_mean|moving_variance>` in the native layouts
// (HWIO conv kernels, (in, out) dense); `__metadata__` says what the model is and where it came from.
// Bytes only, so a page can use it; reading and writing files is weights-file.ts (the Node edge).
import { parseSafetensors, WeightFileError, type NamedTensor } from './safetensors.js';

export { WeightFileError, type NamedTensor } from './safetensors.js';

export const WEIGHTS_FORMAT = 'gradscope-weights/1';

export interface WeightsMetadata {
  /** A zoo name ('resnet50v2', 'vgg16', 'inceptionv3') or an imported graph as JSON. */
  readonly architecture: string;
  /** File name the weights were converted from. */
  readonly source: string;
  /** Hex SHA-256 of that file ('' when there was none, e.g. weights trained here). */
  readonly sourceSha256: string;
  /** The input convention the weights expect ('caffe', 'tf', 'torch', or JSON describing it). */
  readonly preprocessing: string;
  /** Class names, index = output unit. */
  readonly labels: readonly string[];
  readonly licence: string;
  /** Free keys (training log, notes); they must not reuse the names above. */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface WeightsFile {
  readonly metadata: WeightsMetadata;
  /** Parameters in file order. */
  readonly params: Map<string, NamedTensor>;
}

const STRING_KEYS = ['architecture', 'source', 'sourceSha256', 'preprocessing', 'licence'] as const;
const RESERVED_KEYS = new Set<string>(['format', 'labels', ...STRING_KEYS]);

export function encodeWeightsMetadata(file: string, m: WeightsMetadata): Record<string, string> {
  const out: Record<string, string> = { format: WEIGHTS_FORMAT };
  for (const key of STRING_KEYS) {
    if (typeof m[key] !== 'string') throw new WeightFileError(file, `metadata '${key}' must be a string`);
    out[key] = m[key];
  }
  if (!Array.isArray(m.labels) || !m.labels.every((l) => typeof l === 'string')) {
    throw new WeightFileError(file, `metadata 'labels' must be an array of strings`);
  }
  out.labels = JSON.stringify(m.labels);
  for (const [key, value] of Object.entries(m.extra ?? {})) {
    if (RESERVED_KEYS.has(key)) throw new WeightFileError(file, `extra metadata key '${key}' is reserved`);
    out[key] = value;
  }
  return out;
}

export function decodeWeightsMetadata(file: string, raw: Readonly<Record<string, string>>): WeightsMetadata {
  if (raw.format !== WEIGHTS_FORMAT) {
    const found = raw.format === undefined ? 'no format key' : `format '${raw.format}'`;
    throw new WeightFileError(file, `not a gradscope weights file (${found}; expected '${WEIGHTS_FORMAT}')`);
  }
  for (const key of [...STRING_KEYS, 'labels']) {
    if (raw[key] === undefined) throw new WeightFileError(file, `metadata lacks '${key}'`);
  }
  let labels: unknown;
  try {
    labels = JSON.parse(raw.labels);
  } catch {
    throw new WeightFileError(file, `metadata 'labels' is not JSON`);
  }
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new WeightFileError(file, `metadata 'labels' must be a JSON array of strings`);
  }
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (!RESERVED_KEYS.has(key)) extra[key] = value;
  return {
    architecture: raw.architecture,
    source: raw.source,
    sourceSha256: raw.sourceSha256,
    preprocessing: raw.preprocessing,
    labels,
    licence: raw.licence,
    extra,
  };
}

/** A weights file held in memory; `file` names it in errors. */
export function parseWeightsFile(bytes: Uint8Array, file: string): WeightsFile {
  const { tensors, metadata } = parseSafetensors(bytes, file);
  const params = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) params.set(name, { shape: t.shape, data: t.data });
  return { metadata: decodeWeightsMetadata(file, metadata), params };
}

/** Hex SHA-256 of bytes, through WebCrypto (in Node ≥ 20 and every browser with WebGPU). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
