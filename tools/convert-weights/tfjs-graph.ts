// TF.js graph models: model.json with format 'graph-model' (what tensorflowjs_converter writes for a
// SavedModel or frozen graph), whose modelTopology.node is a TensorFlow GraphDef node list in its
// JSON form, plus the shards of weightsManifest, which hold the value of every Const node under the
// node's name. Attributes are decoded from TF's AttrValue JSON (bytes base64, int64 as strings) into
// plain values; nothing is interpreted here — the graph importer (tfjs-graph-import.ts) does that.
import { WeightFileError } from '../../src/models/safetensors.js';
import { isJsonObject, isTfjsGraphModel } from './tfjs-weights.js';
import { readManifestWeights, readModelJson } from './tfjs-weights-file.js';

/** A Const's tensor attribute, without its values (they are in the weights). */
export interface TfjsTensorAttr {
  readonly dtype: string;
  readonly shape: number[];
}

export type TfjsAttr = string | number | boolean | number[] | string[] | boolean[] | TfjsTensorAttr;

/** One data input: a node's output (`name:1` in the file is output 1; plain `name` is output 0). */
export interface TfjsInput {
  readonly node: string;
  readonly output: number;
}

export interface TfjsGraphNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: TfjsInput[];
  /** `^name` entries: ordering only, no data. */
  readonly controlInputs: string[];
  readonly attrs: Readonly<Record<string, TfjsAttr>>;
}

export interface TfjsConst {
  readonly shape: number[];
  readonly dtype: string;
  readonly data: Float32Array;
}

export interface TfjsGraphContents {
  readonly file: string;
  /** Nodes as stored (a GraphDef need not be in topological order). */
  readonly nodes: TfjsGraphNode[];
  /** Every Const node's value, by node name (int32 and bool widened to float32). */
  readonly consts: Map<string, TfjsConst>;
  /** 'TensorFlow.js Converter v1.7.4r1' and the like, when the file says. */
  readonly convertedBy?: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesToText(file: string, where: string, b64: unknown): string {
  if (typeof b64 !== 'string' || !BASE64.test(b64)) throw new WeightFileError(file, `${where}: a bytes value must be a base64 string`);
  return Buffer.from(b64, 'base64').toString('utf8');
}

function int(file: string, where: string, v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new WeightFileError(file, `${where}: ${JSON.stringify(v)} is not an integer`);
  return n;
}

function float(file: string, where: string, v: unknown): number {
  // proto3 JSON writes non-finite floats as the strings 'NaN', 'Infinity', '-Infinity'.
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || (Number.isNaN(n) && v !== 'NaN')) throw new WeightFileError(file, `${where}: ${JSON.stringify(v)} is not a number`);
  return n;
}

function shapeOf(file: string, where: string, v: unknown): number[] {
  if (!isJsonObject(v)) throw new WeightFileError(file, `${where}: a shape must be an object`);
  if (v.unknownRank === true) return [];
  const dims = v.dim ?? [];
  if (!Array.isArray(dims)) throw new WeightFileError(file, `${where}: shape.dim must be an array`);
  return dims.map((d, i) => (isJsonObject(d) ? int(file, `${where} dim ${i}`, d.size ?? 0) : int(file, `${where} dim ${i}`, undefined)));
}

/** One AttrValue → a plain value. An empty list is []. */
function decodeAttr(file: string, where: string, v: unknown): TfjsAttr {
  if (!isJsonObject(v)) throw new WeightFileError(file, `${where}: an attribute must be an object`);
  if ('s' in v) return bytesToText(file, where, v.s);
  if ('i' in v) return int(file, where, v.i);
  if ('f' in v) return float(file, where, v.f);
  if ('b' in v) {
    if (typeof v.b !== 'boolean') throw new WeightFileError(file, `${where}: ${JSON.stringify(v.b)} is not a boolean`);
    return v.b;
  }
  if ('type' in v) {
    if (typeof v.type !== 'string') throw new WeightFileError(file, `${where}: a type must be a string`);
    return v.type;
  }
  if ('shape' in v) return shapeOf(file, where, v.shape);
  if ('tensor' in v) {
    const t = v.tensor;
    if (!isJsonObject(t)) throw new WeightFileError(file, `${where}: a tensor must be an object`);
    return { dtype: typeof t.dtype === 'string' ? t.dtype : 'DT_INVALID', shape: shapeOf(file, `${where} tensor`, t.tensorShape ?? {}) };
  }
  if ('list' in v) {
    const l = v.list;
    if (!isJsonObject(l)) throw new WeightFileError(file, `${where}: a list must be an object`);
    const items = (key: string): unknown[] => {
      const a = l[key];
      if (!Array.isArray(a)) throw new WeightFileError(file, `${where}: list.${key} must be an array`);
      return a;
    };
    if ('i' in l) return items('i').map((x, k) => int(file, `${where}[${k}]`, x));
    if ('f' in l) return items('f').map((x, k) => float(file, `${where}[${k}]`, x));
    if ('s' in l) return items('s').map((x, k) => bytesToText(file, `${where}[${k}]`, x));
    if ('b' in l) return items('b').map((x) => x === true);
    if ('type' in l) return items('type').map(String);
    return [];
  }
  // func, placeholder and other kinds no supported op reads: kept visible as their JSON.
  return JSON.stringify(v);
}

