// Graph structure checks and symbolic shape inference on small hand-built graphs. Expected shapes
// are worked out by hand from the TF/Keras output-size rules (stated per case).
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/models/builder.js';
import { cloneGraph, GraphError, validateGraph, type Graph, type GraphNode } from '../../src/models/graph.js';
import { inferShapes, parameterSpecs, totalParameters } from '../../src/models/shapes.js';
import { ShapeError } from '../../src/tensor/index.js';

const input = (h = 9, w = 7, c = 3): GraphNode => ({ name: 'x', op: 'input', inputs: [], attrs: { height: h, width: w, channels: c } });
const relu = (name: string, x: string): GraphNode => ({ name, op: 'relu', inputs: [x], attrs: {} });

describe('graph validation', () => {
  it('rejects duplicate names, forward references, wrong arity, misplaced inputs, unknown ops', () => {
    expect(() => validateGraph({ nodes: [input(), relu('a', 'x'), relu('a', 'x')] })).toThrow(/duplicate node name 'a'/);
    expect(() => validateGraph({ nodes: [input(), relu('a', 'b'), relu('b', 'x')] })).toThrow(/'a' reads 'b', which is not an earlier node/);
    expect(() => validateGraph({ nodes: [input(), { name: 's', op: 'add', inputs: ['x'], attrs: {} }] })).toThrow(/'s' \(add\) takes 2 input/);
    expect(() => validateGraph({ nodes: [relu('a', 'x'), input()] })).toThrow(GraphError);
    expect(() => validateGraph({ nodes: [input(), { ...relu('a', 'x'), op: 'swirl' } as unknown as GraphNode] })).toThrow(/unknown op 'swirl'/);
    expect(() => validateGraph({ nodes: [input(), { ...relu('a', 'x'), role: 'trunk' } as unknown as GraphNode] })).toThrow(/unknown role 'trunk'/);
  });

  it('is plain JSON: a graph survives a JSON round trip unchanged', () => {
    const g = new GraphBuilder();
    const x = g.input('in', 8, 8, 3);
    g.conv2d('c', x, 4, 3, { padding: 'same', activation: 'relu' });
    const graph = g.build();
    expect(cloneGraph(graph)).toEqual(graph);
    expect(inferShapes(cloneGraph(graph))).toEqual(inferShapes(graph));
  });
});

