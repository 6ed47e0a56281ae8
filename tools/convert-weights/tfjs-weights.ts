// What TF.js layers and graph models share: model.json itself and its weightsManifest, whose groups lay
// their weights end to end across the group's shards (a weight may span a shard boundary).
// Quantized weights dequantize exactly as tfjs-core's io_utils.decodeWeights does: uint8/uint16 as
// q·scale + min in float64 rounded once to float32, float16 by exact conversion.
import { WeightFileError, decodeFloat16 } from '../../src/models/safetensors.js';

export interface TfjsQuantization {
  readonly dtype: 'uint8' | 'uint16' | 'float16';
  readonly scale?: number;
  readonly min?: number;
}

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: TfjsQuantization;
}

export interface TfjsWeightGroup {
  readonly paths: string[];
  readonly weights: TfjsWeightSpec[];
}

/** One decoded weight, in manifest order. */
export interface TfjsWeight {
  readonly spec: TfjsWeightSpec;
  readonly data: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when model.json content is a graph model rather than a layers model. */
export function isTfjsGraphModel(json: Record<string, unknown>): boolean {
  return json.format === 'graph-model' || (isJsonObject(json.modelTopology) && Array.isArray(json.modelTopology.node));
}

/** model.json's text parsed; invalid JSON or a non-object is a WeightFileError naming the file. */
export function parseModelJson(modelJsonPath: string, text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeightFileError(modelJsonPath, `not valid JSON (${(e as Error).message})`);
  }
  if (!isJsonObject(json)) throw new WeightFileError(modelJsonPath, 'model.json must hold a JSON object');
  return json;
}

export function parseManifest(file: string, value: unknown): TfjsWeightGroup[] {
  if (!Array.isArray(value)) throw new WeightFileError(file, `'weightsManifest' must be an array of groups`);
  return value.map((group, g) => {
    if (!isJsonObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new WeightFileError(file, `weightsManifest[${g}] needs 'paths' and 'weights' arrays`);
    }
    for (const [i, w] of (group.weights as unknown[]).entries()) {
      if (
        !isJsonObject(w) ||
        typeof w.name !== 'string' ||
        typeof w.dtype !== 'string' ||
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
      ) {
        throw new WeightFileError(file, `weightsManifest[${g}].weights[${i}] needs a name, a dtype and a shape of non-negative integers`);
      }
    }
    return { paths: group.paths as string[], weights: group.weights as TfjsWeightSpec[] };
  });
}

function byteLength(file: string, spec: TfjsWeightSpec): number {
  const stored = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const bytes = BYTES[stored];
  if (bytes === undefined || (!spec.quantization && (stored === 'uint8' || stored === 'uint16' || stored === 'float16'))) {
    throw new WeightFileError(file, `weight '${spec.name}' has unsupported ${spec.quantization ? 'quantization ' : ''}dtype '${stored}'`);
  }
  return spec.shape.reduce((a, b) => a * b, 1) * bytes;
}

/** Decodes one weight's bytes to float32, the way tfjs-core decodes it (then widened to float32 for int32/bool). */
export function decodeTfjsWeight(file: string, spec: TfjsWeightSpec, bytes: Uint8Array): Float32Array {
  const own = new Uint8Array(bytes); // own, aligned copy
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype === 'float32') return new Float32Array(own.buffer);
    if (spec.dtype === 'int32') return Float32Array.from(new Int32Array(own.buffer));
    if (spec.dtype === 'bool') return Float32Array.from(own);
    throw new WeightFileError(file, `weight '${spec.name}' has unsupported dtype '${spec.dtype}'`);
  }
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new WeightFileError(file, `weight '${spec.name}': float16 quantization needs dtype float32, given ${spec.dtype}`);
    return decodeFloat16(new Uint16Array(own.buffer));
  }
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
    throw new WeightFileError(file, `weight '${spec.name}' is quantized to ${q.dtype} without numeric 'scale' and 'min'`);
  }
  const quantized = q.dtype === 'uint8' ? own : new Uint16Array(own.buffer);
  const out = new Float32Array(quantized.length);
  const { scale, min } = q;
  if (spec.dtype === 'float32') for (let i = 0; i < quantized.length; i++) out[i] = quantized[i] * scale + min;
  else if (spec.dtype === 'int32') for (let i = 0; i < quantized.length; i++) out[i] = Math.round(quantized[i] * scale + min);
  else throw new WeightFileError(file, `weight '${spec.name}': ${q.dtype} quantization of dtype ${spec.dtype} is not supported`);
  return out;
}

/** A shard's bytes by the path model.json lists it under; `where` says which group and shard, for errors. */
export type ShardReader = (path: string, where: string) => Uint8Array;

/** Every weight of the manifest decoded from its shards (read through `shard`), in manifest order. */
export function decodeManifestWeights(modelJsonPath: string, manifest: unknown, shard: ShardReader): TfjsWeight[] {
  const groups = parseManifest(modelJsonPath, manifest);
  const out: TfjsWeight[] = [];
  for (const [g, group] of groups.entries()) {
    const shards = group.paths.map((p, s) => shard(p, `group ${g + 1}, shard ${s + 1} of ${group.paths.length}`));
    const total = shards.reduce((n, s) => n + s.length, 0);
    const needed = group.weights.reduce((n, w) => n + byteLength(modelJsonPath, w), 0);
    if (total < needed) {
      throw new WeightFileError(
        modelJsonPath,
        `weights of group ${g + 1} need ${needed} bytes but its ${shards.length} shard(s) hold ${total} (truncated shard?)`,
      );
    }
    // One buffer per group: weights spanning a shard boundary then need no special case.
    const data = new Uint8Array(total);
    let at = 0;
    for (const s of shards) {
      data.set(s, at);
      at += s.length;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const n = byteLength(modelJsonPath, spec);
      out.push({ spec, data: decodeTfjsWeight(modelJsonPath, spec, data.subarray(offset, offset + n)) });
      offset += n;
    }
  }
  return out;
}
