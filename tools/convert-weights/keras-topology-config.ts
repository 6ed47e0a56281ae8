// Reading a Keras model config (the `model_config` of a full-model .h5, a TF.js `modelTopology`) into
// plain layer records: name, class, config and the names of the layers whose outputs it reads.
// Keras 2 functional ('Model' / 'Functional'), Keras 3 functional (inbound nodes as call arguments
// holding `keras_history`) and Sequential configs (layers chained in order) are understood.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface KerasLayerRecord {
  readonly name: string;
  readonly className: string;
  readonly config: JsonObject;
  /** Layers whose outputs this layer reads, in argument order; empty for an InputLayer. */
  readonly inputs: string[];
  /** How many times the layer is called in the model (shared layers are called more than once). */
  readonly calls: number;
  /** Each input's [node index, tensor index]; anything but [0, 0] means a shared or multi-output layer. */
  readonly inputIndices: [number, number][];
  /** The first call's raw inbound record (a TFOpLambda's operands and keyword arguments live there). */
  readonly call?: Json;
}

export interface KerasModelRecord {
  readonly name: string;
  readonly layers: KerasLayerRecord[];
  readonly inputLayers: string[];
  readonly outputLayers: string[];
  /** Sequential models without an InputLayer get one, named as Keras names it. */
  readonly inputShapeFromFirstLayer?: Json;
}

export class KerasConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KerasConfigError';
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keras 2 writes a first call argument that is not a Keras tensor as `['_CONSTANT_VALUE', -1, value, kwargs]`. */
export const CONSTANT_VALUE = '_CONSTANT_VALUE';

/**
 * `[name, node, tensor, …]` (Keras 2) or `{ keras_history: [name, node, tensor] }` (Keras 3), wherever nested.
 * With `kwargs`, tensors among a Keras 2 record's keyword arguments (its 4th entry) count too: a
 * TFOpLambda's `y` in `x + y` is written there as `[name, node, tensor]`.
 */
function collectHistory(value: Json, out: { name: string; node: number; tensor: number }[], kwargs = false): void {
  if (Array.isArray(value)) {
    if (value.length >= 3 && typeof value[0] === 'string' && typeof value[1] === 'number') {
      const constant = value[0] === CONSTANT_VALUE;
      if (constant || typeof value[2] === 'number') {
        if (!constant) out.push({ name: value[0], node: value[1], tensor: value[2] as number });
        const rest = value[3];
        if (kwargs && isObject(rest)) for (const v of Object.values(rest)) collectHistory(v, out);
        return;
      }
    }
    for (const v of value) collectHistory(v, out, kwargs);
    return;
  }
  if (!isObject(value)) return;
  const history = isObject(value.config) ? value.config.keras_history : undefined;
  if (Array.isArray(history) && typeof history[0] === 'string') {
    out.push({ name: history[0], node: Number(history[1] ?? 0), tensor: Number(history[2] ?? 0) });
    return;
  }
  // Keras 3 call records: { args: [...], kwargs: {...} }; only the positional arguments carry tensors here.
  if ('args' in value) collectHistory(value.args, out);
}

function layerName(layer: JsonObject): string | undefined {
  const config = isObject(layer.config) ? layer.config : {};
  if (typeof config.name === 'string') return config.name;
  return typeof layer.name === 'string' ? layer.name : undefined;
}

/** `[["input_1", 0, 0]]`, `["input_1", 0, 0]` (Keras 3, one input) or `[]` → layer names. */
function endpointNames(value: Json | undefined): string[] {
  if (!Array.isArray(value)) return [];
  if (value.length >= 1 && typeof value[0] === 'string') return [value[0]];
  return value.flatMap((v) => (Array.isArray(v) && typeof v[0] === 'string' ? [v[0]] : []));
}

/** The model config object itself: a TF.js modelTopology wraps it as { model_config }. */
export function unwrapModelConfig(topology: unknown): JsonObject {
  const inner = isObject(topology) && isObject(topology.model_config) ? topology.model_config : topology;
  if (!isObject(inner) || typeof inner.class_name !== 'string') {
    throw new KerasConfigError('the model config has no class_name: not a Keras model topology');
  }
  return inner;
}

export function readKerasModelConfig(topology: unknown): KerasModelRecord {
  const model = unwrapModelConfig(topology);
  const className = model.class_name as string;
  const config = model.config;
  if (className === 'Sequential') {
    const list = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : undefined;
    if (!list) throw new KerasConfigError('Sequential model config without a layer list');
    return sequential(isObject(config) && typeof config.name === 'string' ? config.name : 'sequential', list);
  }
  if (!isObject(config) || !Array.isArray(config.layers)) {
    throw new KerasConfigError(`model class '${className}' has no layer list in its config`);
  }
  const layers: KerasLayerRecord[] = [];
  for (const raw of config.layers) {
    if (!isObject(raw) || typeof raw.class_name !== 'string') continue;
    const name = layerName(raw);
    if (name === undefined) throw new KerasConfigError(`a ${raw.class_name} layer has no name`);
    const inbound = Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [];
    const refs: { name: string; node: number; tensor: number }[] = [];
    if (inbound.length > 0) collectHistory(inbound[0], refs, raw.class_name === 'TFOpLambda');
    // Keras 3 saves a keras.ops call on symbolic tensors (`x + 3.`) as an operation whose class names ('Add',
    // 'Multiply') are also layers'; its module keeps it apart, so it is refused as the op it is.
    const op = typeof raw.module === 'string' && raw.module.startsWith('keras.src.ops');
    layers.push({
      name,
      className: op ? `${raw.class_name} (${raw.module})` : raw.class_name,
      config: isObject(raw.config) ? raw.config : {},
      inputs: refs.map((r) => r.name),
      calls: inbound.length,
      inputIndices: refs.map((r) => [r.node, r.tensor]),
      call: inbound[0],
    });
  }
  return {
    name: typeof config.name === 'string' ? config.name : 'model',
    layers,
    inputLayers: endpointNames(config.input_layers),
    outputLayers: endpointNames(config.output_layers),
  };
}

function sequential(name: string, list: Json[]): KerasModelRecord {
  const layers: KerasLayerRecord[] = [];
  let previous: string | undefined;
  let inputShapeFromFirstLayer: Json | undefined;
  for (const raw of list) {
    if (!isObject(raw) || typeof raw.class_name !== 'string') continue;
    const lname = layerName(raw);
    if (lname === undefined) throw new KerasConfigError(`a ${raw.class_name} layer has no name`);
    const config = isObject(raw.config) ? raw.config : {};
    if (previous === undefined && raw.class_name !== 'InputLayer') {
      // Keras adds an InputLayer named '<first layer>_input' to a Sequential model built from input_shape.
      inputShapeFromFirstLayer = config.batch_input_shape ?? config.batch_shape ?? null;
      previous = `${lname}_input`;
      layers.push({ name: previous, className: 'InputLayer', config: { batch_input_shape: inputShapeFromFirstLayer }, inputs: [], calls: 0, inputIndices: [] });
    }
    layers.push({
      name: lname,
      className: raw.class_name,
      config,
      inputs: previous === undefined ? [] : [previous],
      calls: previous === undefined ? 0 : 1,
      inputIndices: previous === undefined ? [] : [[0, 0]],
    });
    previous = lname;
  }
  if (layers.length === 0) throw new KerasConfigError('Sequential model without layers');
  return { name, layers, inputLayers: [layers[0].name], outputLayers: [layers[layers.length - 1].name], inputShapeFromFirstLayer };
}
