// ONNX InstanceNormalization and GroupNormalization. InstanceNormalization alone on a 4-D map (held NHWC, normalised over H and W) and inside the pattern
// PyTorch 1.13 exports for GroupNorm (Reshape [0, G, -1] → InstanceNormalization with ones and zeros → Reshape to
// Shape(x) → Mul [C, 1, 1] → Add [C, 1, 1], as torch.onnx writes it at opset 13). Forward on our engine against
// onnxruntime-node, batch 2, odd sizes, |Δ| ≤ 1e-5 + 1e-4·|ref|. Input gradient of the top logit against float64
// central differences (h = 1e-6) of test/reference/graph.ts on the imported graph along 3 directions, 1e-3 relative.
// GroupNormalization (opset 18: scale and bias per group; opset 21: per channel) on a conv's output, forward against
// onnxruntime-node (which runs the op's ONNX function body) with the same tolerance.
import { describe, expect, it } from 'vitest';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { decodeModel, f, OnnxWriter } from '../fixtures/onnx-writer.js';
import { importedInputGradient, runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { directionalChecks } from '../reference/grad.js';
import { runGraphRef } from '../reference/graph.js';
import { expectClose, randomArray } from '../helpers.js';

const DIMS = [2, 3, 9, 7];
const [C, G] = [6, 3];

function groupNormNet(): Uint8Array {
  const w = new OnnxWriter(31);
  w.init('W', [C, 3, 3, 3], w.he(C * 27, 27));
  w.init('Wb', [C], w.uniform(C, -0.5, 0.5));
  w.node('Conv', ['x', 'W', 'Wb'], ['c'], '/c/Conv', { kernel_shape: [3, 3] });
  // GroupNorm(3, 6) as torch.onnx exports it.
  w.initInt64('groups', [0, G, -1]);
  w.node('Reshape', ['c', 'groups'], ['g'], '/g/Reshape');
  w.init('ones', [G], Float32Array.of(1, 1, 1));
  w.init('zeros', [G], Float32Array.of(0, 0, 0));
  w.node('InstanceNormalization', ['g', 'ones', 'zeros'], ['gn'], '/g/InstanceNormalization', { epsilon: f(1e-5) });
  w.node('Shape', ['c'], ['cs'], '/g/Shape');
  w.node('Reshape', ['gn', 'cs'], ['g4'], '/g/Reshape_1');
  w.init('gamma', [C, 1, 1], w.uniform(C, 0.5, 1.5));
  w.init('beta', [C, 1, 1], w.uniform(C, -0.5, 0.5));
  w.node('Mul', ['g4', 'gamma'], ['gm'], '/g/Mul');
  w.node('Add', ['gm', 'beta'], ['ga'], '/g/Add');
  w.node('Relu', ['ga'], ['r'], '/relu/Relu');
  // InstanceNorm2d(6, affine=True) on the map, epsilon 1e-3.
  w.init('scale', [C], w.uniform(C, 0.5, 1.5));
  w.init('B', [C], w.uniform(C, -0.5, 0.5));
  w.node('InstanceNormalization', ['r', 'scale', 'B'], ['in'], '/i/InstanceNormalization', { epsilon: f(1e-3) });
  // A ReLU after it: the spatial mean of an instance-normalised map is B whatever the input.
  w.node('Relu', ['in'], ['ir'], '/relu_1/Relu');
  w.node('GlobalAveragePool', ['ir'], ['gap'], '/pool/GlobalAveragePool');
  w.node('Flatten', ['gap'], ['flat'], '/Flatten');
  w.init('fc', [4, C], w.he(4 * C, C));
  w.node('Gemm', ['flat', 'fc'], ['y'], '/fc/Gemm', { transB: 1 });
  return w.encode({ opset: 13, irVersion: 7, input: { name: 'x', dims: DIMS }, outputs: [{ name: 'y', dims: [2, 4] }] });
}

describe('ONNX InstanceNormalization and the GroupNorm export pattern', () => {
  const bytes = groupNormNet();
  const x = randomArray(
    DIMS.reduce((a, b) => a * b, 1),
    32,
    -2,
    2,
  );

  it('forward = onnxruntime-node (|Δ| ≤ 1e-5 + 1e-4·|ref|), batch 2, 9×7', async () => {
    const imported = importOnnxGraph(decodeModel(bytes));
    const ours = await runImported(imported, x, DIMS);
    const ref = await runOrt(bytes, { x: { data: x, dims: DIMS } }, ['y']);
    expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, 'logits');
    // The GroupNorm's instance norm has a scale of ones and a bias of zeros: its division is its output.
    expect(imported.graph.nodes.find((n) => n.name === '/g/InstanceNormalization')?.op).toBe('div');
    expect(imported.graph.nodes.find((n) => n.name === '/i/InstanceNormalization')?.op).toBe('add');
  });

  it('input gradient = float64 central differences (h = 1e-6) along 3 directions, 1e-3 relative', async () => {
    const imported = importOnnxGraph(decodeModel(bytes));
    const one = x.slice(0, x.length / 2);
    const dims = [1, ...DIMS.slice(1)];
    // The reference runs the imported graph in float64; first its logits against onnxruntime's.
    const ort = (await runOrt(bytes, { x: { data: x, dims: DIMS } }, ['y'])).get('y')!;
    const { gradient, classIndex, feed } = await importedInputGradient('groupnorm', imported, one, dims);
    const fwd = (v: ArrayLike<number>) => runGraphRef(imported.graph, imported.params, { data: Float64Array.from(v), shape: feed.shape });
    expectClose(fwd(feed.data), ort.slice(0, 4), 1e-4, 1e-5, 'float64 reference logits vs onnxruntime');
    const checks = directionalChecks((v) => fwd(v)[classIndex], feed.data, gradient, { h: 1e-6, seed: 40, directions: 3 });
    for (const { what, ours, fd } of checks) {
      console.log(
        `${what}: ours ${ours.toExponential(4)}, float64 central differences ${fd.toExponential(4)}, relative error ${(Math.abs(ours - fd) / Math.abs(fd)).toExponential(1)}`,
      );
      expect(Math.abs(ours - fd), `${what}: ours ${ours}, central differences ${fd}`).toBeLessThanOrEqual(1e-3 * Math.abs(fd));
    }
  });
});

