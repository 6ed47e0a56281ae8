// A Keras model topology (TF.js modelTopology or a full-model .h5's model_config) imported as a
// gradscope graph: one node per Keras layer, named as the layer. Layers that do not lead to the
// output are left out; a final softmax is dropped so the graph outputs logits (said in the result).
// Everything the importer cannot express is reported at once, grouped by layer class.
import type { Graph, GraphNode } from '../../src/models/graph.js';
import type { NamedTensor } from '../../src/models/safetensors.js';
import { inferShapes, inputShape } from '../../src/models/shapes.js';
import { withInferredRoles } from '../../src/models/roles.js';
import { convertLayer } from './keras-topology-layers.js';
import { KerasConfigError, readKerasModelConfig, type KerasLayerRecord } from './keras-topology-config.js';

export { KerasConfigError } from './keras-topology-config.js';

export interface ImportedTopology {
  /** Nodes in topological order, input first, output last, roles inferred. */
  readonly graph: Graph;
  /** The Keras model's name (config.name). */
  readonly modelName: string;
  /** The layer whose softmax was dropped, when there was one. */
  readonly droppedSoftmax?: string;
  /** Layers that do not lead to the output, left out. */
  readonly unusedLayers: string[];
  /** Values of constant nodes the import made (Rescaling's scale and offset), `<node>/value`. */
  readonly constants: ReadonlyMap<string, NamedTensor>;
  /** Layers whose weights belong to another node than the layer's own (a conv before its activation node). */
  readonly weightNodes: ReadonlyMap<string, string>;
}

function listNames(names: readonly string[], shown = 4): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head}, … ${names.length} layers` : head;
}

/** Layers that lead to `output`, in a topological order that keeps the config's order where it can. */
function orderedAncestors(layers: Map<string, KerasLayerRecord>, configOrder: string[], output: string): string[] {
  const needed = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    const layer = layers.get(name);
    if (!layer) throw new KerasConfigError(`a layer reads '${name}', which the model config does not define`);
    needed.add(name);
    stack.push(...layer.inputs);
  }
  const placed = new Set<string>();
  const order: string[] = [];
  const pending = configOrder.filter((n) => needed.has(n));
  // Kahn's algorithm, scanning in config order (Keras writes configs topologically; this only guards).
  while (pending.length > 0) {
    const i = pending.findIndex((n) => (layers.get(n) as KerasLayerRecord).inputs.every((x) => placed.has(x)));
    if (i < 0) throw new KerasConfigError(`the layers ${listNames(pending)} form a cycle`);
    const [name] = pending.splice(i, 1);
    placed.add(name);
    order.push(name);
  }
  return order;
}

/**
 * Builds the graph. Throws KerasConfigError (one line) for an unreadable config, for several
 * inputs/outputs or shared layers, and for unsupported layers — listing each unsupported class
 * (or attribute) with its layer names.
 */
export function importKerasTopology(topology: unknown, options: { inputSize?: { height: number; width: number } } = {}): ImportedTopology {
  const model = readKerasModelConfig(topology);
  if (model.inputLayers.length !== 1)
    throw new KerasConfigError(`the model has ${model.inputLayers.length} inputs (${model.inputLayers.join(', ') || 'none'}); one image input is supported`);
  if (model.outputLayers.length !== 1)
    throw new KerasConfigError(`the model has ${model.outputLayers.length} outputs (${model.outputLayers.join(', ') || 'none'}); one output is supported`);
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const [input] = model.inputLayers;
  const [output] = model.outputLayers;
  const order = orderedAncestors(
    byName,
    model.layers.map((l) => l.name),
    output,
  );
  if (order[0] !== input) throw new KerasConfigError(`the output '${output}' does not depend on the input '${input}' alone`);

  const problems = new Map<string, string[]>();
  const note = (what: string, layer: string) => {
    if (!problems.has(what)) problems.set(what, []);
    problems.get(what)?.push(layer);
  };
  const nodes: GraphNode[] = [];
  let droppedSoftmax: string | undefined;
  const constants = new Map<string, NamedTensor>();
  const weightNodes = new Map<string, string>();
  for (const name of order) {
    const layer = byName.get(name) as KerasLayerRecord;
    if (layer.calls > 1) {
      note(`${layer.className} called ${layer.calls} times (shared layers)`, name);
      continue;
    }
    if (layer.inputIndices.some(([node, tensor]) => node !== 0 || tensor !== 0)) {
      note(`${layer.className} reading a second call or output of a layer`, name);
      continue;
    }
    const inputShapeOf = (): readonly number[] => {
      const first = layer.inputs[0];
      if (nodes.length === 1 && nodes[0].name === first) return inputShape({ nodes });
      return inferShapes({ nodes }).get(first) ?? [];
    };
    const result = convertLayer(layer, { isOutput: name === output, inputShape: model.inputShapeFromFirstLayer, inputSize: options.inputSize, inputShapeOf });
    if ('unsupported' in result) {
      note(result.unsupported === '' ? layer.className : `${layer.className} with ${result.unsupported}`, name);
      continue;
    }
    if (result.droppedSoftmax) droppedSoftmax = name;
    if (result.weightsNode) weightNodes.set(name, result.weightsNode);
    nodes.push(...(result.before ?? []), result.node);
    for (const [k, v] of result.constants ?? []) constants.set(k, v);
  }
  if (problems.size > 0) {
    const list = [...problems].map(([what, names]) => `${what} (${listNames(names)})`);
    throw new KerasConfigError(`unsupported Keras layers: ${list.join('; ')}`);
  }
  // Shape inference checks every attribute against the shapes it meets (a Dense on a 4-D tensor, …).
  const shapes = inferShapes({ nodes });
  // Keras writes the channel axis of a Concatenate as 3 or -1; the graph says -1 for channels.
  const graph = {
    nodes: nodes.map((n): GraphNode => {
      const rank = shapes.get(n.name)?.length ?? 0;
      return n.op === 'concat' && n.attrs.axis === rank - 1 ? { ...n, attrs: { axis: -1 } } : n;
    }),
  };
  const kept = new Set(order);
  return {
    graph: withInferredRoles(graph, shapes),
    modelName: model.name,
    droppedSoftmax,
    constants,
    weightNodes,
    unusedLayers: model.layers.map((l) => l.name).filter((n) => !kept.has(n)),
  };
}
