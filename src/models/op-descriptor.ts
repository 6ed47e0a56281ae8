// What one graph op is, in one record: how many inputs it reads, its output shape, the parameters
// it owns, how it runs (through the engine's ops), whether its output can be negative, how roles
// pass through it and what guided backprop does at it. The table of all of them (op-table.ts) is
// checked exhaustive by the type system, so a new op cannot be half-registered.
import type { Shape, Tensor } from '../tensor/index.js';
import type { FusedActivation } from '../ops/activations.js';
import type { GraphNode, OpKind } from './graph.js';
import type { PreprocessingMode } from './preprocess.js';

/** Keras' weight kinds, and `value`: a constant node's tensor. */
export type ParameterKind = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance' | 'value' | 'alpha';

export interface BatchStatistics {
  mean: Tensor;
  variance: Tensor;
}

export interface EvalContext {
  /** The node's bound parameter `<node>/<kind>`; throws when it is not bound. */
  param(kind: ParameterKind): Tensor;
  /** Batchnorm uses the batch's statistics and records them in `stats`. */
  training: boolean;
  stats: Map<string, BatchStatistics>;
}

export interface SignContext {
  /** For each input: whether it can hold negative values. */
  inputs: readonly boolean[];
  /** The model's preprocessing (decides the input node's sign). */
  preprocessing: PreprocessingMode;
}

/**
 * How a node takes part in roles and target choice:
 * - target: 'candidate' = its output is a new feature map worth explaining (conv, activation, add,
 *   concat); 'pass-through' = carries a map to the classifier without mixing it (pools, flatten,
 *   identity); 'blocks' = neither (input, pad, constant, dense: a map read by it is mixed further).
 * - map: an evolution grid may show it (false for the input, pads, identities, constants).
 * - weighted: learned weights (conv, dense): the heavier side of an Add is its residual branch.
 * - join: 'residual' (its inputs are summed: shortcut + branch), 'branches' (concatenated).
 */
export interface RoleBehaviour {
  target: 'candidate' | 'pass-through' | 'blocks';
  map: boolean;
  weighted: boolean;
  join?: 'residual' | 'branches';
}

/**
 * What guided backprop does at the node: 'relu' = its ReLU's backward is overridden (counted),
 * 'kept' = a nonlinearity guided backprop leaves as it is (named in a note), 'none' = nothing to override.
 */
export type GuidedBehaviour = 'relu' | 'kept' | 'none';

export interface ParameterShape {
  kind: ParameterKind;
  shape: Shape;
}

export interface OpDescriptor<N extends GraphNode> {
  /** Number of inputs (min, max). */
  arity: readonly [number, number];
  /** Output shape from the input shapes; throws ShapeError naming the node. */
  shape(node: N, xs: readonly Shape[]): Shape;
  /** Parameters the node owns, in Keras' weight order, given its first input's shape. */
  params?(node: N, input: Shape | undefined): ParameterShape[];
  /** Forward through the engine's ops (recorded for autodiff like any op). */
  evaluate(node: N, xs: Tensor[], ctx: EvalContext): Tensor;
  /** Whether the output can be negative, from the op and its inputs' signs alone (weights unknown). */
  negative(node: N, ctx: SignContext): boolean;
  roles: RoleBehaviour;
  guided(node: N): GuidedBehaviour;
  /** The activation a convolution before this node can apply in its store instead (fuse.ts); absent = not fusable. */
  fused?(node: N): FusedActivation;
}

export type NodeOf<K extends OpKind> = Extract<GraphNode, { op: K }>;

/** The table type: one descriptor per op kind, each typed by its own node. */
export type OpTable = { readonly [K in OpKind]: OpDescriptor<NodeOf<K>> };

/** Role behaviours most ops share. */
export const CANDIDATE: RoleBehaviour = { target: 'candidate', map: true, weighted: false };
export const PASS_THROUGH: RoleBehaviour = { target: 'pass-through', map: true, weighted: false };

/** Sign rule of ops that keep non-negative inputs non-negative (pools, reshapes, add, concat). */
export const anyInputNegative = (_: GraphNode, ctx: SignContext): boolean => ctx.inputs.some((v) => v);
export const unguided = (): GuidedBehaviour => 'none';