function parseInput(file: string, node: string, text: unknown): TfjsInput | string {
  if (typeof text !== 'string' || text === '') throw new WeightFileError(file, `node '${node}': inputs must be non-empty strings`);
  if (text.startsWith('^')) return text.slice(1);
  const m = /^(.*):(\d+)$/.exec(text);
  return m ? { node: m[1], output: Number(m[2]) } : { node: text, output: 0 };
}

function parseNodes(file: string, topology: Record<string, unknown>): TfjsGraphNode[] {
  if (!Array.isArray(topology.node)) throw new WeightFileError(file, `graph model without a 'modelTopology.node' array`);
  const seen = new Set<string>();
  return topology.node.map((raw: unknown, k) => {
    if (!isJsonObject(raw) || typeof raw.name !== 'string' || raw.name === '' || typeof raw.op !== 'string') {
      throw new WeightFileError(file, `modelTopology.node[${k}] needs a 'name' and an 'op'`);
    }
    const name = raw.name;
    if (seen.has(name)) throw new WeightFileError(file, `two nodes are named '${name}'`);
    seen.add(name);
    const rawInputs = raw.input ?? [];
    if (!Array.isArray(rawInputs)) throw new WeightFileError(file, `node '${name}': 'input' must be an array`);
    const inputs: TfjsInput[] = [];
    const controlInputs: string[] = [];
    for (const text of rawInputs) {
      const p = parseInput(file, name, text);
      if (typeof p === 'string') controlInputs.push(p);
      else inputs.push(p);
    }
    const rawAttrs = raw.attr ?? {};
    if (!isJsonObject(rawAttrs)) throw new WeightFileError(file, `node '${name}': 'attr' must be an object`);
    const attrs: Record<string, TfjsAttr> = {};
    for (const [key, value] of Object.entries(rawAttrs)) attrs[key] = decodeAttr(file, `node '${name}' attribute '${key}'`, value);
    return { name, op: raw.op, inputs, controlInputs, attrs };
  });
}

/** Reads a graph model's model.json and shards. Every reference between nodes and weights is checked. */
export function readTfjsGraph(modelJsonPath: string): TfjsGraphContents {
  const json = readModelJson(modelJsonPath);
  if (!isJsonObject(json.modelTopology)) throw new WeightFileError(modelJsonPath, `no 'modelTopology' object: not a TF.js model`);
  if (!isTfjsGraphModel(json))
    throw new WeightFileError(modelJsonPath, `format ${JSON.stringify(json.format ?? null)} with no node list: not a TF.js graph model`);
  const nodes = parseNodes(modelJsonPath, json.modelTopology);
  const names = new Set(nodes.map((n) => n.name));
  const dangling = nodes.flatMap((n) => [...n.inputs.map((i) => i.node), ...n.controlInputs].filter((i) => !names.has(i)).map((i) => `${n.name} ← ${i}`));
  if (dangling.length > 0)
    throw new WeightFileError(
      modelJsonPath,
      `inputs name nodes the graph does not have: ${dangling.slice(0, 4).join(', ')}${dangling.length > 4 ? `, … ${dangling.length} in all` : ''}`,
    );

  const consts = new Map<string, TfjsConst>();
  for (const { spec, data } of readManifestWeights(modelJsonPath, json.weightsManifest)) {
    consts.set(spec.name, { shape: spec.shape, dtype: spec.dtype, data });
  }
  const missing = nodes.filter((n) => n.op === 'Const' && !consts.has(n.name)).map((n) => n.name);
  if (missing.length > 0)
    throw new WeightFileError(
      modelJsonPath,
      `Const nodes without a value in weightsManifest: ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? `, … ${missing.length} in all` : ''}`,
    );
  const convertedBy = typeof json.convertedBy === 'string' ? json.convertedBy : undefined;
  return { file: modelJsonPath, nodes, consts, convertedBy };
}
