// Every graph op's descriptor, in one table the type system checks against OpKind: a kind without
// a descriptor, or a descriptor for a kind the node union does not have, fails to compile.
import type { GraphNode, OpKind } from './graph.js';
import type { OpDescriptor, OpTable } from './op-descriptor.js';
import { absOp, clipOp, eluOp, erfOp, expOp, geluOp, hardsigmoidOp, hardswishOp, leakyreluOp, logOp, negOp, reciprocalOp } from './ops/activations.js';
import { seluOp, sigmoidOp, siluOp, softplusOp, sqrtOp, tanhOp } from './ops/activations.js';
import { batchnormOp } from './ops/batchnorm.js';
import { transposeOp, sliceOp } from './ops/layout.js';
import { layernormOp, lrnOp } from './ops/normalize.js';
import { matmulOp, reducemaxOp, reducemeanOp, reduceminOp, reducesumOp } from './ops/reduce.js';
import { divOp, maxOp, minOp, mulOp, powOp, preluOp, subOp } from './ops/binary.js';
import { addOp, reluOp } from './ops/elementwise.js';
import { denseOp, globalavgpoolOp, globalmaxpoolOp, logsoftmaxOp, softmaxOp } from './ops/head.js';
import { avgpoolOp, conv2dOp, maxpoolOp, padOp } from './ops/spatial.js';
import { concatOp, constantOp, flattenOp, identityOp, inputOp, reshapeOp } from './ops/structure.js';

export const OPS = {
  input: inputOp,
  conv2d: conv2dOp,
  batchnorm: batchnormOp,
  relu: reluOp,
  add: addOp,
  maxpool: maxpoolOp,
  avgpool: avgpoolOp,
  globalavgpool: globalavgpoolOp,
  globalmaxpool: globalmaxpoolOp,
  dense: denseOp,
  concat: concatOp,
  pad: padOp,
  flatten: flattenOp,
  reshape: reshapeOp,
  softmax: softmaxOp,
  logsoftmax: logsoftmaxOp,
  identity: identityOp,
  constant: constantOp,
  sigmoid: sigmoidOp,
  tanh: tanhOp,
  silu: siluOp,
  hardswish: hardswishOp,
  hardsigmoid: hardsigmoidOp,
  clip: clipOp,
  leakyrelu: leakyreluOp,
  elu: eluOp,
  selu: seluOp,
  gelu: geluOp,
  softplus: softplusOp,
  erf: erfOp,
  sqrt: sqrtOp,
  exp: expOp,
  log: logOp,
  abs: absOp,
  neg: negOp,
  reciprocal: reciprocalOp,
  sub: subOp,
  mul: mulOp,
  div: divOp,
  pow: powOp,
  max: maxOp,
  min: minOp,
  prelu: preluOp,
  transpose: transposeOp,
  slice: sliceOp,
  reducemean: reducemeanOp,
  reducesum: reducesumOp,
  reducemax: reducemaxOp,
  reducemin: reduceminOp,
  matmul: matmulOp,
  layernorm: layernormOp,
  lrn: lrnOp,
} as const satisfies OpTable;

/** The op kinds, in the table's order. */
export const OP_KINDS = Object.keys(OPS) as OpKind[];

export function isOpKind(op: unknown): op is OpKind {
  return typeof op === 'string' && Object.hasOwn(OPS, op);
}

/**
 * The descriptor of a node's op, typed for that node. TypeScript cannot correlate `OPS[node.op]`
 * with `node` across the union, so this is the one place that widens it: the table's `satisfies`
 * check above is what guarantees each descriptor matches its kind.
 */
export function descriptorOf(node: GraphNode): OpDescriptor<GraphNode> {
  return OPS[node.op] as unknown as OpDescriptor<GraphNode>;
}