function groupNormalization(opset: number): Uint8Array {
  const w = new OnnxWriter(33 + opset);
  w.init('W', [C, 3, 3, 3], w.he(C * 27, 27));
  w.node('Conv', ['x', 'W'], ['c'], 'conv', { kernel_shape: [3, 3], pads: [1, 0, 1, 0] });
  const n = opset >= 21 ? C : G;
  w.init('scale', [n], w.uniform(n, 0.5, 1.5));
  w.init('bias', [n], w.uniform(n, -0.5, 0.5));
  w.node('GroupNormalization', ['c', 'scale', 'bias'], ['gn'], 'group_norm', { num_groups: G, epsilon: f(1e-4) });
  w.node('Relu', ['gn'], ['y'], 'relu');
  return w.encode({ opset, irVersion: opset >= 21 ? 10 : 8, input: { name: 'x', dims: DIMS }, outputs: [{ name: 'y', dims: [2, C, 9, 5] }] });
}

describe('ONNX GroupNormalization = onnxruntime-node (|Δ| ≤ 1e-5 + 1e-4·|ref|), batch 2, 9×7 → 9×5', () => {
  for (const opset of [18, 21]) {
    it(`opset ${opset}: scale and bias per ${opset >= 21 ? 'channel' : 'group'}`, async () => {
      const bytes = groupNormalization(opset);
      const x = randomArray(
        DIMS.reduce((a, b) => a * b, 1),
        34,
        -2,
        2,
      );
      const ours = await runImported(importOnnxGraph(decodeModel(bytes)), x, DIMS);
      const ref = await runOrt(bytes, { x: { data: x, dims: DIMS } }, ['y']);
      expectClose(ours.output, ref.get('y')!, 1e-4, 1e-5, `group norm (opset ${opset})`);
    });
  }
});
