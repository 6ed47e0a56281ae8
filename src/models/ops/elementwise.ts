// Elementwise ops: ReLU and the residual Add (which also takes a per-channel [C] constant bias).
import { fmt, ShapeError } from '../../tensor/index.js';
import { add } from '../../ops/arithmetic.js';
import { relu } from '../../ops/relu.js';
import { anyInputNegative, CANDIDATE, linear, type OpDescriptor, type NodeOf } from '../op-descriptor.js';
import { opLabel } from './shape-rules.js';

export const reluOp: OpDescriptor<NodeOf<'relu'>> = {
  arity: [1, 1],
  shape: (_, [x]) => x,
  evaluate: (_, [x]) => relu(x),
  negative: () => false,
  roles: CANDIDATE,
  guided: () => 'relu',
};

export const addOp: OpDescriptor<NodeOf<'add'>> = {
  arity: [2, 2],
  shape(node, [a, b]) {
    const perChannel = b.length === 1 && b[0] === a[a.length - 1];
    if (!perChannel && (a.length !== b.length || !a.every((d, i) => d === b[i]))) {
      throw new ShapeError(opLabel(node), 'inputs of equal shape', `${fmt(a)} and ${fmt(b)}`);
    }
    return a;
  },
  evaluate: (_, [a, b]) => add(a, b),
  negative: anyInputNegative,
  roles: { ...CANDIDATE, join: 'residual' },
  guided: linear,
};
