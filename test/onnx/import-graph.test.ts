// The ONNX graph importer on small files written by the fixtures: what it builds (nodes, attributes,
// exact parameter layouts), what it refuses (one error listing everything), and two small mixed
// graphs run on our engine against onnxruntime-node (CPU) with batch 2 and odd sizes.
// Parameter layouts are checked exactly (they are copies); forwards with |Δ| ≤ 1e-5 + 1e-4·|ref|.
import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../src/models/graph.js';
import { importOnnxGraph, OnnxImportError } from '../../tools/convert-weights/onnx-graph.js';
import { decodeModel, f, OnnxWriter } from '../fixtures/onnx-writer.js';
import { runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { expectClose, randomArray } from '../helpers.js';

function nodeOf(nodes: GraphNode[], name: string): GraphNode {
  const n = nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node '${name}' among ${nodes.map((x) => x.name).join(', ')}`);
  return n;
}

function importError(run: () => unknown): OnnxImportError {
  try {
    run();
  } catch (e) {
    if (e instanceof OnnxImportError) return e;
    throw e;
  }
  throw new Error('expected an OnnxImportError');
}

describe('ONNX graph import: structure and parameters (exact)', () => {
  it('Conv: OIHW → HWIO, bias, strides, dilations; SAME_UPPER → same, SAME_LOWER → explicit pads (odd pixel first)', () => {
    const w = new OnnxWriter(1);
    const weight = Float32Array.from({ length: 4 * 3 * 3 * 2 }, (_, i) => i);
    w.init('W', [4, 3, 3, 2], weight);
    w.init('B', [4], Float32Array.of(1, 2, 3, 4));
    w.init('W2', [4, 4, 3, 3], randomArray(144, 2));
    w.node('Conv', ['x', 'W', 'B'], ['c1'], 'conv_upper', { auto_pad: 'SAME_UPPER', strides: [2, 1], kernel_shape: [3, 2] });
    w.node('Conv', ['c1', 'W2'], ['c2'], 'conv_lower', { auto_pad: 'SAME_LOWER', strides: [2, 2], dilations: [1, 2] });
    const m = decodeModel(w.encode({ opset: 11, irVersion: 7, input: { name: 'x', dims: [1, 3, 8, 7] }, outputs: [{ name: 'c2', dims: [1, 4, 2, 4] }] }));
    const { graph, params, input, output } = importOnnxGraph(m);
    expect(graph.nodes.map((n) => n.name)).toEqual(['x', 'conv_upper', 'conv_lower']);
    expect(nodeOf(graph.nodes, 'x')).toMatchObject({ op: 'input', attrs: { height: 8, width: 7, channels: 3 } });
    expect(nodeOf(graph.nodes, 'conv_upper')).toMatchObject({
      op: 'conv2d',
      attrs: { filters: 4, kernel: [3, 2], strides: [2, 1], dilations: [1, 1], padding: 'same', useBias: true },
    });
    // c1 is 4×7; SAME_LOWER with kernel 3, stride 2, dilation (1, 2): total padding 1 (rows: the odd pixel on top) and 4 (cols).
    expect(nodeOf(graph.nodes, 'conv_lower')).toMatchObject({
      attrs: { dilations: [1, 2], padding: { top: 1, bottom: 0, left: 2, right: 2 }, useBias: false },
    });
    const k = params.get('conv_upper/kernel');
    expect(k?.shape).toEqual([3, 2, 3, 4]);
    for (let o = 0; o < 4; o++)
      for (let i = 0; i < 3; i++)
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 2; x++) {
            expect(k!.data[((y * 2 + x) * 3 + i) * 4 + o]).toBe(weight[((o * 3 + i) * 3 + y) * 2 + x]);
          }
    expect(Array.from(params.get('conv_upper/bias')!.data)).toEqual([1, 2, 3, 4]);
    expect([...params.keys()].sort()).toEqual(['conv_lower/kernel', 'conv_upper/bias', 'conv_upper/kernel']);
    expect(input).toEqual({ name: 'x', onnxShape: [1, 3, 8, 7], ourShape: [1, 8, 7, 3], layout: 'nhwc' });
    expect(output).toEqual({ name: 'c2', onnxShape: [1, 4, 2, 4], ourShape: [1, 2, 4, 4], layout: 'nhwc' });
  });

  it('Gemm: kernel = alpha·Bᵀ (transB) as (in, out), bias = beta·C broadcast; MatMul: B as stored; Flatten of a feature map is channel-major', () => {
    const w = new OnnxWriter(3);
    const b = Float32Array.from({ length: 5 * 12 }, (_, i) => i - 30);
    w.init('B', [5, 12], b);
    w.init('C', [1], Float32Array.of(2));
    w.init('M', [5, 2], Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    w.node('Flatten', ['x'], ['flat'], '');
    w.node('Gemm', ['flat', 'B', 'C'], ['g'], 'fc', { transB: 1, alpha: f(0.5), beta: f(-3) });
    w.node('MatMul', ['g', 'M'], ['y'], 'mm');
    const m = decodeModel(w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: ['N', 3, 2, 2] }, outputs: [{ name: 'y', dims: ['N', 2] }] }));
    const { graph, params } = importOnnxGraph(m);
    expect(nodeOf(graph.nodes, 'flat')).toMatchObject({ op: 'flatten', attrs: { order: 'nchw' } });
    expect(nodeOf(graph.nodes, 'fc')).toMatchObject({ op: 'dense', attrs: { units: 5, useBias: true } });
    const kernel = params.get('fc/kernel')!;
    expect(kernel.shape).toEqual([12, 5]);
    for (let i = 0; i < 12; i++) for (let j = 0; j < 5; j++) expect(kernel.data[i * 5 + j]).toBe(0.5 * b[j * 12 + i]);
    expect(Array.from(params.get('fc/bias')!.data)).toEqual([-6, -6, -6, -6, -6]);
    expect(params.get('mm/kernel')).toEqual({ shape: [5, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) });
    expect(params.has('mm/bias')).toBe(false);
  });

  it('Concat axes map NCHW → NHWC; Pad from the attribute (opset 10) and from inputs (opset 11) give the same node', () => {
    const build = (opset: number) => {
      const w = new OnnxWriter(4);
      w.node('Concat', ['x', 'x'], ['cc'], 'cat_c', { axis: 1 });
      w.node('Concat', ['cc', 'cc'], ['ch'], 'cat_h', { axis: -2 });
      if (opset < 11) w.node('Pad', ['ch'], ['p'], 'pad', { pads: [0, 0, 1, 2, 0, 0, 3, 0], value: f(0.25) });
      else {
        w.initInt64('pads', [0, 0, 1, 2, 0, 0, 3, 0]);
        w.init('v', [], Float32Array.of(0.25));
        w.node('Pad', ['ch', 'pads', 'v'], ['p'], 'pad', { mode: 'constant' });
      }
      return importOnnxGraph(
        decodeModel(w.encode({ opset, irVersion: 7, input: { name: 'x', dims: [1, 2, 3, 3] }, outputs: [{ name: 'p', dims: [1, 4, 10, 5] }] })),
      );
    };
    const old = build(10),
      current = build(11);
    expect(nodeOf(old.graph.nodes, 'cat_c').attrs).toEqual({ axis: 3 });
    expect(nodeOf(old.graph.nodes, 'cat_h').attrs).toEqual({ axis: 1 });
    expect(nodeOf(old.graph.nodes, 'pad')).toMatchObject({ op: 'pad', attrs: { padding: { top: 1, left: 2, bottom: 3, right: 0 }, value: 0.25 } });
    expect(current.graph).toEqual(old.graph);
    expect(current.output.ourShape).toEqual([1, 10, 5, 4]);
  });

  it('names: node.name, else the first output; duplicates get _1; helper nodes are named after their node; dead branches are dropped', () => {
    const w = new OnnxWriter(5);
    w.node('Relu', ['x'], ['r_out'], '');
    w.node('Relu', ['r_out'], ['dup_a'], 'dup');
    w.node('Relu', ['dup_a'], ['dup_b'], 'dup');
    w.node('Relu', ['x'], ['unused'], 'dead_end');
    w.initInt64('shape', [0, -1]);
    w.node('Reshape', ['dup_b', 'shape'], ['y'], 'reshape');
    w.node('Softmax', ['y'], ['z'], 'softmax', { axis: 1 });
    const m = decodeModel(w.encode({ opset: 11, irVersion: 7, input: { name: 'x', dims: [1, 2, 2, 3] }, outputs: [{ name: 'z', dims: [1, 12] }] }));
    const { graph } = importOnnxGraph(m);
    expect(graph.nodes.map((n) => `${n.name}:${n.op}`)).toEqual(['x:input', 'r_out:relu', 'dup:relu', 'dup_1:relu', 'reshape:flatten', 'softmax:softmax']);
    expect(nodeOf(graph.nodes, 'reshape').attrs).toEqual({ order: 'nchw' });
    expect(nodeOf(graph.nodes, 'dup').role).toBe('feature-map');
  });

  it('unknown op types: ONE error listing each type with its node names (other domains named with theirs)', () => {
    const w = new OnnxWriter(6);
    w.node('Cos', ['x'], ['a'], 'cos1');
    w.node('Cos', ['a'], ['b'], '');
    w.node('Hardmax', ['b'], ['c'], 't');
    w.node('Relu', ['c'], ['d'], 'ok');
    const bytes = w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: [1, 2, 2, 2] }, outputs: [{ name: 'd', dims: [1, 2, 2, 2] }] });
    const e = importError(() => importOnnxGraph(decodeModel(bytes, 'bad.onnx')));
    expect(e.problems).toEqual([
      { opType: 'Cos', nodes: ['cos1', 'b'] },
      { opType: 'Hardmax', nodes: ['t'] },
    ]);
    expect(e.message).toBe('cannot import bad.onnx: unsupported ONNX op types:\n  Cos (cos1, b)\n  Hardmax (t)');
  });

  it('unsupported cases of known ops: every one listed in one error, nodes after them not blamed', () => {
    const w = new OnnxWriter(7);
    w.init('W', [4, 4, 3, 3, 3], randomArray(432, 8));
    w.init('bias5', [5], randomArray(5, 9));
    w.node('Conv', ['x', 'W'], ['g'], 'grouped', { kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] });
    w.node('Relu', ['g'], ['gr'], 'after_grouped');
    w.init('rows5', [1, 1, 5, 1], randomArray(5, 9));
    w.node('Sum', ['x', 'rows5', 'x'], ['s'], 'add_rows');
    w.node('Relu', ['x'], ['xr'], 'relu');
    w.node('Add', ['x', 'xr'], ['s2'], 'add_ok');
    // 5×5, kernel 2, taps 6 apart, pads 4 (< span 7): the window at row −1 has taps −1 and 5, both outside.
    w.node('MaxPool', ['s2'], ['mp'], 'empty_window_pool', { kernel_shape: [2, 2], dilations: [6, 6], pads: [4, 4, 4, 4] });
    w.node('Sum', ['gr', 's', 'mp'], ['y'], 'sum');
    const bytes = w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: [1, 4, 5, 5] }, outputs: [{ name: 'y', dims: [1, 4, 5, 5] }] });
    const e = importError(() => importOnnxGraph(decodeModel(bytes, 'cases.onnx')));
    expect(e.problems.map((p) => [p.opType, p.nodes])).toEqual([
      ['Conv', ['grouped']],
      ['Sum', ['add_rows']],
      ['MaxPool', ['empty_window_pool']],
    ]);
    expect(e.problems[0].reason).toMatch(/3-D convolution/);
    expect(e.problems[1].reason).toBe(
      'broadcasting [1, 4, 5, 5] with [1, 1, 5, 1] with [1, 4, 5, 5] in a Sum of 3 (only equal shapes or one value per channel)',
    );
    expect(e.problems[2].reason).toMatch(/dilations \[6, 6\] with pads .* leave a window with padding only/);
  });

  it(
    'dilated pools carry dilations; constant operands become constant nodes (NCHW constants stored NHWC, ' +
      'per-channel constants as [C]); Gemm with a per-row C adds a constant',
    () => {
      const w = new OnnxWriter(9);
      const full = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);
      w.init('full', [2, 3, 4, 5], full);
      w.init('bias', [3, 1, 1], Float32Array.of(10, 20, 30));
      w.node('Add', ['full', 'x'], ['a'], 'add_full');
      w.node('Sum', ['a', 'bias', 'x'], ['s'], 'sum_bias');
      w.node('Concat', ['s', 'full'], ['cat'], 'cat', { axis: 1 });
      w.node('MaxPool', ['cat'], ['mp'], 'mp', { kernel_shape: [2, 2], dilations: [2, 1], pads: [1, 0, 1, 0] });
      w.node('AveragePool', ['mp'], ['ap'], 'ap', { kernel_shape: [2, 2], strides: [1, 1] });
      w.node('Flatten', ['ap'], ['fl'], 'flat');
      w.init('G', [54, 3], randomArray(162, 10));
      w.init('GC', [2, 1], Float32Array.of(1, 2));
      w.node('Gemm', ['fl', 'G', 'GC'], ['y'], 'gemm', { beta: f(0.5) });
      const m = decodeModel(w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: [2, 3, 4, 5] }, outputs: [{ name: 'y', dims: [2, 3] }] }));
      const { graph, params } = importOnnxGraph(m);
      expect(graph.nodes.map((n) => `${n.name}:${n.op}`)).toEqual([
        'x:input',
        'full:constant',
        'add_full:add',
        'sum_bias_channels:constant',
        'sum_bias_partial1:add',
        'sum_bias:add',
        'cat:concat',
        'mp:maxpool',
        'ap:avgpool',
        'flat:flatten',
        'gemm_product:dense',
        'gemm_C:constant',
        'gemm:add',
      ]);
      expect(nodeOf(graph.nodes, 'full')).toMatchObject({ op: 'constant', inputs: [], attrs: { shape: [2, 4, 5, 3] } });
      expect(nodeOf(graph.nodes, 'add_full').inputs).toEqual(['full', 'x']);
      expect(nodeOf(graph.nodes, 'sum_bias').inputs).toEqual(['sum_bias_partial1', 'sum_bias_channels']);
      expect(nodeOf(graph.nodes, 'cat')).toMatchObject({ inputs: ['sum_bias', 'full'], attrs: { axis: 3 } });
      expect(nodeOf(graph.nodes, 'mp').attrs).toEqual({
        kernel: [2, 2],
        strides: [1, 1],
        padding: { top: 1, left: 0, bottom: 1, right: 0 },
        dilations: [2, 1],
      });
      expect(nodeOf(graph.nodes, 'ap').attrs).toEqual({ kernel: [2, 2], strides: [1, 1], padding: 'valid', countIncludePad: false });
      // The constant operand read twice is one node; its NCHW values are stored NHWC.
      const stored = params.get('full/value')!;
      expect(stored.shape).toEqual([2, 4, 5, 3]);
      for (let n = 0; n < 2; n++)
        for (let c = 0; c < 3; c++)
          for (let h = 0; h < 4; h++)
            for (let x = 0; x < 5; x++) {
              expect(stored.data[((n * 4 + h) * 5 + x) * 3 + c]).toBe(full[((n * 3 + c) * 4 + h) * 5 + x]);
            }
      expect(params.get('sum_bias_channels/value')).toEqual({ shape: [3], data: Float32Array.of(10, 20, 30) });
      expect(params.get('gemm_C/value')).toEqual({ shape: [2, 3], data: Float32Array.of(0.5, 0.5, 0.5, 1, 1, 1) });
      expect(params.has('gemm_product/bias')).toBe(false);
      // A bias added to the input chain makes nothing a residual branch or skip.
      expect(nodeOf(graph.nodes, 'sum_bias').role).toBe('feature-map');
      expect(nodeOf(graph.nodes, 'x').role).toBe('feature-map');
    },
  );

  it('several outputs need the output option; symbolic height/width need inputSize; one data input only', () => {
    const w = new OnnxWriter(8);
    w.node('Relu', ['x'], ['a'], 'a');
    w.node('GlobalAveragePool', ['a'], ['b'], 'gap');
    const bytes = w.encode({
      opset: 13,
      irVersion: 7,
      input: { name: 'x', dims: ['N', 3, 'H', 'W'] },
      outputs: [
        { name: 'a', dims: ['N', 3, 'H', 'W'] },
        { name: 'b', dims: ['N', 3, 1, 1] },
      ],
    });
    const m = decodeModel(bytes);
    expect(importError(() => importOnnxGraph(m)).problems[0].reason).toMatch(/2 graph outputs/);
    expect(importError(() => importOnnxGraph(m, { output: 'b' })).problems[0].reason).toMatch(/symbolic dimension 2 \(H\); pass inputSize/);
    const { graph, output } = importOnnxGraph(m, { output: 'b', inputSize: { height: 6, width: 5 } });
    expect(graph.nodes.map((n) => n.name)).toEqual(['x', 'a', 'gap']);
    expect(output).toEqual({ name: 'b', onnxShape: [1, 3, 1, 1], ourShape: [1, 3], layout: 'rowmajor' });
    const two = { ...m, graph: { ...m.graph, dataInputs: [...m.graph.dataInputs, { name: 'y', type: m.graph.dataInputs[0].type }] } };
    expect(importError(() => importOnnxGraph(two, { output: 'b' })).problems[0].reason).toMatch(/2 data inputs/);
  });
});

describe('ONNX graph import: small mixed graphs on our engine = onnxruntime-node (|Δ| ≤ 1e-5 + 1e-4·|ref|), batch 2', () => {
  it(
    'Pad(value) → Conv SAME_LOWER/2 → BN → Relu, dilated Conv, Add, Sum of 3, ceil-mode AveragePool ' +
      'counting pads, SAME_UPPER MaxPool, Concat, GAP, Reshape(0,-1), Flatten, Gemm, MatMul, Softmax',
    async () => {
      const w = new OnnxWriter(11);
      w.initInt64('pads', [0, 0, 1, 0, 0, 0, 2, 1]);
      w.init('pad_value', [], Float32Array.of(0.5));
      w.node('Pad', ['x', 'pads', 'pad_value'], ['p'], 'pad');
      w.init('W1', [5, 3, 3, 3], w.he(135, 27));
      w.init('B1', [5], w.uniform(5, -0.5, 0.5));
      w.node('Conv', ['p', 'W1', 'B1'], ['c1'], 'conv1', { auto_pad: 'SAME_LOWER', strides: [2, 2], kernel_shape: [3, 3] });
      w.node('BatchNormalization', ['c1', ...w.batchNormParams('bn', 5)], ['bn'], 'bn', { epsilon: f(1e-3) });
      w.node('Relu', ['bn'], ['r1'], 'relu1');
      w.init('W2', [5, 5, 3, 3], w.he(225, 45));
      w.node('Conv', ['r1', 'W2'], ['c2'], 'conv2', { dilations: [2, 2], pads: [2, 2, 2, 2], kernel_shape: [3, 3] });
      w.node('Add', ['r1', 'c2'], ['a'], 'add');
      w.node('Sum', ['a', 'c2', 'c1'], ['s3'], 'sum3');
      w.node('AveragePool', ['s3'], ['ap'], 'avgpool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 });
      w.node('MaxPool', ['a'], ['mp'], 'maxpool', { kernel_shape: [2, 2], auto_pad: 'SAME_UPPER' });
      w.node('Concat', ['a', 'mp'], ['cat'], 'concat', { axis: 1 });
      w.node('GlobalAveragePool', ['cat'], ['gap'], 'gap');
      w.initInt64('flat_shape', [0, -1]);
      w.node('Reshape', ['ap', 'flat_shape'], ['apf'], 'ap_flat');
      w.node('Flatten', ['gap'], ['gapf'], 'gap_flat');
      w.node('Concat', ['gapf', 'apf'], ['feat'], 'features', { axis: 1 });
      w.init('G', [6, 70], w.he(420, 70));
      w.init('GC', [1, 6], w.uniform(6, -1, 1));
      w.node('Gemm', ['feat', 'G', 'GC'], ['g'], 'gemm', { transB: 1, alpha: f(0.5), beta: f(2) });
      w.init('M', [6, 4], w.he(24, 6));
      w.node('MatMul', ['g', 'M'], ['mm'], 'matmul');
      w.node('Softmax', ['mm'], ['y'], 'softmax', { axis: 1 });
      const bytes = w.encode({ opset: 11, irVersion: 7, input: { name: 'x', dims: ['N', 3, 9, 7] }, outputs: [{ name: 'y', dims: ['N', 4] }] });
      const imported = importOnnxGraph(decodeModel(bytes));
      const x = randomArray(2 * 3 * 9 * 7, 12, -2, 2);
      const dims = [2, 3, 9, 7];
      const ours = await runImported(imported, x, dims, ['add']);
      const ref = await runOrt(bytes, { x: { data: x, dims } }, ['y']);
      expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, 'softmax output');
      expect(ours.kept.get('add')?.shape).toEqual([2, 6, 4, 5]);
    },
  );

  it(
    'dilated MaxPool (ceil mode) and AveragePool (count_include_pad), Add of a constant, a per-channel ' +
      'bias in Sum, Concat with a constant, Gemm with a per-row C (opset 19)',
    async () => {
      const w = new OnnxWriter(15);
      w.init('full', [2, 3, 9, 7], w.uniform(2 * 3 * 9 * 7, -1, 1));
      w.init('bias', [1, 3, 1, 1], w.uniform(3, -1, 1));
      w.node('Add', ['x', 'full'], ['a'], 'add_full');
      w.node('Sum', ['bias', 'a', 'x'], ['s'], 'sum_bias');
      w.node('Concat', ['full', 's'], ['cat'], 'cat', { axis: 1 });
      w.node('MaxPool', ['cat'], ['mp'], 'mp', { kernel_shape: [3, 2], strides: [2, 1], dilations: [2, 3], pads: [1, 0, 2, 1], ceil_mode: 1 });
      w.node('AveragePool', ['mp'], ['ap'], 'ap', { kernel_shape: [2, 2], strides: [1, 2], dilations: [2, 2], pads: [1, 1, 1, 0], count_include_pad: 1 });
      w.node('Flatten', ['ap'], ['fl'], 'flat');
      w.init('G', [60, 4], w.he(240, 60));
      w.init('GC', [2, 4], w.uniform(8, -1, 1));
      w.node('Gemm', ['fl', 'G', 'GC'], ['y'], 'gemm', { beta: f(0.5) });
      const bytes = w.encode({ opset: 19, irVersion: 9, input: { name: 'x', dims: [2, 3, 9, 7] }, outputs: [{ name: 'y', dims: [2, 4] }] });
      const imported = importOnnxGraph(decodeModel(bytes));
      const x = randomArray(2 * 3 * 9 * 7, 16, -2, 2);
      const dims = [2, 3, 9, 7];
      const ours = await runImported(imported, x, dims, ['mp', 'ap']);
      const ref = await runOrt(bytes, { x: { data: x, dims } }, ['y']);
      expect(ours.kept.get('mp')?.shape).toEqual([2, 5, 5, 6]);
      expect(ours.kept.get('ap')?.shape).toEqual([2, 5, 2, 6]);
      expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, 'gemm output');
    },
  );

  it('layout changes: Softmax over C·H·W (opset 11) → Reshape to NCHW (row-major) → Relu → Flatten → Reshape [N, C, 1, 1] → 1×1 Conv', async () => {
    const w = new OnnxWriter(13);
    w.node('Softmax', ['x'], ['s'], 'softmax', { axis: 1 });
    w.initInt64('back', [2, 4, 5, 5]);
    w.node('Reshape', ['s', 'back'], ['s4'], 'to_nchw');
    w.node('Relu', ['s4'], ['r'], 'relu');
    w.node('Flatten', ['r'], ['f'], 'flatten');
    w.initInt64('pix', [2, 100, 1, 1]);
    w.node('Reshape', ['f', 'pix'], ['p'], 'to_pixels');
    w.init('W', [3, 100, 1, 1], w.he(300, 100));
    w.node('Conv', ['p', 'W'], ['y'], 'conv', { kernel_shape: [1, 1] });
    const bytes = w.encode({ opset: 11, irVersion: 7, input: { name: 'x', dims: [2, 4, 5, 5] }, outputs: [{ name: 'y', dims: [2, 3, 1, 1] }] });
    const imported = importOnnxGraph(decodeModel(bytes));
    expect(imported.output.layout).toBe('nhwc');
    const x = randomArray(200, 14, -3, 3);
    const ours = await runImported(imported, x, [2, 4, 5, 5]);
    const ref = await runOrt(bytes, { x: { data: x, dims: [2, 4, 5, 5] } }, ['y']);
    expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, 'conv output');
  });
});
