// Which nodes an evolution grid shows. 'blocks': the output of every block — each residual Add
// (ResNet50V2's convN_blockM_out), each module concat (InceptionV3's mixed0…mixed10), or in a plain
// chain the last feature map before each downsampling (VGG16's last conv of each block) — and the
// automatic Grad-CAM target (post_relu); for an imported graph, whose blocks nobody named, every
// feature-map node. 'adds': the residual Add outputs. 'all': every feature-map node. Or a list of
// targets. Always in network order.
import { fmt, ShapeError, type Shape } from '../tensor/index.js';
import type { ModelDefinition } from '../models/definition.js';
import { GraphIndex, type Graph, type Role } from '../models/graph.js';
import { descriptorOf } from '../models/op-table.js';
import { NATIVE_MODELS } from '../models/index.js';
import { automaticTarget, rolesOf } from '../models/roles.js';
import { inferShapes } from '../models/shapes.js';
import { resolveTarget } from '../models/targets.js';
import { residualBlocks } from './gradflow-blocks.js';

export type NodeSelection = 'blocks' | 'adds' | 'all' | readonly string[];
export const NODE_SELECTIONS = ['blocks', 'adds', 'all'] as const;

export interface EvolutionNode {
  /** The target as passed to the hooks (a node name or 'node:input'). */
  target: string;
  /** The node whose tensor that is. */
  tensorOf: string;
  shape: Shape;
  role: Role | 'input' | 'none';
}

function spatial(shape: Shape | undefined): boolean {
  return shape?.length === 4 && shape[1] * shape[2] > 1;
}

/** A selection that names nothing this model has (no residual Add for 'adds', an empty list). */
export class NodeSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeSelectionError';
  }
}

function featureMaps(graph: Graph, shapes: Map<string, Shape>): string[] {
  const roles = rolesOf(graph, shapes);
  return graph.nodes.filter((n) => descriptorOf(n).roles.map && roles.get(n.name) === 'feature-map' && spatial(shapes.get(n.name))).map((n) => n.name);
}

/** The last feature map before each downsampling of a plain chain. */
function stageEnds(graph: Graph, shapes: Map<string, Shape>): string[] {
  const index = new GraphIndex(graph);
  const maps = new Set(featureMaps(graph, shapes));
  const out: string[] = [];
  for (const node of graph.nodes) {
    const y = shapes.get(node.name);
    if (y?.length !== 4 || node.inputs.length !== 1) continue;
    // Walk back through pads to the feature map the downsampling reads.
    let source = index.source(node.inputs[0]);
    while (index.node(source).op === 'pad') source = index.source(index.node(source).inputs[0]);
    const x = shapes.get(source);
    if (x?.length === 4 && y[1] * y[2] < x[1] * x[2] && maps.has(source)) out.push(source);
  }
  return out;
}

function blockOutputs(graph: Graph, shapes: Map<string, Shape>): string[] {
  const roles = rolesOf(graph, shapes);
  const adds = residualBlocks(graph, shapes).map((b) => b.add);
  const concats = graph.nodes
    .filter((n) => descriptorOf(n).roles.join === 'branches' && n.inputs.length > 1 && roles.get(n.name) === 'feature-map' && spatial(shapes.get(n.name)))
    .map((n) => n.name);
  const ends = adds.length > 0 ? adds : concats.length > 0 ? concats : stageEnds(graph, shapes);
  return [...ends, automaticTarget(graph, shapes).node];
}

function isNative(definition: ModelDefinition): boolean {
  return Object.hasOwn(NATIVE_MODELS, definition.name);
}

/**
 * The nodes of an evolution grid, in network order, each once. Unknown names throw
 * UnknownNodeError (with the nearest names), a node that is not 4-D throws ShapeError.
 */
export function evolutionNodes(definition: ModelDefinition, selection: NodeSelection): EvolutionNode[] {
  const graph = definition.graph;
  const shapes = inferShapes(graph, definition.inputSize);
  const index = new GraphIndex(graph);
  const roles = rolesOf(graph, shapes);
  let targets: readonly string[];
  if (typeof selection !== 'string') {
    if (selection.length === 0) throw new NodeSelectionError('name at least one node');
    targets = selection;
  } else if (selection === 'adds') {
    targets = residualBlocks(graph, shapes).map((b) => b.add);
    if (targets.length === 0) throw new NodeSelectionError(`${definition.name} has no residual Add; use 'blocks' or 'all'`);
  } else if (selection === 'all' || !isNative(definition)) {
    targets = featureMaps(graph, shapes);
  } else {
    targets = blockOutputs(graph, shapes);
  }
  const seen = new Set<string>();
  const nodes: EvolutionNode[] = [];
  for (const target of targets) {
    const resolved = resolveTarget(index, target);
    if (seen.has(resolved.tensorOf)) continue;
    seen.add(resolved.tensorOf);
    const shape = shapes.get(resolved.tensorOf) as Shape;
    if (shape.length !== 4) throw new ShapeError('evolution', `4-D NHWC feature maps (a map needs spatial positions)`, `'${target}' of shape ${fmt(shape)}`);
    const role = resolved.tensorOf === graph.nodes[0].name ? 'input' : (roles.get(resolved.tensorOf) ?? 'none');
    nodes.push({ target, tensorOf: resolved.tensorOf, shape, role });
  }
  const position = (n: EvolutionNode) => index.position.get(n.tensorOf) as number;
  return nodes.sort((a, b) => position(a) - position(b));
}
