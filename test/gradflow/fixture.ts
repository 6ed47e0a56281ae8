// A tiny residual network with every kind of block the gradient-flow code must split, small enough
// for lavapipe: odd input size, channel counts not a multiple of 4, stride 2 with TF 'same' padding.
//   x[9×11×3] → stem (3×3 conv, ReLU, 5 ch)
//   → a: pre-activation block, 1×1 stride-2 conv shortcut on the shared pre-activation (ResNet v2 conv block), 6 ch
//   → b: pre-activation block, identity shortcut
//   → c: pre-activation block, 1×1 stride-2 max-pool shortcut, stride-2 branch (ResNet v2's last block of a stage)
//   → d: ResNet v1 block: conv → bn → Add(identity) → ReLU (the ReLU is what enters the next block)
//   → e: identity block reading d's ReLU
//   → post_bn → post_relu → gap → logits (3 classes)
import { GraphBuilder, uniformPadding } from '../../src/models/builder.js';
import { defineModel, type ModelDefinition } from '../../src/models/definition.js';
import type { Graph } from '../../src/models/graph.js';

export const FLOW_LABELS = ['alpha', 'beta', 'gamma'];
const EPS = 1e-3;

export function flowGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('x', 9, 11, 3);
  x = g.conv2d('stem', x, 5, 3, { padding: 'same', activation: 'relu' });

  const preact = (name: string, input: string, filters: number, stride: number, shortcut: 'conv' | 'identity' | 'pool'): string => {
    const [p, s] = g.inRole(shortcut === 'conv' ? 'feature-map' : 'residual-branch', () => {
      const p = g.relu(`${name}_preact_relu`, g.batchNorm(`${name}_preact_bn`, input, EPS));
      const s = g.inRole('skip', () =>
        shortcut === 'conv'
          ? g.conv2d(`${name}_0_conv`, p, filters, 1, { strides: stride })
          : shortcut === 'pool'
            ? g.maxPool(`${name}_pool`, input, 1, stride)
            : input,
      );
      return [p, s];
    });
    const r = g.inRole('residual-branch', () => {
      let y = g.conv2d(`${name}_1_conv`, p, filters, 3, { strides: stride, padding: 'same', useBias: false });
      y = g.relu(`${name}_1_relu`, g.batchNorm(`${name}_1_bn`, y, EPS));
      y = g.pad(`${name}_2_pad`, y, uniformPadding(1));
      return g.conv2d(`${name}_2_conv`, y, filters, 3);
    });
    return g.add(`${name}_out`, s, r);
  };

  x = preact('a', x, 6, 2, 'conv');
  x = preact('b', x, 6, 1, 'identity');
  x = preact('c', x, 6, 2, 'pool');
  const r = g.inRole('residual-branch', () => g.batchNorm('d_bn', g.conv2d('d_conv', x, 6, 3, { padding: 'same' }), EPS));
  x = g.relu('d_relu', g.add('d_add', x, r));
  x = preact('e', x, 6, 1, 'identity');
  x = g.relu('post_relu', g.batchNorm('post_bn', x, EPS));
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', x), FLOW_LABELS.length);
  return g.build();
}

export function flowDefinition(): ModelDefinition {
  return defineModel({
    name: 'flow-fixture',
    graph: flowGraph(),
    preprocessing: 'tf',
    labels: FLOW_LABELS,
    defaultTarget: 'post_relu',
    source: 'test/gradflow/fixture.ts',
  });
}
