// Elementwise ops: ReLU and Add (a residual join; also a per-channel bias or any NumPy broadcast).
import { add } from '../../ops/arithmetic.js';
import { relu } from '../../ops/relu.js';
import { anyInputNegative, CANDIDATE, unguided, type OpDescriptor, type NodeOf } from '../op-descriptor.js';
import { broadcastShapes } from './binary.js';

export const reluOp: OpDescriptor<NodeOf<'relu'>> = {
  arity: [1, 1],
  shape: (_, [x]) => x,
  evaluate: (_, [x]) => relu(x),
  negative: () => false,
  roles: CANDIDATE,
  guided: () => 'relu',
  fused: () => ({ kind: 'relu' }),
};

export const addOp: OpDescriptor<NodeOf<'add'>> = {
  arity: [2, 2],
  // Equal shapes (a residual Add), a per-channel [C] bias, or any NumPy broadcast.
  shape: (node, [a, b]) => broadcastShapes(node, a, b),
  evaluate: (_, [a, b]) => add(a, b),
  negative: anyInputNegative,
  roles: { ...CANDIDATE, join: 'residual' },
  guided: unguided,
};
