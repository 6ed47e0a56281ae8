// Which nodes can hold negative values. CAM methods assume activations A ≥ 0 (they come after a
// ReLU); at a node without one (a ResNetV2 block output, a conv without activation, a batchnorm)
// a negative activation with a positive weight counts against the class, which is worth a note.
import type { Graph } from '../models/graph.js';
import { descriptorOf } from '../models/op-table.js';
import type { PreprocessingMode } from '../models/preprocess.js';
import { rolesOf } from '../models/roles.js';
import type { Shape } from '../tensor/index.js';

/** For every node: whether its output can be negative, by its descriptor's sign rule (weights unknown). */
export function negativeValuesPossible(graph: Graph, preprocessing: PreprocessingMode): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const node of graph.nodes) {
    // An input not yet seen (never, in topological order) counts as possibly negative.
    const inputs = node.inputs.map((n) => out.get(n) ?? true);
    out.set(node.name, descriptorOf(node).negative(node, { inputs, preprocessing }));
  }
  return out;
}

/**
 * The note for a target that can be negative, naming the nearest feature map downstream that
 * cannot; undefined when the target is non-negative.
 */
export function negativeActivationNote(graph: Graph, name: string, preprocessing: PreprocessingMode, shapes: Map<string, Shape>): string | undefined {
  const negative = negativeValuesPossible(graph, preprocessing);
  if (!negative.get(name)) return undefined;
  const node = graph.nodes.find((n) => n.name === name);
  const roles = rolesOf(graph, shapes);
  const start = graph.nodes.findIndex((n) => n.name === name);
  const reachable = new Set([name]);
  let better: string | undefined;
  for (let i = start + 1; i < graph.nodes.length && better === undefined; i++) {
    const n = graph.nodes[i];
    if (!n.inputs.some((x) => reachable.has(x))) continue;
    reachable.add(n.name);
    if (!negative.get(n.name) && roles.get(n.name) === 'feature-map' && (shapes.get(n.name)?.length ?? 0) === 4) better = n.name;
  }
  const what = node?.op === 'input' ? 'is the preprocessed input' : `(${node?.op}) is not the output of a ReLU`;
  const advice = better ? ` The nearest non-negative feature map downstream is '${better}'.` : '';
  return (
    `'${name}' ${what}, so its activations can be negative: a negative activation with a positive weight ` +
    `counts against the class, and the map's ReLU hides it.${advice}`
  );
}
