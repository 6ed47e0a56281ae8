// Shape-computing subgraphs folded at import (tools/convert-weights/onnx-graph-fold.ts): the
// Shape → Gather → Unsqueeze → Concat → Reshape chain exporters write for a flatten or a channel
// shuffle, with Cast, Range, ConstantOfShape and arithmetic on the folded values. The graph keeps
// only the computing nodes; its output equals onnxruntime-node's on the same file (|Δ| ≤ 1e-5·max|ref|).
import { expect, it } from 'vitest';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { OnnxWriter } from '../fixtures/onnx-writer.js';
import { runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

it('ShuffleNet-style channel shuffle with shapes computed by Shape/Gather/Div/Unsqueeze/Concat, then a Range/Cast/ConstantOfShape bias', async () => {
  const w = new OnnxWriter(13);
  w.initInt64('i0', [0]);
  w.initInt64('i1', [1]);
  w.initInt64('i2', [2]);
  w.initInt64('i3', [3]);
  w.initInt64('two', [2]);
  w.initInt64('minus1', [-1]);
  // s = Shape(x) = [N, C, H, W]; n, c, h, w gathered; groups 2.
  w.node('Shape', ['x'], ['s'], 'shape');
  for (const [k, name] of [
    ['i0', 'n'],
    ['i1', 'c'],
    ['i2', 'h'],
    ['i3', 'w'],
  ] as const)
    w.node('Gather', ['s', k], [name], `gather_${name}`, { axis: 0 });
  w.node('Div', ['c', 'two'], ['cg'], 'channels_per_group');
  w.node('Concat', ['n', 'two', 'cg', 'h', 'w'], ['shape5'], 'shape5', { axis: 0 });
  w.node('Reshape', ['x', 'shape5'], ['x5'], 'split_groups');
  w.node('Transpose', ['x5'], ['t5'], 'shuffle', { perm: [0, 2, 1, 3, 4] });
  w.node('Concat', ['n', 'minus1', 'h', 'w'], ['shape4'], 'shape4', { axis: 0 });
  w.node('Reshape', ['t5', 'shape4'], ['shuffled'], 'merge_groups');
  // bias[c] = c (float), shaped [C, 1, 1] from a Range over the folded channel count, plus ConstantOfShape's zeros.
  w.initInt64('zero', [0]);
  w.initInt64('one', [1]);
  w.initInt64('axes12', [1, 2]);
  w.node('Squeeze', ['c'], ['c_scalar'], 'c_scalar');
  w.node('Squeeze', ['zero'], ['zero_scalar'], 'zero_scalar');
  w.node('Squeeze', ['one'], ['one_scalar'], 'one_scalar');
  w.node('Range', ['zero_scalar', 'c_scalar', 'one_scalar'], ['r'], 'range');
  w.node('Cast', ['r'], ['rf'], 'cast', { to: 1 });
  w.node('Unsqueeze', ['rf', 'axes12'], ['ramp'], 'ramp');
  w.node('Concat', ['c', 'one', 'one'], ['shape_c11'], 'shape_c11', { axis: 0 });
  w.node('ConstantOfShape', ['shape_c11'], ['zeros'], 'zeros');
  w.node('Add', ['zeros', 'ramp'], ['bias'], 'bias');
  w.node('Add', ['shuffled', 'bias'], ['y'], 'add_bias');
  const bytes = w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: [1, 6, 3, 5] }, outputs: [{ name: 'y', dims: [1, 6, 3, 5] }] });
  const imported = importOnnxGraph(decodeOnnxModel(bytes, 'fold.onnx'));
  // What is left computes: NHWC → NCHW order (a channel-major flatten), the shuffle's transpose and the bias add (the bias folded).
  expect(imported.graph.nodes.map((n) => n.op).filter((op) => !['reshape', 'identity', 'constant'].includes(op))).toEqual([
    'input',
    'flatten',
    'transpose',
    'add',
  ]);
  const x = randomArray(90, 4, -2, 2);
  const ours = await runImported(imported, x, [1, 6, 3, 5]);
  const ref = (await runOrt(bytes, { x: { data: x, dims: [1, 6, 3, 5] } }, ['y'])).get('y') as Float32Array;
  expectClose(ours.output, ref, 0, 1e-5 * maxAbs(ref), 'shuffled + folded bias');
});
