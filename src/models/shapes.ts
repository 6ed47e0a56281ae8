// Symbolic shape inference (no GPU): every node's NHWC output shape for a given input size, and
// the parameter shapes that follow from it.
import { ShapeError, sizeOf, type Shape } from '../tensor/index.js';
import { validateGraph, type Graph, type GraphNode } from './graph.js';
import type { ParameterKind } from './op-descriptor.js';
import { descriptorOf } from './op-table.js';

export interface InputSize {
  batch?: number;
  /** Default: the input node's height and width. */
  height?: number;
  width?: number;
}

/** The input node of a graph. */
export function inputNode(graph: Graph): Extract<GraphNode, { op: 'input' }> {
  const first = graph.nodes[0];
  if (first?.op !== 'input') throw new ShapeError('graph', 'an input node first', first ? `'${first.name}' (${first.op})` : 'no nodes');
  return first;
}

/** [N, H, W, C] of the graph input at the given size. */
export function inputShape(graph: Graph, size: InputSize = {}): Shape {
  const { attrs } = inputNode(graph);
  return [size.batch ?? 1, size.height ?? attrs.height, size.width ?? attrs.width, attrs.channels];
}

/** Output shape of every node for the given input size (default: the model's own). Throws ShapeError naming the node. */
export function inferShapes(graph: Graph, size: InputSize = {}): Map<string, Shape> {
  validateGraph(graph);
  const shapes = new Map<string, Shape>();
  for (const node of graph.nodes) {
    const shape =
      node.op === 'input'
        ? inputShape(graph, size)
        : descriptorOf(node).shape(
            node,
            node.inputs.map((n) => shapes.get(n) as Shape),
          );
    shapes.set(node.name, Object.freeze([...shape]));
  }
  return shapes;
}

export type { ParameterKind } from './op-descriptor.js';

export interface ParameterSpec {
  /** `<node>/<kind>`: Keras' weight name without ':0'. */
  name: string;
  node: string;
  kind: ParameterKind;
  shape: Shape;
}

/** The parameters a node owns, in Keras' weight order (its descriptor's list, named). */
function nodeParameters(node: GraphNode, inputShapeOfNode: Shape | undefined): ParameterSpec[] {
  const list = descriptorOf(node).params?.(node, inputShapeOfNode) ?? [];
  return list.map(({ kind, shape }) => ({ name: `${node.name}/${kind}`, node: node.name, kind, shape }));
}

/**
 * Every parameter of the graph with its shape, in node order. Parameter shapes do not depend on
 * the input size except for a dense layer after a flatten, so pass the size the weights were made for.
 */
export function parameterSpecs(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): ParameterSpec[] {
  return graph.nodes.flatMap((node) => nodeParameters(node, node.inputs.length > 0 ? shapes.get(node.inputs[0]) : undefined));
}

/** Parameter count per node (the Keras count: batchnorm moving statistics included). */
export function parameterCounts(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): Map<string, number> {
  const counts = new Map<string, number>(graph.nodes.map((n) => [n.name, 0]));
  for (const p of parameterSpecs(graph, shapes)) counts.set(p.node, (counts.get(p.node) ?? 0) + sizeOf(p.shape));
  return counts;
}

export function totalParameters(graph: Graph, shapes?: Map<string, Shape>): number {
  let total = 0;
  for (const n of parameterCounts(graph, shapes).values()) total += n;
  return total;
}
