// Batch normalization over the channel axis: running statistics at inference, the batch's in training.
import { batchNorm, batchNormTraining } from '../../ops/batchnorm.js';
import { CANDIDATE, type OpDescriptor, type NodeOf, type ParameterShape } from '../op-descriptor.js';
import { activate } from './activate.js';

export const batchnormOp: OpDescriptor<NodeOf<'batchnorm'>> = {
  arity: [1, 1],
  shape: (_, [x]) => x,
  params(node, x) {
    const c = x ? [x[x.length - 1]] : [0];
    const out: ParameterShape[] = [];
    if (node.attrs.scale) out.push({ kind: 'gamma', shape: c });
    if (node.attrs.center) out.push({ kind: 'beta', shape: c });
    out.push({ kind: 'moving_mean', shape: c }, { kind: 'moving_variance', shape: c });
    return out;
  },
  evaluate(node, [x], ctx) {
    const a = node.attrs;
    const gamma = a.scale ? ctx.param('gamma') : undefined;
    const beta = a.center ? ctx.param('beta') : undefined;
    if (!ctx.training) {
      const stats = { mean: ctx.param('moving_mean'), variance: ctx.param('moving_variance') };
      return activate(batchNorm(x, { ...stats, gamma, beta, epsilon: a.epsilon }), a.activation);
    }
    const r = batchNormTraining(x, { gamma, beta, epsilon: a.epsilon });
    ctx.stats.set(node.name, { mean: r.batchMean, variance: r.batchVariance });
    return activate(r.y, a.activation);
  },
  negative: (node) => node.attrs.activation !== 'relu',
  roles: CANDIDATE,
  guided: (node) => (node.attrs.activation === 'relu' ? 'relu' : 'none'),
};
