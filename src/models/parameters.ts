// Binding weights to a graph: a weight set maps parameter names (`<node>/<kind>`, Keras' weight
// names without ':0') to tensors. Shapes are checked against the graph before anything runs, and
// without a GPU when only the shapes are known (an importer reading a file header).
import { fmt, sameShape, type Shape, type Tensor } from '../tensor/index.js';
import type { Graph } from './graph.js';
import { inferShapes, parameterSpecs, type InputSize } from './shapes.js';

export type WeightSet = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export function weightMap(weights: WeightSet): Map<string, Tensor> {
  return weights instanceof Map ? new Map(weights) : new Map(Object.entries(weights as Record<string, Tensor>));
}

export class WeightError extends Error {
  constructor(
    readonly problems: string[],
    what: string,
  ) {
    const shown = problems.slice(0, 12);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`weights do not fit ${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}${more}`);
    this.name = 'WeightError';
  }
}

/**
 * Checks parameter shapes against the graph: every expected parameter present with its shape,
 * nothing extra. Throws a WeightError listing each problem with the parameter name and both shapes.
 * `size` is the input size the weights were made for (it matters only for a dense layer after a flatten).
 */
export function validateWeightShapes(graph: Graph, given: ReadonlyMap<string, Shape>, what = 'the model', size?: InputSize): void {
  const expected = parameterSpecs(graph, inferShapes(graph, size));
  const problems: string[] = [];
  const known = new Set<string>();
  for (const p of expected) {
    known.add(p.name);
    const shape = given.get(p.name);
    if (shape === undefined) problems.push(`${p.name}: missing (expected shape ${fmt(p.shape)})`);
    else if (!sameShape(shape, p.shape)) problems.push(`${p.name}: expected shape ${fmt(p.shape)}, given ${fmt(shape)}`);
  }
  for (const [name, shape] of given) {
    if (!known.has(name)) problems.push(`${name}: unexpected parameter (shape ${fmt(shape)}); the graph has no such parameter`);
  }
  if (problems.length > 0) throw new WeightError(problems, what);
}

/** Validates a weight set of tensors against the graph and returns it as a map. */
export function bindWeights(graph: Graph, weights: WeightSet, what?: string, size?: InputSize): Map<string, Tensor> {
  const map = weightMap(weights);
  validateWeightShapes(graph, new Map([...map].map(([k, t]) => [k, t.shape])), what, size);
  return map;
}
