// Symbolic shape inference (no GPU): every node's NHWC output shape for a given input size, and
// the parameter shapes that follow from it.
import { fmt, ShapeError, sizeOf, type Shape } from '../tensor/index.js';
import { samePadding, windowOutputSize, type Padding } from '../ops/padding.js';
import { validateGraph, type Graph, type GraphNode, type Pair, type PaddingSpec } from './graph.js';

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

function opLabel(node: GraphNode): string {
  return `${node.op} '${node.name}'`;
}

function checkPair(node: GraphNode, what: string, v: unknown): Pair {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(opLabel(node), `${what} as two positive integers`, JSON.stringify(v));
  }
  return [v[0], v[1]];
}

function resolvePadding(node: GraphNode, spec: PaddingSpec, h: number, w: number, k: Pair, s: Pair, d: Pair = [1, 1]): Padding {
  if (spec === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (spec === 'same') return samePadding(h, w, k[0], k[1], s[0], s[1], d[0], d[1]);
  if (typeof spec !== 'object' || spec === null) throw new ShapeError(opLabel(node), `padding 'valid', 'same' or {top, bottom, left, right}`, JSON.stringify(spec));
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    if (!Number.isInteger(spec[side]) || spec[side] < 0) throw new ShapeError(opLabel(node), `padding.${side} a non-negative integer`, `${spec[side]}`);
  }
  return spec;
}

function expectRank(node: GraphNode, shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) throw new ShapeError(opLabel(node), `input of rank ${rank} (${what})`, `input of shape ${fmt(shape)}`);
}

function windowed(node: GraphNode, x: Shape, k: Pair, s: Pair, spec: PaddingSpec, d: Pair = [1, 1], ceilMode = false): [number, number] {
  const pad = resolvePadding(node, spec, x[1], x[2], k, s, d);
  const label = opLabel(node);
  return [
    windowOutputSize(label, x[1], pad.top, pad.bottom, k[0], s[0], d[0], ceilMode),
    windowOutputSize(label, x[2], pad.left, pad.right, k[1], s[1], d[1], ceilMode),
  ];
}