describe('shape inference', () => {
  it("conv 'same' stride 2 on odd sizes: ceil(9/2)=5, ceil(7/2)=4; 'valid' 3×3 stride 2: floor((9−3)/2)+1=4, floor((7−3)/2)+1=3", () => {
    const g = new GraphBuilder();
    const x = g.input('x', 9, 7, 3);
    g.conv2d('same', x, 5, 3, { strides: 2, padding: 'same' });
    g.conv2d('valid', x, 6, 3, { strides: 2 });
    g.conv2d('padded', x, 2, [3, 1], { strides: [1, 2], padding: { top: 0, bottom: 2, left: 1, right: 0 } });
    const s = inferShapes(g.build(), { batch: 2 });
    expect(s.get('x')).toEqual([2, 9, 7, 3]);
    expect(s.get('same')).toEqual([2, 5, 4, 5]);
    expect(s.get('valid')).toEqual([2, 4, 3, 6]);
    // (9 + 2 − 3) + 1 = 9 rows; floor((7 + 1 − 1)/2) + 1 = 4 columns.
    expect(s.get('padded')).toEqual([2, 9, 4, 2]);
  });

  it('pools (ceil mode included), pad, concat, global pools, flatten, reshape, dense', () => {
    const g: Graph = {
      nodes: [
        input(9, 7, 3),
        { name: 'p', op: 'pad', inputs: ['x'], attrs: { padding: { top: 1, bottom: 0, left: 2, right: 3 } } },
        { name: 'mp', op: 'maxpool', inputs: ['p'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'valid' } },
        { name: 'mpc', op: 'maxpool', inputs: ['p'], attrs: { kernel: [3, 3], strides: [2, 2], padding: 'valid', ceilMode: true } },
        { name: 'ap', op: 'avgpool', inputs: ['x'], attrs: { kernel: [3, 3], strides: [1, 1], padding: 'same', countIncludePad: false } },
        { name: 'cat', op: 'concat', inputs: ['x', 'ap', 'x'], attrs: { axis: -1 } },
        { name: 'gap', op: 'globalavgpool', inputs: ['cat'], attrs: {} },
        { name: 'gmp', op: 'globalmaxpool', inputs: ['mp'], attrs: {} },
        { name: 'fl', op: 'flatten', inputs: ['mp'], attrs: { order: 'nchw' } },
        { name: 'rs', op: 'reshape', inputs: ['fl'], attrs: { shape: [3, -1] } },
        { name: 'fl2', op: 'flatten', inputs: ['rs'], attrs: { order: 'nhwc' } },
        { name: 'd', op: 'dense', inputs: ['fl2'], attrs: { units: 10, useBias: true } },
      ],
    };
    const s = inferShapes(g);
    expect(s.get('p')).toEqual([1, 10, 12, 3]);
    // floor((10 − 3)/2) + 1 = 4, floor((12 − 3)/2) + 1 = 5; ceil mode: ceil(7/2) + 1 = 5, ceil(9/2) + 1 = 6.
    expect(s.get('mp')).toEqual([1, 4, 5, 3]);
    expect(s.get('mpc')).toEqual([1, 5, 6, 3]);
    expect(s.get('ap')).toEqual([1, 9, 7, 3]);
    expect(s.get('cat')).toEqual([1, 9, 7, 9]);
    expect(s.get('gap')).toEqual([1, 9]);
    expect(s.get('gmp')).toEqual([1, 3]);
    expect(s.get('fl')).toEqual([1, 60]);
    expect(s.get('rs')).toEqual([1, 3, 20]);
    expect(s.get('d')).toEqual([1, 10]);
    expect(parameterSpecs(g).map((p) => [p.name, p.shape])).toEqual([
      ['d/kernel', [60, 10]],
      ['d/bias', [10]],
    ]);
  });

  it('parameters follow Keras names and order: kernel, bias; gamma, beta, moving_mean, moving_variance', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 5, 5, 3);
    const c = g.conv2d('c', x, 4, [3, 2], { useBias: false });
    g.batchNorm('bn', c, 1e-3);
    g.batchNorm('bn_noscale', c, 1e-3, { scale: false });
    const graph = g.build();
    expect(parameterSpecs(graph).map((p) => [p.name, p.shape])).toEqual([
      ['c/kernel', [3, 2, 3, 4]],
      ['bn/gamma', [4]],
      ['bn/beta', [4]],
      ['bn/moving_mean', [4]],
      ['bn/moving_variance', [4]],
      ['bn_noscale/beta', [4]],
      ['bn_noscale/moving_mean', [4]],
      ['bn_noscale/moving_variance', [4]],
    ]);
    expect(totalParameters(graph)).toBe(72 + 16 + 12);
  });

  it('bad shapes throw ShapeError naming the op and node, the expected and the given shapes', () => {
    const mismatch: Graph = {
      nodes: [
        input(8, 8, 3),
        { name: 'c', op: 'conv2d', inputs: ['x'], attrs: { filters: 4, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true } },
        { name: 'sum', op: 'add', inputs: ['x', 'c'], attrs: {} },
      ],
    };
    expect(() => inferShapes(mismatch)).toThrow(ShapeError);
    expect(() => inferShapes(mismatch)).toThrow("add 'sum': expected inputs that broadcast (NumPy rules), given [1, 8, 8, 3] and [1, 6, 6, 4]");
    const denseOn4d: Graph = { nodes: [input(), { name: 'fc', op: 'dense', inputs: ['x'], attrs: { units: 3, useBias: true } }] };
    expect(() => inferShapes(denseOn4d)).toThrow(/dense 'fc': expected input of rank 2.*given input of shape \[1, 9, 7, 3\]/);
    const tooSmall: Graph = {
      nodes: [input(2, 2, 1), { name: 'mp', op: 'maxpool', inputs: ['x'], attrs: { kernel: [3, 3], strides: [1, 1], padding: 'valid' } }],
    };
    expect(() => inferShapes(tooSmall)).toThrow(/maxpool 'mp'/);
    const badCat: Graph = {
      nodes: [
        input(),
        { name: 'p', op: 'pad', inputs: ['x'], attrs: { padding: { top: 1, bottom: 0, left: 0, right: 0 } } },
        { name: 'cat', op: 'concat', inputs: ['x', 'p'], attrs: { axis: -1 } },
      ],
    };
    expect(() => inferShapes(badCat)).toThrow(/concat 'cat': expected inputs equal except along axis 3, given \[1, 9, 7, 3\], \[1, 10, 7, 3\]/);
    const badReshape: Graph = { nodes: [input(), { name: 'r', op: 'reshape', inputs: ['x'], attrs: { shape: [10, -1] } }] };
    expect(() => inferShapes(badReshape)).toThrow(/reshape 'r'/);
    const badKernel: Graph = {
      nodes: [
        input(),
        { name: 'c', op: 'conv2d', inputs: ['x'], attrs: { filters: 4, kernel: [3, 0], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true } },
      ],
    };
    expect(() => inferShapes(badKernel)).toThrow(/conv2d 'c': expected kernel as two positive integers, given \[3,0\]/);
  });
});
