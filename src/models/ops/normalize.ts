// Normalizations other than batchnorm: layer normalization over channels, and local response
// normalization across channels.
import { layerNorm } from '../../ops/layer-norm.js';
import { lrn } from '../../ops/lrn.js';
import { anyInputNegative, CANDIDATE, unguided, type NodeOf, type OpDescriptor, type ParameterShape } from '../op-descriptor.js';
import { positiveInteger } from './shape-rules.js';

export const layernormOp: OpDescriptor<NodeOf<'layernorm'>> = {
  arity: [1, 1],
  shape: (_, [x]) => x,
  params(node, x) {
    const c = [x ? x[x.length - 1] : 0];
    const out: ParameterShape[] = [];
    if (node.attrs.scale) out.push({ kind: 'gamma', shape: c });
    if (node.attrs.center) out.push({ kind: 'beta', shape: c });
    return out;
  },
  evaluate: (node, [x], ctx) =>
    layerNorm(x, {
      epsilon: node.attrs.epsilon,
      gamma: node.attrs.scale ? ctx.param('gamma') : undefined,
      beta: node.attrs.center ? ctx.param('beta') : undefined,
    }),
  // Centred by construction.
  negative: () => true,
  roles: CANDIDATE,
  guided: unguided,
};

export const lrnOp: OpDescriptor<NodeOf<'lrn'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    positiveInteger(node, 'size', node.attrs.size);
    return x;
  },
  evaluate: (node, [x]) => lrn(x, node.attrs),
  // x divided by a positive denominator keeps its sign.
  negative: anyInputNegative,
  roles: CANDIDATE,
  guided: unguided,
};
