// Which tensor an explanation looks at: the model's default target for 'auto', a named node
// exactly as named, or the graph input for methods that work on the input. Every choice carries
// its reason, warnings (a node that is only part of the signal) and notes (negative activations).
import { fmt, ShapeError, type Shape } from '../tensor/index.js';
import { GraphIndex } from '../models/graph.js';
import type { ModelDefinition } from '../models/definition.js';
import { automaticTarget, roleWarning, rolesOf } from '../models/roles.js';
import { inferShapes } from '../models/shapes.js';
import { resolveTarget } from '../models/targets.js';
import { negativeActivationNote } from './activation-sign.js';
import { usesLayer } from './registry.js';
import type { Explanation, LayerChoice, MethodName } from './types.js';

export interface TargetChoice {
  /** The target as passed to the model's hooks ('post_relu', 'avg_pool:input'). */
  node: string;
  /** The node whose output tensor that is. */
  tensorOf: string;
  nodeRole: Explanation['nodeRole'];
  nodeShape: Shape;
  layerChoice: LayerChoice;
}

/**
 * Resolves the layer for a method at the given input size. Unknown names throw UnknownNodeError
 * (with the nearest names); a node that is not 4-D throws ShapeError.
 */
export function chooseTarget(
  definition: ModelDefinition,
  layer: string | undefined,
  method: MethodName,
  size: { height: number; width: number } = definition.inputSize,
): TargetChoice {
  const graph = definition.graph;
  const shapes = inferShapes(graph, size);
  const named = layer !== undefined && layer !== 'auto';
  if (!usesLayer(method)) {
    const input = graph.nodes[0].name;
    const warnings = named ? [`layer '${layer}' is ignored: ${method} explains the input pixels directly and hooks no layer.`] : [];
    return {
      node: input,
      tensorOf: input,
      nodeRole: 'input',
      nodeShape: shapes.get(input) as Shape,
      layerChoice: {
        mode: named ? 'named' : 'auto',
        reason: `${method} differentiates the class score with respect to the input image, so its map has the input's resolution.`,
        warnings,
        notes: [],
      },
    };
  }

  const index = new GraphIndex(graph);
  let reason: string;
  let key: string;
  if (named) {
    const resolved = resolveTarget(index, layer);
    key = resolved.key;
    reason =
      resolved.inputIndex === undefined
        ? `'${key}' was named and is used exactly as named.`
        : `'${key}' was named and is used exactly as named: the input of '${resolved.node}', i.e. the output of '${resolved.tensorOf}'.`;
  } else {
    key = definition.defaultTarget;
    const automatic = automaticTarget(graph, shapes);
    reason =
      automatic.node === key
        ? automatic.reason
        : `'${key}' is the default target of the ${definition.name} definition (the automatic rule would pick '${automatic.node}').`;
  }
  const tensorOf = resolveTarget(index, key).tensorOf;
  const shape = shapes.get(tensorOf) as Shape;
  if (shape.length !== 4) {
    throw new ShapeError(method, `a 4-D NHWC feature map as the target (CAM methods need spatial positions)`, `'${key}' of shape ${fmt(shape)}`);
  }
  const warnings: string[] = [];
  const warning = roleWarning(graph, tensorOf, shapes);
  if (warning) warnings.push(warning);
  if (shape[1] * shape[2] === 1) warnings.push(`'${key}' has a single spatial position (${fmt(shape)}), so the map cannot say where anything is.`);
  const notes: string[] = [];
  const note = negativeActivationNote(graph, tensorOf, definition.preprocessing, shapes);
  if (note) notes.push(note);
  const role = tensorOf === graph.nodes[0].name ? 'input' : (rolesOf(graph, shapes).get(tensorOf) ?? 'none');
  return { node: key, tensorOf, nodeRole: role, nodeShape: shape, layerChoice: { mode: named ? 'named' : 'auto', reason, warnings, notes } };
}
