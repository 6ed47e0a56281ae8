// Reductions over axes (ReduceMean/Sum/Max/Min; a mean over H and W is a global average pool
// that keeps its dims, as ShuffleNetV2's export writes it) and the batched matmul.
import { fmt, ShapeError, type Shape, type Tensor } from '../../tensor/index.js';
import { batchMatmul } from '../../ops/batch-matmul.js';
import { mean, sum } from '../../ops/reduce.js';
import { reduceMax, reduceMin } from '../../ops/reduce-extreme.js';
import type { ReduceNode } from '../graph.js';
import { anyInputNegative, PASS_THROUGH, unguided, type NodeOf, type OpDescriptor } from '../op-descriptor.js';
import { opLabel } from './shape-rules.js';

type ReduceKind = ReduceNode['op'];
const RUN: Record<ReduceKind, (x: Tensor, axes: number[], keep: boolean) => Tensor> = {
  reducemean: mean,
  reducesum: sum,
  reducemax: reduceMax,
  reducemin: reduceMin,
};

function reduceOp(kind: ReduceKind): OpDescriptor<NodeOf<ReduceKind>> {
  return {
    arity: [1, 1],
    shape(node, [x]) {
      const axes = node.attrs.axes.map((a) => (a < 0 ? a + x.length : a));
      if (axes.length === 0 || axes.some((a) => !(a >= 1 && a < x.length))) {
        throw new ShapeError(opLabel(node), `axes in 1..${x.length - 1} (not the batch)`, `[${node.attrs.axes.join(', ')}] for ${fmt(x)}`);
      }
      return node.attrs.keepdims ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
    },
    evaluate: (node, [x]) => RUN[kind](x, node.attrs.axes, node.attrs.keepdims),
    // A sum or mean of non-negative values stays non-negative.
    negative: anyInputNegative,
    // Pooling a map over space carries it to the classifier; over channels it mixes, but stays unweighted.
    roles: PASS_THROUGH,
    guided: unguided,
  };
}

export const reducemeanOp = reduceOp('reducemean');
export const reducesumOp = reduceOp('reducesum');
export const reducemaxOp = reduceOp('reducemax');
export const reduceminOp = reduceOp('reducemin');

export const matmulOp: OpDescriptor<NodeOf<'matmul'>> = {
  arity: [2, 2],
  shape(node, [a, b]) {
    const ok = a.length >= 2 && b.length >= 2 && a[a.length - 1] === b[b.length - 2];
    if (!ok) throw new ShapeError(opLabel(node), 'a [..., M, K] and b [..., K, N]', `${fmt(a)} and ${fmt(b)}`);
    const batchA = a.slice(0, -2),
      batchB = b.slice(0, -2);
    const rank = Math.max(batchA.length, batchB.length);
    const batch = Array.from({ length: rank }, (_, k) => {
      const da = batchA[batchA.length - rank + k] ?? 1,
        db = batchB[batchB.length - rank + k] ?? 1;
      if (da !== db && da !== 1 && db !== 1) throw new ShapeError(opLabel(node), 'batch axes that broadcast', `${fmt(a)} and ${fmt(b)}`);
      return Math.max(da, db);
    });
    return [...batch, a[a.length - 2], b[b.length - 1]] as Shape;
  },
  evaluate: (_, [a, b]) => batchMatmul(a, b),
  negative: () => true,
  roles: { target: 'candidate', map: true, weighted: true },
  guided: unguided,
};
