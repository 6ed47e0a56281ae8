// Elementwise binary ops with NumPy broadcasting (sub, mul, div, pow, max, min) and PReLU with its
// learned slope, over the engine's binary table.
import { fmt, ShapeError, type Shape } from '../../tensor/index.js';
import { mul } from '../../ops/arithmetic.js';
import { binary, prelu } from '../../ops/binary.js';
import type { BinaryFunction, GraphNode } from '../graph.js';
import { anyInputNegative, CANDIDATE, unguided, type NodeOf, type OpDescriptor, type SignContext } from '../op-descriptor.js';
import { opLabel } from './shape-rules.js';

/** NumPy broadcasting of two shapes (aligned on the last axis); throws naming the node when they do not broadcast. */
export function broadcastShapes(node: GraphNode, a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1,
      db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ShapeError(opLabel(node), 'inputs that broadcast (NumPy rules)', `${fmt(a)} and ${fmt(b)}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

const SIGN: Record<BinaryFunction, (ctx: SignContext) => boolean> = {
  sub: () => true,
  mul: (ctx) => ctx.inputs.some((v) => v),
  div: (ctx) => ctx.inputs.some((v) => v),
  pow: (ctx) => ctx.inputs[0],
  max: (ctx) => ctx.inputs.every((v) => v),
  min: (ctx) => ctx.inputs.some((v) => v),
};

function binaryOp(fn: BinaryFunction): OpDescriptor<NodeOf<BinaryFunction>> {
  return {
    arity: [2, 2],
    shape: (node, [a, b]) => broadcastShapes(node, a, b),
    // mul keeps the engine's faster same-shape and per-channel kernels.
    evaluate: (_, [a, b]) => (fn === 'mul' ? mul(a, b) : binary(fn, a, b)),
    negative: (_, ctx) => SIGN[fn](ctx),
    roles: CANDIDATE,
    guided: unguided,
  };
}

export const subOp = binaryOp('sub');
export const mulOp = binaryOp('mul');
export const divOp = binaryOp('div');
export const powOp = binaryOp('pow');
export const maxOp = binaryOp('max');
export const minOp = binaryOp('min');

export const preluOp: OpDescriptor<NodeOf<'prelu'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    const out = broadcastShapes(node, x, node.attrs.slope);
    if (out.length !== x.length || out.some((d, i) => d !== x[i]))
      throw new ShapeError(opLabel(node), `a slope that broadcasts to ${fmt(x)}`, fmt(node.attrs.slope));
    return x;
  },
  params: (node) => [{ kind: 'alpha', shape: node.attrs.slope }],
  evaluate: (_, [x], ctx) => prelu(x, ctx.param('alpha')),
  negative: anyInputNegative,
  roles: CANDIDATE,
  guided: () => 'kept',
};
