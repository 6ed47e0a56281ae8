// A float64 interpreter of a gradscope graph for the tests, node by node through the plain references of this
// folder (NHWC like the graph). It covers the ops of the CNNs whose gradients are checked against it and throws,
// naming the op, on any other: a reference that silently skipped a node would prove nothing.
import type { Graph, GraphNode, PaddingSpec } from '../../src/models/graph.js';
import { activationRef } from './activations.js';
import { binaryRef, broadcastShapeRef } from './broadcast.js';
import { conv2dRef, convOutputSize } from './conv.js';
import { denseRef } from './matmul.js';
import { globalAvgPoolRef, maxPoolRef, type Shape4 } from './pool.js';
import { reduceRef } from './reduce.js';
import { concatRef, flattenNchwRef, type Nd } from './shape.js';
import { gatherRef, sliceIndices, transposeRef } from './strided.js';

/** Parameters by `<node>/<kind>`, as the graph names them. */
export type Params64 = ReadonlyMap<string, { readonly data: ArrayLike<number>; readonly shape: readonly number[] }>;

function explicit(p: PaddingSpec, what: string): { top: number; bottom: number; left: number; right: number } {
  if (p === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (p === 'same') throw new Error(`reference graph: ${what} with 'same' padding is not covered`);
  return p;
}

const ARITHMETIC: Record<'add' | 'sub' | 'mul' | 'div', (p: number, q: number) => number> = {
  add: (p, q) => p + q,
  sub: (p, q) => p - q,
  mul: (p, q) => p * q,
  div: (p, q) => p / q,
};

const relu = (x: Nd): Nd => ({ data: x.data.map((v) => Math.max(v, 0)), shape: x.shape });

function evaluate(node: GraphNode, xs: Nd[], param: (kind: string) => { data: ArrayLike<number>; shape: readonly number[] }): Nd {
  const [x] = xs;
  switch (node.op) {
    case 'conv2d': {
      const a = node.attrs;
      const w = param('kernel');
      const geometry = { strides: a.strides, dilations: a.dilations, pad: explicit(a.padding, `conv2d '${node.name}'`) };
      const [oh, ow] = convOutputSize(x.shape, w.shape, geometry);
      const y = {
        data: conv2dRef(x.data, x.shape, w.data, w.shape, geometry, a.useBias ? param('bias').data : undefined, a.groups ?? 1),
        shape: [x.shape[0], oh, ow, a.filters],
      };
      return a.activation === 'relu' ? relu(y) : y;
    }
    case 'dense': {
      const a = node.attrs;
      const w = param('kernel');
      const y = { data: denseRef(x.data, x.shape, w.data, w.shape, a.useBias ? param('bias').data : undefined), shape: [x.shape[0], a.units] };
      return a.activation === 'relu' ? relu(y) : y;
    }
    case 'relu':
      return relu(x);
    case 'hardsigmoid':
      return { data: x.data.map((v) => activationRef.hardSigmoid(v, node.attrs.alpha, node.attrs.beta)), shape: x.shape };
    case 'add':
    case 'sub':
    case 'mul':
    case 'div': {
      const f = ARITHMETIC[node.op];
      return { data: binaryRef(f, x.data, x.shape, xs[1].data, xs[1].shape), shape: broadcastShapeRef(x.shape, xs[1].shape) };
    }
    case 'sqrt':
      return { data: x.data.map(Math.sqrt), shape: x.shape };
    case 'maxpool': {
      const a = node.attrs;
      const o = {
        kernel: a.kernel,
        strides: a.strides,
        pad: explicit(a.padding, `maxpool '${node.name}'`),
        ceilMode: a.ceilMode ?? false,
        dilations: a.dilations,
      };
      const { y, shape } = maxPoolRef(x.data, x.shape as Shape4, o);
      return { data: y, shape };
    }
    case 'globalavgpool':
      return { data: globalAvgPoolRef(x.data, x.shape as Shape4), shape: [x.shape[0], x.shape[3]] };
    case 'reducemean': {
      const axes = node.attrs.axes.map((d) => (d < 0 ? d + x.shape.length : d));
      const shape = node.attrs.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return { data: reduceRef(x.data, x.shape, axes, 'mean'), shape };
    }
    case 'concat': {
      const axis = node.attrs.axis < 0 ? node.attrs.axis + x.shape.length : node.attrs.axis;
      return concatRef(xs, axis);
    }
    case 'flatten':
      return node.attrs.order === 'nchw' ? flattenNchwRef(x) : { data: x.data, shape: [x.shape[0], x.data.length / x.shape[0]] };
    case 'reshape': {
      const perSample = x.data.length / x.shape[0];
      const known = node.attrs.shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
      return { data: x.data, shape: [x.shape[0], ...node.attrs.shape.map((d) => (d === -1 ? perSample / known : d))] };
    }
    case 'transpose':
      return { data: transposeRef(x.data, x.shape, node.attrs.perm), shape: node.attrs.perm.map((p) => x.shape[p]) };
    case 'slice': {
      const a = node.attrs;
      const picks = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
      a.axes.forEach((axis, k) => {
        const ax = axis < 0 ? axis + x.shape.length : axis;
        picks[ax] = sliceIndices(x.shape[ax], a.starts[k], a.ends[k], a.steps[k]);
      });
      return { data: gatherRef(x.data, x.shape, picks), shape: picks.map((p) => p.length) };
    }
    case 'identity':
      return x;
    case 'constant': {
      const v = param('value');
      return { data: Float64Array.from(v.data), shape: [...v.shape] };
    }
    default:
      throw new Error(`reference graph: op '${node.op}' (node '${node.name}') is not covered`);
  }
}

/** The graph's output for `input` (NHWC, float64 throughout). */
export function runGraphRef(graph: Graph, params: Params64, input: Nd): Float64Array {
  const values = new Map<string, Nd>();
  for (const node of graph.nodes) {
    if (node.op === 'input') {
      values.set(node.name, input);
      continue;
    }
    const xs = node.inputs.map((i) => values.get(i) as Nd);
    const param = (kind: string) => {
      const p = params.get(`${node.name}/${kind}`);
      if (!p) throw new Error(`reference graph: no parameter '${node.name}/${kind}'`);
      return p;
    };
    values.set(node.name, evaluate(node, xs, param));
  }
  return (values.get(graph.nodes[graph.nodes.length - 1].name) as Nd).data;
}
