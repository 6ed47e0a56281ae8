// ONNX LayerNormalization (opset 17, over the last axis) after a permute to channels-last, as
// ConvNeXt writes it when exported at opset ≥ 17: imported graph vs onnxruntime-node, |Δ| ≤ 1e-4·max|ref|.
import { expect, it } from 'vitest';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { f, OnnxWriter } from '../fixtures/onnx-writer.js';
import { runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

it('Transpose [0, 2, 3, 1] → LayerNormalization(axis -1, epsilon 1e-6) → Transpose [0, 3, 1, 2]: free permutes, one layernorm node', async () => {
  const w = new OnnxWriter(17);
  w.init('scale', [6], randomArray(6, 1, 0.5, 1.5));
  w.init('bias', [6], randomArray(6, 2));
  w.node('Transpose', ['x'], ['t'], 'to_nhwc', { perm: [0, 2, 3, 1] });
  w.node('LayerNormalization', ['t', 'scale', 'bias'], ['n'], 'norm', { axis: -1, epsilon: f(1e-6) });
  w.node('Transpose', ['n'], ['y'], 'to_nchw', { perm: [0, 3, 1, 2] });
  const bytes = w.encode({ opset: 17, irVersion: 8, input: { name: 'x', dims: [2, 6, 5, 3] }, outputs: [{ name: 'y', dims: [2, 6, 5, 3] }] });
  const imported = importOnnxGraph(decodeOnnxModel(bytes, 'ln.onnx'));
  expect(imported.graph.nodes.map((n) => n.op)).toEqual(['input', 'identity', 'layernorm', 'identity']);
  const x = randomArray(180, 3, -2, 2);
  const ours = await runImported(imported, x, [2, 6, 5, 3]);
  const ref = (await runOrt(bytes, { x: { data: x, dims: [2, 6, 5, 3] } }, ['y'])).get('y') as Float32Array;
  expectClose(ours.output, ref, 0, 1e-4 * maxAbs(ref), 'layernorm');
});
