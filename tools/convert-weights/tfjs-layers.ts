// TF.js layers models: model.json ({ modelTopology, weightsManifest }) plus binary shards. Each manifest
// group's weights are laid end to end across its shards (a weight may span a shard boundary).
// Quantized weights dequantize exactly as tfjs-core's io_utils.decodeWeights does: uint8/uint16 as
// q·scale + min in float64 rounded once to float32, float16 by exact conversion.
import { WeightFileError, decodeFloat16 } from '../../src/models/safetensors.js';
import { canonicalFromName, inCanonicalOrder, type LayerWeight, type LayerWeights } from './layer-weights.js';
import { kerasLayerConfigs } from './keras-config.js';

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

export interface TfjsLayersContents {
  readonly file: string;
  /** modelTopology as stored ({ keras_version, backend, model_config, … } or the model config itself). */
  readonly topology: unknown;
  /** The Keras model config inside it. */
  readonly modelConfig: unknown;
  /** Layers in model-config order (layers missing from the config follow in manifest order). */
  readonly layers: LayerWeights[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseManifest(file: string, value: unknown): TfjsWeightGroup[] {
  if (!Array.isArray(value)) throw new WeightFileError(file, `'weightsManifest' must be an array of groups`);
  return value.map((group, g) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new WeightFileError(file, `weightsManifest[${g}] needs 'paths' and 'weights' arrays`);
    }
    for (const [i, w] of (group.weights as unknown[]).entries()) {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape) ||
        !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
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

/** Splits 'model/conv2d_1/kernel' into its layer and weight, preferring names the model config knows. */
function ownerOf(name: string, known: ReadonlySet<string>): { layer: string; weight: string } {
  const segments = name.split('/');
  const weight = segments[segments.length - 1];
  const scopes = segments.slice(0, -1);
  for (let i = scopes.length - 1; i >= 0; i--) if (known.has(scopes[i])) return { layer: scopes[i], weight };
  return { layer: scopes.length > 0 ? scopes[scopes.length - 1] : name, weight };
}

/** A shard's bytes by the path model.json lists it under; `where` says which group and shard, for errors. */
export type ShardReader = (path: string, where: string) => Uint8Array;

/**
 * model.json's text and its shards (through `shard`) into the same layer/weight list the .h5 reader
 * returns; `modelJsonPath` names the file in errors. Files on disk: tfjs-layers-file.ts.
 */
export function parseTfjsLayers(modelJsonPath: string, text: string, shard: ShardReader): TfjsLayersContents {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeightFileError(modelJsonPath, `not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new WeightFileError(modelJsonPath, 'model.json must hold a JSON object');
  if (!isObject(json.modelTopology)) {
    const graph = json.format === 'graph-model' ? ` (format 'graph-model': a converted TF graph, not a layers model)` : '';
    throw new WeightFileError(modelJsonPath, `no 'modelTopology' object: not a TF.js layers model${graph}`);
  }
  const topology = json.modelTopology;
  const modelConfig = topology.model_config ?? topology;
  const groups = parseManifest(modelJsonPath, json.weightsManifest);
  const configs = kerasLayerConfigs(modelConfig);
  const known = new Set(configs.keys());

  const byLayer = new Map<string, LayerWeight[]>();
  for (const [g, group] of groups.entries()) {
    const shards = group.paths.map((p, s) => shard(p, `group ${g + 1}, shard ${s + 1} of ${group.paths.length}`));
    const total = shards.reduce((n, s) => n + s.length, 0);
    const needed = group.weights.reduce((n, w) => n + byteLength(modelJsonPath, w), 0);
    if (total < needed) {
      throw new WeightFileError(modelJsonPath, `weights of group ${g + 1} need ${needed} bytes but its ${shards.length} shard(s) hold ${total} (truncated shard?)`);
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
      const values = decodeTfjsWeight(modelJsonPath, spec, data.subarray(offset, offset + n));
      offset += n;
      const { layer, weight } = ownerOf(spec.name, known);
      if (!byLayer.has(layer)) byLayer.set(layer, []);
      byLayer.get(layer)!.push({ name: canonicalFromName(weight) ?? weight, storedName: spec.name, shape: spec.shape, data: values });
    }
  }

  const order = [...configs.keys(), ...[...byLayer.keys()].filter((l) => !known.has(l))];
  const layers: LayerWeights[] = [];
  for (const layer of order) {
    const weights = byLayer.get(layer);
    if (weights) layers.push({ layer, className: configs.get(layer)?.className, weights: inCanonicalOrder(weights) });
  }
  return { file: modelJsonPath, topology, modelConfig, layers };
}
