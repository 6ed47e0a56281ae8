// ONNX LogSoftmax: the opset < 13 rule (normalise over the flattened axes [axis, rank)) and the opset 13 rule (one
// axis: a 4-D tensor's channels, held NHWC, or the last axis), on our engine against onnxruntime-node (CPU), batch 2,
// |Δ| ≤ 1e-5 + 1e-4·|ref|. A LogSoftmax at the output is dropped on conversion like a Softmax (the graph outputs logits).
import { describe, expect, it } from 'vitest';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { importOnnx } from '../../tools/convert-weights/onnx-import.js';
import { decodeModel, OnnxWriter } from '../fixtures/onnx-writer.js';
import { runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { expectClose, randomArray } from '../helpers.js';

const DIMS = [2, 4, 5, 3];

async function compare(bytes: Uint8Array, seed: number): Promise<void> {
  const imported = importOnnxGraph(decodeModel(bytes));
  const x = randomArray(2 * 4 * 5 * 3, seed, -3, 3);
  const ours = await runImported(imported, x, DIMS);
  const ref = await runOrt(bytes, { x: { data: x, dims: DIMS } }, ['y']);
  expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, 'log-softmax output');
}

/** opset 13: over a conv's channels (NHWC), then over W (the last ONNX axis), then a Gemm's outputs. */
function opset13(): Uint8Array {
  const w = new OnnxWriter(21);
  w.init('W', [5, 4, 3, 3], w.he(180, 36));
  w.node('Conv', ['x', 'W'], ['c'], 'conv', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  w.node('LogSoftmax', ['c'], ['lc'], 'over_channels', { axis: 1 });
  w.node('LogSoftmax', ['lc'], ['lw'], 'over_width', { axis: -1 });
  w.node('Flatten', ['lw'], ['f'], 'flatten');
  w.init('G', [75, 6], w.he(450, 75));
  w.node('Gemm', ['f', 'G'], ['g'], 'gemm');
  w.node('LogSoftmax', ['g'], ['y'], 'log_probs');
  return w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: DIMS }, outputs: [{ name: 'y', dims: [2, 6] }] });
}

describe('ONNX LogSoftmax vs onnxruntime-node (|Δ| ≤ 1e-5 + 1e-4·|ref|), batch 2', () => {
  it('opset 11: axis 1 of a 4-D tensor normalises over C·H·W; axis 1 of the logits', async () => {
    const w = new OnnxWriter(20);
    w.node('LogSoftmax', ['x'], ['l'], 'over_chw', { axis: 1 });
    w.initInt64('back', DIMS);
    w.node('Reshape', ['l', 'back'], ['l4'], 'to_nchw');
    w.init('W', [3, 4, 1, 1], w.he(12, 4));
    w.node('Conv', ['l4', 'W'], ['c'], 'conv', { kernel_shape: [1, 1] });
    w.node('Flatten', ['c'], ['f'], 'flatten');
    w.init('G', [45, 5], w.he(225, 45));
    w.node('Gemm', ['f', 'G'], ['g'], 'gemm');
    w.node('LogSoftmax', ['g'], ['y'], 'log_probs', { axis: 1 });
    const bytes = w.encode({ opset: 11, irVersion: 7, input: { name: 'x', dims: DIMS }, outputs: [{ name: 'y', dims: [2, 5] }] });
    expect(
      importOnnxGraph(decodeModel(bytes))
        .graph.nodes.filter((n) => n.op === 'logsoftmax')
        .map((n) => n.name),
    ).toEqual(['over_chw', 'log_probs']);
    await compare(bytes, 22);
  });

  it('opset 13: over the channels of a 4-D tensor, over its last axis, over the logits (default axis -1)', async () => {
    await compare(opset13(), 23);
  });

  it('the converter drops a final LogSoftmax: the graph outputs the Gemm logits and says so', async () => {
    const { graph, notes, extra } = await importOnnx('head.onnx', decodeModel(opset13()));
    const last = graph.nodes[graph.nodes.length - 1];
    expect(last).toMatchObject({ name: 'log_probs', op: 'identity', inputs: ['gemm'], attrs: { was: 'log-softmax (dropped: the output is logits)' } });
    expect(graph.nodes.filter((n) => n.op === 'logsoftmax').map((n) => n.name)).toEqual(['over_channels', 'over_width']);
    expect(notes).toContain("dropped the final log-softmax 'log_probs': the graph outputs logits");
    expect(extra.outputActivation).toBe("the log-softmax of node 'log_probs' was dropped: the output is logits");
  });
});
