// Structural roles and the automatic target on small graphs shaped like imported files (ONNX /
// PyTorch naming, separate ReLU nodes, dropout as identity, channels-first flatten). Expected roles
// are read off each graph's drawing by hand (DESIGN.md, "Node roles").
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/models/builder.js';
import type { Graph } from '../../src/models/graph.js';
import { automaticTarget, featureMapAfter, inferRoles, roleWarning, rolesOf, withInferredRoles } from '../../src/models/roles.js';
import { GraphError } from '../../src/models/graph.js';

/** A torchvision-style ResNet v1 in miniature: Add(branch, identity) then a separate ReLU. */
function miniResnetV1(): Graph {
  const g = new GraphBuilder();
  g.role = undefined; // imported graphs carry no roles
  const x = g.input('input', 16, 16, 3);
  let h = g.conv2d('conv1', x, 8, 3, { padding: 'same' });
  h = g.batchNorm('bn1', h, 1e-5);
  h = g.relu('relu', h);
  const pooled = g.maxPool('maxpool', h, 3, 2, { top: 1, bottom: 1, left: 1, right: 1 });
  // layer1.0: identity shortcut
  let b = g.conv2d('layer1.0.conv1', pooled, 8, 3, { padding: 'same', useBias: false });
  b = g.batchNorm('layer1.0.bn1', b, 1e-5);
  b = g.relu('layer1.0.relu', b);
  b = g.conv2d('layer1.0.conv2', b, 8, 3, { padding: 'same', useBias: false });
  b = g.batchNorm('layer1.0.bn2', b, 1e-5);
  let out = g.relu('layer1.0.relu_1', g.add('layer1.0.add', b, pooled));
  // layer2.0: stride 2 with a projection shortcut
  let c = g.conv2d('layer2.0.conv1', out, 16, 3, { strides: 2, padding: 'same', useBias: false });
  c = g.batchNorm('layer2.0.bn1', c, 1e-5);
  c = g.relu('layer2.0.relu', c);
  c = g.conv2d('layer2.0.conv2', c, 16, 3, { padding: 'same', useBias: false });
  c = g.batchNorm('layer2.0.bn2', c, 1e-5);
  let d = g.conv2d('layer2.0.downsample.0', out, 16, 1, { strides: 2, useBias: false });
  d = g.batchNorm('layer2.0.downsample.1', d, 1e-5);
  out = g.relu('layer2.0.relu_1', g.add('layer2.0.add', c, d));
  const pooledOut = g.globalAvgPool('avgpool', out);
  g.dense('fc', pooledOut, 10);
  return g.build();
}

/** An Inception-style module then an ONNX-VGG-style head: Conv → Relu → MaxPool → Flatten(nchw) → Gemm → Relu → Dropout → Gemm. */
function miniInceptionVgg(): Graph {
  const g = new GraphBuilder();
  g.role = undefined;
  const x = g.input('data', 12, 12, 3);
  const stem = g.relu('stem_relu', g.conv2d('stem_conv', x, 6, 3, { padding: 'same' }));
  const a = g.relu('a_relu', g.conv2d('a_conv', stem, 4, 1));
  const b1 = g.relu('b_relu1', g.conv2d('b_conv1', stem, 3, 1));
  const b2 = g.relu('b_relu2', g.conv2d('b_conv2', b1, 5, 3, { padding: 'same' }));
  const p = g.conv2d('p_conv', g.maxPool('p_pool', stem, 3, 1, 'same'), 2, 1);
  const cat = g.concat('module_out', [a, b2, p]);
  const conv = g.conv2d('conv_last', cat, 8, 3, { padding: 'same' });
  const relu = g.relu('relu_last', conv);
  const pooled = g.maxPool('pool_last', relu, 2, 2);
  let h = g.flatten('flatten', pooled);
  h = g.relu('fc1_relu', g.dense('fc1', h, 16));
  h = g.identity('dropout', h, 'dropout');
  g.dense('fc2', h, 3);
  return { nodes: g.build().nodes.map((n) => (n.op === 'flatten' ? { ...n, attrs: { order: 'nchw' } } : n)) };
}

