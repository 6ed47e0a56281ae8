// Node roles and the automatic Grad-CAM target. Roles come from the native definitions or, for
// imported graphs, from the structure: nodes strictly between a fork and the Add that joins it are
// 'residual-branch' (longer side) or 'skip' (shorter side); nodes strictly inside a fork-then-concat
// are 'branch'; every other 4-D node is a 'feature-map'.
import type { Shape } from '../tensor/index.js';
import { GraphError, GraphIndex, type Graph, type GraphNode, type Role } from './graph.js';
import { descriptorOf } from './op-table.js';
import { inferShapes } from './shapes.js';
import { ancestorSets, hasNode, nodePositions } from './ancestors.js';

const PRIORITY: Record<Role, number> = { 'feature-map': 0, branch: 1, skip: 2, 'residual-branch': 3 };

/**
 * Structural roles for every 4-D node (other nodes get none). A node in several structures takes
 * the strongest role: residual-branch > skip > branch (an Inception module inside a residual
 * branch is residual-branch). When both sides of an Add are equally long, the side with more
 * conv/dense nodes is the residual branch, then the second input (Keras' Add([shortcut, x])).
 */
export function inferRoles(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): Map<string, Role> {
  const index = new GraphIndex(graph);
  const anc = ancestorSets(graph, index);
  const words = anc[0]?.length ?? 0;
  const roles = new Map<number, Role>();
  const assign = (positions: number[], role: Role) => {
    for (const p of positions) {
      const current = roles.get(p);
      if (!current || PRIORITY[role] > PRIORITY[current]) roles.set(p, role);
    }
  };
  const pos = (name: string) => index.position.get(name) as number;
  // An Add of a constant (Keras' `x + 3.` in a hard-sigmoid, an ONNX bias) joins no branches.
  const inputs = graph.nodes.flatMap((n, i) => (n.op === 'input' ? [i] : []));
  const computed = (name: string) => inputs.some((i) => hasNode(anc[pos(name)], i));

  for (const node of graph.nodes) {
    const join = descriptorOf(node).roles.join;
    if (join === 'residual' && node.inputs.length === 2 && node.inputs.every(computed)) {
      const [a, b] = node.inputs.map((n) => anc[pos(n)]);
      const onlyA = new Uint32Array(words),
        onlyB = new Uint32Array(words);
      for (let w = 0; w < words; w++) {
        onlyA[w] = a[w] & ~b[w];
        onlyB[w] = b[w] & ~a[w];
      }
      const sideA = nodePositions(onlyA),
        sideB = nodePositions(onlyB);
      const weighted = (side: number[]) => side.filter((p) => descriptorOf(graph.nodes[p]).roles.weighted).length;
      const aIsBranch = sideA.length !== sideB.length ? sideA.length > sideB.length : weighted(sideA) > weighted(sideB);
      assign(aIsBranch ? sideA : sideB, 'residual-branch');
      assign(aIsBranch ? sideB : sideA, 'skip');
    } else if (join === 'branches' && node.inputs.length > 1) {
      const union = new Uint32Array(words),
        common = new Uint32Array(words).fill(0xffffffff);
      for (const input of node.inputs) {
        const s = anc[pos(input)];
        for (let w = 0; w < words; w++) {
          union[w] |= s[w];
          common[w] &= s[w];
        }
      }
      for (let w = 0; w < words; w++) union[w] &= ~common[w];
      assign(nodePositions(union), 'branch');
    }
  }

  const out = new Map<string, Role>();
  graph.nodes.forEach((node, i) => {
    if ((shapes.get(node.name)?.length ?? 0) === 4) out.set(node.name, roles.get(i) ?? 'feature-map');
  });
  return out;
}

/** A copy of the graph with structural roles on every 4-D node that has none. */
export function withInferredRoles(graph: Graph, shapes?: Map<string, Shape>): Graph {
  const roles = inferRoles(graph, shapes);
  return { nodes: graph.nodes.map((n) => (n.role === undefined && roles.has(n.name) ? ({ ...n, role: roles.get(n.name) } as GraphNode) : n)) };
}

/** Each 4-D node's role: the one it carries, else the structural one. */
export function rolesOf(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): Map<string, Role> {
  const inferred = graph.nodes.some((n) => n.role === undefined && shapes.get(n.name)?.length === 4) ? inferRoles(graph, shapes) : undefined;
  const out = new Map<string, Role>();
  for (const n of graph.nodes) {
    if (shapes.get(n.name)?.length !== 4) continue;
    const role = n.role ?? inferred?.get(n.name);
    if (role) out.set(n.name, role);
  }
  return out;
}

export interface AutomaticTarget {
  node: string;
  /** One sentence saying why. */
  reason: string;
}

