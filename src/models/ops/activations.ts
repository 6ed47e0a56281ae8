// Activations and elementwise functions (one input, same shape out), over the engine's activation
// table. Per function: whether the output can be negative and what guided backprop does there —
// ReLU6 (a clip from 0) is overridden like ReLU, the smooth ones are kept and named in a note.
import {
  abs,
  clip,
  elu,
  erf,
  exp,
  gelu,
  hardSigmoid,
  hardSwish,
  leakyRelu,
  log,
  neg,
  reciprocal,
  selu,
  sigmoid,
  silu,
  softplus,
  sqrt,
  tanh,
} from '../../ops/activations.js';
import type { FusedActivation } from '../../ops/activations.js';
import type { Shape, Tensor } from '../../tensor/index.js';
import type { UnaryFunction } from '../graph.js';
import { anyInputNegative, CANDIDATE, type GuidedBehaviour, type NodeOf, type OpDescriptor, type SignContext } from '../op-descriptor.js';

const same = (_: unknown, [x]: readonly Shape[]): Shape => x;
const always = () => true;
const never = () => false;

interface UnaryRule {
  run: (x: Tensor) => Tensor;
  /** The engine's table entry, when a convolution can apply it in its store. */
  fused?: FusedActivation['kind'];
  negative: (ctx: SignContext) => boolean;
  /** An activation function (kept by guided backprop, named in its note), or arithmetic (nothing to say). */
  activation: boolean;
}

const any = (ctx: SignContext) => ctx.inputs.some((v) => v);

const UNARY: Record<UnaryFunction, UnaryRule> = {
  sigmoid: { fused: 'sigmoid', run: sigmoid, negative: never, activation: true },
  tanh: { fused: 'tanh', run: tanh, negative: any, activation: true },
  silu: { fused: 'silu', run: silu, negative: any, activation: true },
  hardswish: { fused: 'hardSwish', run: hardSwish, negative: any, activation: true },
  selu: { run: selu, negative: any, activation: true },
  softplus: { fused: 'softplus', run: softplus, negative: never, activation: true },
  erf: { run: erf, negative: any, activation: true },
  sqrt: { run: sqrt, negative: never, activation: false },
  exp: { run: exp, negative: never, activation: false },
  log: { run: log, negative: always, activation: false },
  abs: { run: abs, negative: never, activation: false },
  neg: { run: neg, negative: always, activation: false },
  reciprocal: { run: reciprocal, negative: any, activation: false },
};

function unary(fn: UnaryFunction): OpDescriptor<NodeOf<UnaryFunction>> {
  const rule = UNARY[fn];
  return {
    arity: [1, 1],
    shape: same,
    evaluate: (_, [x]) => rule.run(x),
    negative: (_, ctx) => rule.negative(ctx),
    roles: CANDIDATE,
    guided: () => (rule.activation ? 'kept' : 'none'),
    ...(rule.fused ? { fused: () => ({ kind: rule.fused as FusedActivation['kind'] }) } : {}),
  };
}

export const sigmoidOp = unary('sigmoid');
export const tanhOp = unary('tanh');
export const siluOp = unary('silu');
export const hardswishOp = unary('hardswish');
export const seluOp = unary('selu');
export const softplusOp = unary('softplus');
export const erfOp = unary('erf');
export const sqrtOp = unary('sqrt');
export const expOp = unary('exp');
export const logOp = unary('log');
export const absOp = unary('abs');
export const negOp = unary('neg');
export const reciprocalOp = unary('reciprocal');

const kept = (): GuidedBehaviour => 'kept';

export const hardsigmoidOp: OpDescriptor<NodeOf<'hardsigmoid'>> = {
  arity: [1, 1],
  shape: same,
  evaluate: (node, [x]) => hardSigmoid(x, node.attrs.alpha, node.attrs.beta),
  negative: never,
  roles: CANDIDATE,
  guided: kept,
  fused: (node) => ({ kind: 'hardSigmoid', alpha: node.attrs.alpha, beta: node.attrs.beta }),
};

/** A clip from 0 is a ReLU (ReLU6 when max is 6): the engine records it as 'relu6', with ReLU's overrides. */
export const clipOp: OpDescriptor<NodeOf<'clip'>> = {
  arity: [1, 1],
  shape: same,
  evaluate: (node, [x]) => clip(x, node.attrs.min ?? -Infinity, node.attrs.max ?? Infinity),
  negative: (node, ctx) => (node.attrs.min === undefined || node.attrs.min < 0 ? (node.attrs.max ?? 0) < 0 || anyInputNegative(node, ctx) : false),
  roles: CANDIDATE,
  guided: (node) => (node.attrs.min === 0 ? 'relu' : 'kept'),
  fused: (node) => ({ kind: 'clip', alpha: node.attrs.min ?? -Infinity, beta: node.attrs.max ?? Infinity }),
};

function alphaOp(run: (x: Tensor, alpha: number) => Tensor, kind: 'leakyRelu' | 'elu'): OpDescriptor<NodeOf<'leakyrelu' | 'elu'>> {
  return {
    fused: (node) => ({ kind, alpha: node.attrs.alpha, beta: 1 }),
    arity: [1, 1],
    shape: same,
    evaluate: (node, [x]) => run(x, node.attrs.alpha),
    negative: anyInputNegative,
    roles: CANDIDATE,
    guided: kept,
  };
}

export const leakyreluOp = alphaOp(leakyRelu, 'leakyRelu');
export const eluOp = alphaOp(elu, 'elu');

export const geluOp: OpDescriptor<NodeOf<'gelu'>> = {
  arity: [1, 1],
  shape: same,
  evaluate: (node, [x]) => gelu(x, node.attrs.approximate),
  negative: anyInputNegative,
  roles: CANDIDATE,
  guided: kept,
  fused: (node) => ({ kind: node.attrs.approximate === 'tanh' ? 'geluTanh' : 'geluErf' }),
};
