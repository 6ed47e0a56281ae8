// The classifier head: global pooling to [N, C], dense layers, softmax and log-softmax.
import type { Tensor } from '../../tensor/index.js';
import { dense } from '../../ops/dense.js';
import { globalAvgPool, globalMaxPool } from '../../ops/pool.js';
import { logSoftmax, softmax } from '../../ops/softmax.js';
import { anyInputNegative, unguided, PASS_THROUGH, type OpDescriptor, type NodeOf, type ParameterShape } from '../op-descriptor.js';
import { activate } from './activate.js';
import { expectRank, positiveInteger } from './shape-rules.js';

export const denseOp: OpDescriptor<NodeOf<'dense'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    expectRank(node, x, 2, '[N, features]; flatten first');
    return [x[0], positiveInteger(node, 'units', node.attrs.units)];
  },
  params(node, x) {
    const out: ParameterShape[] = [{ kind: 'kernel', shape: [x ? x[x.length - 1] : 0, node.attrs.units] }];
    if (node.attrs.useBias) out.push({ kind: 'bias', shape: [node.attrs.units] });
    return out;
  },
  evaluate: (node, [x], ctx) => activate(dense(x, ctx.param('kernel'), node.attrs.useBias ? ctx.param('bias') : undefined), node.attrs.activation),
  negative: (node) => node.attrs.activation !== 'relu',
  roles: { target: 'blocks', map: true, weighted: true },
  guided: (node) => (node.attrs.activation === 'relu' ? 'relu' : 'none'),
};

function globalPool(pool: typeof globalAvgPool): OpDescriptor<NodeOf<'globalavgpool'> | NodeOf<'globalmaxpool'>> {
  return {
    arity: [1, 1],
    shape(node, [x]) {
      expectRank(node, x, 4, 'NHWC');
      return [x[0], x[3]];
    },
    evaluate: (_, [x]) => pool(x),
    negative: anyInputNegative,
    roles: PASS_THROUGH,
    guided: unguided,
  };
}

export const globalavgpoolOp = globalPool(globalAvgPool);
export const globalmaxpoolOp = globalPool(globalMaxPool);

/** A row-wise op along the last axis: softmax (never negative) and log-softmax (ONNX LogSoftmax heads; never positive). */
function rowwiseOp<K extends 'softmax' | 'logsoftmax'>(run: (x: Tensor) => Tensor, canBeNegative: boolean): OpDescriptor<NodeOf<K>> {
  return {
    arity: [1, 1],
    shape: (_, [x]) => x,
    evaluate: (_, [x]) => run(x),
    negative: () => canBeNegative,
    roles: PASS_THROUGH,
    guided: unguided,
  };
}

export const softmaxOp = rowwiseOp<'softmax'>(softmax, false);
export const logsoftmaxOp = rowwiseOp<'logsoftmax'>(logSoftmax, true);