function outputShape(node: GraphNode, xs: Shape[]): Shape {
  const x = xs[0];
  switch (node.op) {
    case 'input':
      throw new ShapeError(opLabel(node), 'no inputs', `${xs.length}`);
    case 'conv2d': {
      expectRank(node, x, 4, 'NHWC');
      const a = node.attrs;
      if (!Number.isInteger(a.filters) || a.filters <= 0) throw new ShapeError(opLabel(node), 'filters a positive integer', `${a.filters}`);
      const [oh, ow] = windowed(node, x, checkPair(node, 'kernel', a.kernel), checkPair(node, 'strides', a.strides), a.padding, checkPair(node, 'dilations', a.dilations));
      return [x[0], oh, ow, a.filters];
    }
    case 'maxpool':
    case 'avgpool': {
      expectRank(node, x, 4, 'NHWC');
      const a = node.attrs;
      const dilations = a.dilations === undefined ? [1, 1] as Pair : checkPair(node, 'dilations', a.dilations);
      const [oh, ow] = windowed(node, x, checkPair(node, 'kernel', a.kernel), checkPair(node, 'strides', a.strides), a.padding, dilations, a.ceilMode ?? false);
      return [x[0], oh, ow, x[3]];
    }
    case 'pad': {
      expectRank(node, x, 4, 'NHWC');
      const p = resolvePadding(node, node.attrs.padding, x[1], x[2], [1, 1], [1, 1]);
      return [x[0], x[1] + p.top + p.bottom, x[2] + p.left + p.right, x[3]];
    }
    case 'batchnorm':
    case 'relu':
    case 'softmax':
    case 'identity':
      return x;
    case 'add': {
      const [a, b] = xs;
      // The add op also takes a per-channel [C] second input (a constant bias from an imported file).
      const perChannel = b.length === 1 && b[0] === a[a.length - 1];
      if (!perChannel && (a.length !== b.length || !a.every((d, i) => d === b[i]))) throw new ShapeError(opLabel(node), 'inputs of equal shape', `${fmt(a)} and ${fmt(b)}`);
      return a;
    }
    case 'constant': {
      const s = node.attrs.shape;
      if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) {
        throw new ShapeError(opLabel(node), 'shape a non-empty list of positive integers', JSON.stringify(s));
      }
      return s;
    }
    case 'globalavgpool':
    case 'globalmaxpool':
      expectRank(node, x, 4, 'NHWC');
      return [x[0], x[3]];
    case 'dense': {
      expectRank(node, x, 2, '[N, features]; flatten first');
      const u = node.attrs.units;
      if (!Number.isInteger(u) || u <= 0) throw new ShapeError(opLabel(node), 'units a positive integer', `${u}`);
      return [x[0], u];
    }
    case 'concat': {
      const rank = x.length;
      const axis = node.attrs.axis < 0 ? rank + node.attrs.axis : node.attrs.axis;
      if (!Number.isInteger(axis) || axis < 1 || axis >= rank) throw new ShapeError(opLabel(node), `an axis in 1..${rank - 1} or -1..-${rank - 1} (not the batch)`, `${node.attrs.axis}`);
      const out = [...x];
      for (const s of xs.slice(1)) {
        const fits = s.length === rank && s.every((d, i) => i === axis || d === x[i]);
        if (!fits) throw new ShapeError(opLabel(node), `inputs equal except along axis ${axis}`, xs.map(fmt).join(', '));
        out[axis] += s[axis];
      }
      return out;
    }
    case 'flatten':
      return [x[0], sizeOf(x.slice(1))];
    case 'reshape': {
      const target = node.attrs.shape;
      const per = sizeOf(x.slice(1));
      const free = target.filter((d) => d === -1).length;
      const known = sizeOf(target.filter((d) => d !== -1));
      const valid = free <= 1 && target.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) && (free === 1 ? known > 0 && per % known === 0 : known === per);
      if (!valid) throw new ShapeError(opLabel(node), `a shape with ${per} elements per sample (at most one -1)`, fmt(target));
      return [x[0], ...target.map((d) => (d === -1 ? per / known : d))];
    }
  }
}

/** Output shape of every node for the given input size (default: the model's own). Throws ShapeError naming the node. */
export function inferShapes(graph: Graph, size: InputSize = {}): Map<string, Shape> {
  validateGraph(graph);
  const shapes = new Map<string, Shape>();
  for (const node of graph.nodes) {
    const shape = node.op === 'input' ? inputShape(graph, size) : outputShape(node, node.inputs.map((n) => shapes.get(n) as Shape));
    shapes.set(node.name, Object.freeze([...shape]));
  }
  return shapes;
}

/** Keras' weight kinds, and `value`: a constant node's tensor. */
export type ParameterKind = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance' | 'value';

export interface ParameterSpec {
  /** `<node>/<kind>`: Keras' weight name without ':0'. */
  name: string;
  node: string;
  kind: ParameterKind;
  shape: Shape;
}

/** The parameters a node owns, in Keras' weight order. */
function nodeParameters(node: GraphNode, inputShapeOfNode: Shape | undefined): ParameterSpec[] {
  const spec = (kind: ParameterKind, shape: Shape): ParameterSpec => ({ name: `${node.name}/${kind}`, node: node.name, kind, shape });
  const channels = inputShapeOfNode ? inputShapeOfNode[inputShapeOfNode.length - 1] : 0;
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs;
      const out = [spec('kernel', [a.kernel[0], a.kernel[1], channels, a.filters])];
      if (a.useBias) out.push(spec('bias', [a.filters]));
      return out;
    }
    case 'dense': {
      const out = [spec('kernel', [channels, node.attrs.units])];
      if (node.attrs.useBias) out.push(spec('bias', [node.attrs.units]));
      return out;
    }
    case 'batchnorm': {
      const out: ParameterSpec[] = [];
      if (node.attrs.scale) out.push(spec('gamma', [channels]));
      if (node.attrs.center) out.push(spec('beta', [channels]));
      out.push(spec('moving_mean', [channels]), spec('moving_variance', [channels]));
      return out;
    }
    case 'constant':
      return [spec('value', node.attrs.shape)];
    default:
      return [];
  }
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

