// Sliding-window ops over NHWC maps: convolution, max and average pooling, and padding.
import { conv2d } from '../../ops/conv2d.js';
import { groupedConv2d } from '../../ops/grouped-conv2d.js';
import { pad } from '../../ops/pad.js';
import { avgPool, maxPool } from '../../ops/pool.js';
import type { Pair } from '../graph.js';
import { anyInputNegative, CANDIDATE, unguided, PASS_THROUGH, type OpDescriptor, type NodeOf, type ParameterShape } from '../op-descriptor.js';
import { activate } from './activate.js';
import { checkPair, expectRank, opLabel, positiveInteger, resolvePadding, windowed } from './shape-rules.js';
import { ShapeError } from '../../tensor/index.js';

export const conv2dOp: OpDescriptor<NodeOf<'conv2d'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    expectRank(node, x, 4, 'NHWC');
    const a = node.attrs;
    const filters = positiveInteger(node, 'filters', a.filters);
    const groups = positiveInteger(node, 'groups', a.groups ?? 1);
    if (x[3] % groups !== 0 || filters % groups !== 0)
      throw new ShapeError(opLabel(node), `input channels and filters multiples of groups ${groups}`, `${x[3]} and ${filters}`);
    const dilations = checkPair(node, 'dilations', a.dilations);
    const [oh, ow] = windowed(node, x, checkPair(node, 'kernel', a.kernel), checkPair(node, 'strides', a.strides), a.padding, dilations);
    return [x[0], oh, ow, filters];
  },
  params(node, x) {
    const a = node.attrs;
    const channels = x ? x[x.length - 1] : 0;
    const out: ParameterShape[] = [{ kind: 'kernel', shape: [a.kernel[0], a.kernel[1], channels / (a.groups ?? 1), a.filters] }];
    if (a.useBias) out.push({ kind: 'bias', shape: [a.filters] });
    return out;
  },
  evaluate(node, [x], ctx) {
    const a = node.attrs;
    const bias = a.useBias ? ctx.param('bias') : undefined;
    const groups = a.groups ?? 1;
    const geometry = { strides: a.strides, dilations: a.dilations, padding: a.padding, bias };
    const y = groups === 1 ? conv2d(x, ctx.param('kernel'), geometry) : groupedConv2d(x, ctx.param('kernel'), { ...geometry, groups });
    return activate(y, a.activation);
  },
  negative: (node) => node.attrs.activation !== 'relu',
  roles: { ...CANDIDATE, weighted: true },
  guided: (node) => (node.attrs.activation === 'relu' ? 'relu' : 'none'),
};

function poolShape(node: NodeOf<'maxpool'> | NodeOf<'avgpool'>, x: readonly number[]): number[] {
  expectRank(node, x, 4, 'NHWC');
  const a = node.attrs;
  const dilations: Pair = a.dilations === undefined ? [1, 1] : checkPair(node, 'dilations', a.dilations);
  const [oh, ow] = windowed(node, x, checkPair(node, 'kernel', a.kernel), checkPair(node, 'strides', a.strides), a.padding, dilations, a.ceilMode ?? false);
  return [x[0], oh, ow, x[3]];
}

export const maxpoolOp: OpDescriptor<NodeOf<'maxpool'>> = {
  arity: [1, 1],
  shape: (node, [x]) => poolShape(node, x),
  evaluate(node, [x]) {
    const a = node.attrs;
    return maxPool(x, { kernel: a.kernel, strides: a.strides, padding: a.padding, ceilMode: a.ceilMode, dilations: a.dilations });
  },
  negative: anyInputNegative,
  roles: PASS_THROUGH,
  guided: unguided,
};

export const avgpoolOp: OpDescriptor<NodeOf<'avgpool'>> = {
  arity: [1, 1],
  shape: (node, [x]) => poolShape(node, x),
  evaluate(node, [x]) {
    const a = node.attrs;
    const { kernel, strides, padding, ceilMode, countIncludePad, dilations } = a;
    return avgPool(x, { kernel, strides, padding, ceilMode, countIncludePad, dilations });
  },
  negative: anyInputNegative,
  roles: PASS_THROUGH,
  guided: unguided,
};

export const padOp: OpDescriptor<NodeOf<'pad'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    expectRank(node, x, 4, 'NHWC');
    const p = resolvePadding(node, node.attrs.padding, x[1], x[2], [1, 1], [1, 1]);
    return [x[0], x[1] + p.top + p.bottom, x[2] + p.left + p.right, x[3]];
  },
  evaluate: (node, [x]) => pad(x, node.attrs.padding, node.attrs.value ?? 0),
  negative: (node, ctx) => (node.attrs.value ?? 0) < 0 || anyInputNegative(node, ctx),
  roles: { ...CANDIDATE, target: 'blocks', map: false },
  guided: unguided,
};