function describe(node: GraphNode): string {
  return node.op === node.name ? node.name : `${node.name} (${node.op})`;
}

/**
 * The last 'feature-map' node whose spatial size is still > 1 and that reaches the output only
 * through pooling/flatten/dense/identity: `post_relu` in ResNet50V2, `mixed10` in InceptionV3,
 * `block5_conv3` in VGG16. Shapes are taken at the model's own input size unless given.
 */
export function automaticTarget(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): AutomaticTarget {
  const index = new GraphIndex(graph);
  const roles = rolesOf(graph, shapes);
  // clean(n): everything downstream of n is pass-through while still 4-D with space (anything goes once pooled/flattened).
  const clean = new Map<string, boolean>();
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    const consumersClean = (index.consumers.get(node.name) ?? []).every((c) => clean.get(c));
    const fourD = shapes.get(node.name)?.length === 4;
    // A node that reads only 1×1 maps (after pooling, a LayerNorm head as in ConvNeXt) has no spatial layout left to mix.
    const oneByOne = (name: string) => {
      const s = shapes.get(name);
      return s?.length !== 4 || s[1] * s[2] === 1;
    };
    const pooled = fourD && oneByOne(node.name) && node.inputs.every(oneByOne);
    clean.set(node.name, consumersClean && (!fourD || pooled || descriptorOf(node).roles.target === 'pass-through'));
  }
  const candidates = graph.nodes.filter((n) => {
    const s = shapes.get(n.name);
    return s?.length === 4 && s[1] * s[2] > 1 && descriptorOf(n).roles.target === 'candidate' && roles.get(n.name) === 'feature-map';
  });
  if (candidates.length === 0) throw new GraphError('no feature-map node with spatial size > 1: the graph has nothing for Grad-CAM to look at');
  const shapeText = (name: string) => (shapes.get(name) as Shape).slice(1).join('×');
  const strict = candidates.filter((n) => (index.consumers.get(n.name) ?? []).every((c) => clean.get(c)));
  if (strict.length > 0) {
    const target = strict[strict.length - 1];
    const path: string[] = [];
    let next = index.consumers.get(target.name)?.[0];
    while (next !== undefined && path.length < 8) {
      path.push(describe(index.node(next)));
      next = index.consumers.get(next)?.[0];
    }
    if (next !== undefined) path.push('…');
    const route = path.length > 0 ? ` only through ${path.join(' → ')}` : ' directly';
    return {
      node: target.name,
      reason: `${target.name} (${shapeText(target.name)}) is the last feature map with spatial size > 1, and it reaches the output${route}.`,
    };
  }
  const target = candidates[candidates.length - 1];
  return {
    node: target.name,
    reason:
      `${target.name} (${shapeText(target.name)}) is the last feature map with spatial size > 1; ` +
      'no feature map reaches the output only through pooling, flatten or dense layers, so later layers still mix it.',
  };
}

/**
 * For a node that is not a feature map (inside a residual branch, a skip or an Inception branch),
 * the first feature-map node downstream of it: the Add or concat that completes the signal.
 */
export function featureMapAfter(graph: Graph, name: string, shapes: Map<string, Shape> = inferShapes(graph)): string | undefined {
  const index = new GraphIndex(graph);
  const roles = rolesOf(graph, shapes);
  const start = index.position.get(name);
  if (start === undefined) return undefined;
  const reachable = new Set([name]);
  for (let i = start + 1; i < graph.nodes.length; i++) {
    const node = graph.nodes[i];
    if (!node.inputs.some((n) => reachable.has(n))) continue;
    if (roles.get(node.name) === 'feature-map') return node.name;
    reachable.add(node.name);
  }
  return undefined;
}

const ROLE_PHRASES: Record<Exclude<Role, 'feature-map'>, string> = {
  'residual-branch': 'inside a residual branch, before the Add that completes it',
  skip: 'on a residual shortcut, before the Add that joins it',
  branch: 'inside one branch of a multi-branch module, before its concat',
};

/**
 * The warning to show when a user hooks a node that is not a full feature map (hooking it is
 * allowed), naming the node to use instead; undefined for feature maps and non-4-D nodes.
 */
export function roleWarning(graph: Graph, name: string, shapes: Map<string, Shape> = inferShapes(graph)): string | undefined {
  const role = rolesOf(graph, shapes).get(name);
  if (role === undefined || role === 'feature-map') return undefined;
  const better = featureMapAfter(graph, name, shapes);
  const advice = better ? `; the full feature map there is '${better}'` : '';
  return `'${name}' is ${ROLE_PHRASES[role]}, so it carries only part of the signal${advice}.`;
}
