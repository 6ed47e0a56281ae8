// Ops that move data without computing on it: the graph input, constants, concat, flatten,
// reshape and identity.
import { fmt, ShapeError, sizeOf } from '../../tensor/index.js';
import { concat } from '../../ops/concat.js';
import { flatten, reshape } from '../../ops/reshape.js';
import { anyInputNegative, CANDIDATE, unguided, PASS_THROUGH, type OpDescriptor, type NodeOf } from '../op-descriptor.js';
import { opLabel } from './shape-rules.js';

const BLOCKS = { target: 'blocks', map: false, weighted: false } as const;

export const inputOp: OpDescriptor<NodeOf<'input'>> = {
  arity: [0, 0],
  // inferShapes gives the input its size; the node has no inputs to compute a shape from.
  shape(node, xs) {
    throw new ShapeError(opLabel(node), 'no inputs', `${xs.length}`);
  },
  evaluate() {
    throw new Error('the input node is not evaluated');
  },
  // 'unit' preprocessing maps pixels to [0, 1]; every other convention centres them.
  negative: (_, ctx) => ctx.preprocessing !== 'unit',
  roles: BLOCKS,
  guided: unguided,
};

/** A copy: the node's output is released like any intermediate, the parameter must outlive the run. */
export const constantOp: OpDescriptor<NodeOf<'constant'>> = {
  arity: [0, 0],
  shape(node) {
    const s = node.attrs.shape;
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ShapeError(opLabel(node), 'shape a non-empty list of positive integers', JSON.stringify(s));
    }
    return s;
  },
  params: (node) => [{ kind: 'value', shape: node.attrs.shape }],
  evaluate: (node, _, ctx) => reshape(ctx.param('value'), [...node.attrs.shape]),
  negative: anyInputNegative,
  roles: BLOCKS,
  guided: unguided,
};

export const concatOp: OpDescriptor<NodeOf<'concat'>> = {
  arity: [1, Infinity],
  shape(node, xs) {
    const x = xs[0];
    const rank = x.length;
    const axis = node.attrs.axis < 0 ? rank + node.attrs.axis : node.attrs.axis;
    if (!Number.isInteger(axis) || axis < 1 || axis >= rank) {
      throw new ShapeError(opLabel(node), `an axis in 1..${rank - 1} or -1..-${rank - 1} (not the batch)`, `${node.attrs.axis}`);
    }
    const out = [...x];
    for (const s of xs.slice(1)) {
      const fits = s.length === rank && s.every((d, i) => i === axis || d === x[i]);
      if (!fits) throw new ShapeError(opLabel(node), `inputs equal except along axis ${axis}`, xs.map(fmt).join(', '));
      out[axis] += s[axis];
    }
    return out;
  },
  evaluate: (node, xs) => concat(xs, node.attrs.axis),
  negative: anyInputNegative,
  roles: { ...CANDIDATE, join: 'branches' },
  guided: unguided,
};

export const flattenOp: OpDescriptor<NodeOf<'flatten'>> = {
  arity: [1, 1],
  shape: (_, [x]) => [x[0], sizeOf(x.slice(1))],
  evaluate: (node, [x]) => flatten(x, node.attrs.order),
  negative: anyInputNegative,
  roles: PASS_THROUGH,
  guided: unguided,
};

export const reshapeOp: OpDescriptor<NodeOf<'reshape'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    const target = node.attrs.shape;
    const per = sizeOf(x.slice(1));
    const free = target.filter((d) => d === -1).length;
    const known = sizeOf(target.filter((d) => d !== -1));
    const valid = free <= 1 && target.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) && (free === 1 ? known > 0 && per % known === 0 : known === per);
    if (!valid) throw new ShapeError(opLabel(node), `a shape with ${per} elements per sample (at most one -1)`, fmt(target));
    return [x[0], ...target.map((d) => (d === -1 ? per / known : d))];
  },
  evaluate: (node, [x]) => reshape(x, [x.shape[0], ...node.attrs.shape]),
  negative: anyInputNegative,
  roles: PASS_THROUGH,
  guided: unguided,
};

/** The node is the tensor it reads (GraphIndex.source looks through it; the executor never runs it). */
export const identityOp: OpDescriptor<NodeOf<'identity'>> = {
  arity: [1, 1],
  shape: (_, [x]) => x,
  evaluate: (_, [x]) => x,
  negative: anyInputNegative,
  roles: { ...PASS_THROUGH, map: false },
  guided: unguided,
};