describe('structural roles', () => {
  it('ResNet v1 style: branch = residual-branch, projection = skip, Add and the ReLU after it = feature maps', () => {
    const roles = inferRoles(miniResnetV1());
    const expected: Record<string, string> = {
      input: 'feature-map',
      conv1: 'feature-map',
      bn1: 'feature-map',
      relu: 'feature-map',
      maxpool: 'feature-map',
      'layer1.0.conv1': 'residual-branch',
      'layer1.0.bn1': 'residual-branch',
      'layer1.0.relu': 'residual-branch',
      'layer1.0.conv2': 'residual-branch',
      'layer1.0.bn2': 'residual-branch',
      'layer1.0.add': 'feature-map',
      'layer1.0.relu_1': 'feature-map',
      'layer2.0.conv1': 'residual-branch',
      'layer2.0.bn2': 'residual-branch',
      'layer2.0.downsample.0': 'skip',
      'layer2.0.downsample.1': 'skip',
      'layer2.0.add': 'feature-map',
      'layer2.0.relu_1': 'feature-map',
    };
    for (const [name, role] of Object.entries(expected)) expect([name, roles.get(name)]).toEqual([name, role]);
    expect(roles.has('avgpool')).toBe(false);
    expect(roles.has('fc')).toBe(false);
  });

  it('Inception style: everything strictly between the fork and the concat is a branch', () => {
    const roles = inferRoles(miniInceptionVgg());
    for (const n of ['a_conv', 'a_relu', 'b_conv1', 'b_relu1', 'b_conv2', 'b_relu2', 'p_pool', 'p_conv']) expect([n, roles.get(n)]).toEqual([n, 'branch']);
    for (const n of ['stem_conv', 'stem_relu', 'module_out', 'conv_last', 'relu_last', 'pool_last']) expect([n, roles.get(n)]).toEqual([n, 'feature-map']);
  });

  it('equal-length sides of an Add: the side with the conv is the residual branch', () => {
    const g = new GraphBuilder();
    g.role = undefined;
    const x = g.relu('r0', g.input('in', 4, 4, 2));
    g.add('sum', g.relu('plain', x), g.conv2d('conv', x, 2, 1));
    const roles = inferRoles(g.build());
    expect(roles.get('conv')).toBe('residual-branch');
    expect(roles.get('plain')).toBe('skip');
  });

  it('a residual branch that contains an Inception module is residual-branch throughout', () => {
    const g = new GraphBuilder();
    g.role = undefined;
    const x = g.input('in', 6, 6, 4);
    const a = g.conv2d('a', x, 2, 1);
    const b = g.conv2d('b', x, 2, 1);
    const cat = g.concat('cat', [a, b]);
    const up = g.conv2d('up', cat, 4, 1);
    g.add('sum', x, up);
    const roles = inferRoles(g.build());
    for (const n of ['a', 'b', 'cat', 'up']) expect([n, roles.get(n)]).toEqual([n, 'residual-branch']);
    expect(roles.get('sum')).toBe('feature-map');
  });

  it('withInferredRoles fills missing roles; rolesOf prefers roles the graph carries', () => {
    const g = miniResnetV1();
    const filled = withInferredRoles(g);
    expect(filled.nodes.find((n) => n.name === 'layer2.0.downsample.0')?.role).toBe('skip');
    const overridden = { nodes: filled.nodes.map((n) => (n.name === 'layer1.0.bn2' ? { ...n, role: 'feature-map' as const } : n)) };
    expect(rolesOf(overridden).get('layer1.0.bn2')).toBe('feature-map');
  });

  it('featureMapAfter points from a branch node to the Add or concat that completes it', () => {
    expect(featureMapAfter(miniResnetV1(), 'layer1.0.conv2')).toBe('layer1.0.add');
    expect(featureMapAfter(miniResnetV1(), 'layer2.0.downsample.0')).toBe('layer2.0.add');
    expect(featureMapAfter(miniInceptionVgg(), 'b_conv1')).toBe('module_out');
  });

  it('roleWarning explains a non-feature-map hook and names the node to use; none for feature maps', () => {
    expect(roleWarning(miniResnetV1(), 'layer1.0.conv2')).toBe(
      "'layer1.0.conv2' is inside a residual branch, before the Add that completes it, so it carries only " +
        "part of the signal; the full feature map there is 'layer1.0.add'.",
    );
    expect(roleWarning(miniResnetV1(), 'layer2.0.downsample.1')).toMatch(/on a residual shortcut.*'layer2.0.add'/);
    expect(roleWarning(miniInceptionVgg(), 'b_relu2')).toMatch(/inside one branch of a multi-branch module.*'module_out'/);
    expect(roleWarning(miniResnetV1(), 'layer1.0.relu_1')).toBeUndefined();
    expect(roleWarning(miniResnetV1(), 'fc')).toBeUndefined();
  });
});

describe('automatic target', () => {
  it('imported ResNet: the ReLU after the last Add (GAP → fc follows)', () => {
    const t = automaticTarget(miniResnetV1());
    expect(t.node).toBe('layer2.0.relu_1');
    expect(t.reason).toBe(
      'layer2.0.relu_1 (4×4×16) is the last feature map with spatial size > 1, and it reaches the output ' +
        'only through avgpool (globalavgpool) → fc (dense).',
    );
  });

  it('imported VGG-style: the ReLU after the last conv, not the conv before it nor the pool after it', () => {
    expect(automaticTarget(miniInceptionVgg()).node).toBe('relu_last');
  });

  it('the last feature map with spatial size > 1 that still mixes later: falls back and says so', () => {
    const g = new GraphBuilder();
    const x = g.input('in', 4, 4, 1);
    const c1 = g.conv2d('c1', x, 2, 3);
    const c2 = g.conv2d('c2', c1, 2, 2);
    g.role = undefined;
    g.dense('fc', g.globalAvgPool('gap', c2), 2);
    const t = automaticTarget(g.build());
    expect(t.node).toBe('c1');
    expect(t.reason).toMatch(/no feature map reaches the output only through pooling/);
  });

  it('a graph without any 4-D feature map larger than 1×1 has no target', () => {
    const g = new GraphBuilder();
    const x = g.input('in', 1, 1, 3);
    g.role = undefined;
    g.dense('fc', g.flatten('f', x), 2);
    expect(() => automaticTarget(g.build())).toThrow(GraphError);
  });
});
