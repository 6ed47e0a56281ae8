// The training graph's loss and weight gradients against TensorFlow.js (CPU backend, tf.grads): a
// small scenes-resnet (21×21 input, so the padded 4×4 stride-2 stem, the 2×2 average pools and the
// 3×3 'same' smoothing pool see odd sizes; batch 3; widths 5–6, not multiples of 4, and 8–16; both
// shortcut kinds) in training mode, i.e. batchnorm on the batch's statistics (tf.moments, biased
// variance) differentiated through, softmax cross-entropy on
// one-hot targets. Tolerances: loss 1e-4 relative; gradients 2e-3 relative + 2e-3·max|ref| + 1e-6
// absolute (a conv bias that reaches the loss only through batchnorms has gradient exactly 0 in exact
// arithmetic, so both sides are float32 rounding noise, up to ~2e-7, there).
import { describe, expect, it } from 'vitest';
import type { Tensor as TfTensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { Tape, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { runGraph } from '../../src/models/execute.js';
import type { Graph } from '../../src/models/graph.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { scenesResnetGraph } from '../../src/models/scenes-resnet.js';
import { softmaxCrossEntropy } from '../../src/ops/loss.js';
import { initialParameters } from '../../src/train/initialise.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';

const N = 3,
  SIZE = 21,
  CLASSES = 8;

/**
 * Average pooling as window sums (a depthwise conv with a ones filter) over window counts, which
 * excludes padding from the count: tf.avgPool's own gradient is wrong with padding (see
 * test/ops/pool.test.ts), so the reference is built from ops whose gradients are right.
 */
function averagePool(tf: Tf, x: Tensor4D, kernel: [number, number], strides: [number, number], padding: unknown, countIncludePad: boolean): TfTensor {
  if (padding !== 'valid' && padding !== 'same') throw new Error('only valid/same pooling is used here');
  if (countIncludePad && padding === 'same') throw new Error('count-include-pad is not used here');
  const c = x.shape[3];
  const ones = tf.ones([kernel[0], kernel[1], c, 1]) as Tensor4D;
  const sums = tf.depthwiseConv2d(x, ones, strides, padding);
  const counts = tf.depthwiseConv2d(tf.ones([1, x.shape[1], x.shape[2], 1]) as Tensor4D, tf.ones([kernel[0], kernel[1], 1, 1]) as Tensor4D, strides, padding);
  return tf.div(sums, counts);
}

/** The graph evaluated with tfjs-core ops, training-mode batchnorm; `p` maps parameter names to tf tensors. */
function tfForward(tf: Tf, graph: Graph, x: TfTensor, p: Map<string, TfTensor>): TfTensor {
  const values = new Map<string, TfTensor>();
  for (const node of graph.nodes) {
    const input = values.get(node.inputs[0]) as TfTensor;
    const w = (kind: string) => p.get(`${node.name}/${kind}`) as TfTensor;
    let y: TfTensor;
    switch (node.op) {
      case 'input':
        y = x;
        break;
      case 'conv2d': {
        const pad = node.attrs.padding;
        const tfPad =
          typeof pad === 'string'
            ? pad
            : ([
                [0, 0],
                [pad.top, pad.bottom],
                [pad.left, pad.right],
                [0, 0],
              ] as [[number, number], [number, number], [number, number], [number, number]]);
        y = tf.conv2d(input as Tensor4D, w('kernel') as Tensor4D, node.attrs.strides, tfPad);
        if (node.attrs.useBias) y = tf.add(y, w('bias'));
        break;
      }
      case 'batchnorm': {
        const { mean, variance } = tf.moments(input, [0, 1, 2]);
        y = tf.add(tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, node.attrs.epsilon))), w('gamma')), w('beta'));
        break;
      }
      case 'relu':
        y = tf.relu(input);
        break;
      case 'avgpool':
        y = averagePool(tf, input as Tensor4D, node.attrs.kernel, node.attrs.strides, node.attrs.padding, node.attrs.countIncludePad);
        break;
      case 'add':
        y = tf.add(input, values.get(node.inputs[1]) as TfTensor);
        break;
      case 'globalavgpool':
        y = tf.mean(input, [1, 2]);
        break;
      case 'dense':
        y = tf.add(tf.matMul(input as Tensor2D, w('kernel') as Tensor2D), w('bias'));
        break;
      default:
        throw new Error(`op ${node.op} is not in scenes-resnet`);
    }
    values.set(node.name, y);
  }
  return values.get(graph.nodes[graph.nodes.length - 1].name) as TfTensor;
}

describe('scenes-resnet training graph', () => {
  // Widths not multiples of 4 (scalar kernels) and multiples of 4 (the vec4 kernels the real model uses).
  it.each([
    { widths: [6, 5, 6], strides: [1, 2, 2] },
    { widths: [8, 8, 16], strides: [2, 2, 1] },
  ])(
    'loss and every weight gradient match tf.grads, widths $widths, strides $strides (loss rtol 1e-4; gradients rtol 2e-3 + 2e-3·max|ref| + 1e-6)',
    async ({ widths, strides }) => {
      const graph = scenesResnetGraph({ size: SIZE, stemFilters: widths[0], stageFilters: widths, stageStrides: strides, blocks: [1, 1, 1] });
      const initial = initialParameters(graph, 9);
      // Non-trivial γ and β, so their gradients and the normalisation's scale are both exercised.
      const specs = parameterSpecs(graph);
      specs.forEach((s, k) => {
        if (s.kind === 'gamma') initial.set(s.name, { shape: s.shape, data: randomArray(s.shape[0], 50 + k, 0.5, 1.5) });
        if (s.kind === 'beta' || s.kind === 'bias') initial.set(s.name, { shape: s.shape, data: randomArray(s.shape[0], 50 + k, -0.2, 0.2) });
      });
      const xData = randomArray(N * SIZE * SIZE * 3, 7);
      const targets = new Float32Array(N * CLASSES);
      [2, 5, 7].forEach((c, n) => (targets[n * CLASSES + c] = 1));

      const trainable = specs.filter((s) => s.kind !== 'moving_mean' && s.kind !== 'moving_variance');
      const params = new Map<string, Tensor>(specs.map((s) => [s.name, tensor((initial.get(s.name) as { data: Float32Array }).data, s.shape)]));
      for (const s of trainable) (params.get(s.name) as Tensor).requiresGrad = true;
      const tape = new Tape();
      const { loss, grads } = tidy(() => {
        const loss = tape.record(() => {
          const r = runGraph(graph, params, tensor(xData, [N, SIZE, SIZE, 3]), {}, { training: true });
          return softmaxCrossEntropy(r.logits, tensor(targets, [N, CLASSES]));
        });
        return { loss, grads: tape.backward(loss).grads };
      });
      tape.dispose();

      const tf = await tfjs();
      const x = tf.tensor4d(xData, [N, SIZE, SIZE, 3]);
      const f = (...ws: TfTensor[]) => {
        const p = new Map(trainable.map((s, i) => [s.name, ws[i]]));
        return tf.losses.softmaxCrossEntropy(tf.tensor2d(targets, [N, CLASSES]), tfForward(tf, graph, x, p));
      };
      const inputs = trainable.map((s) => tf.tensor((initial.get(s.name) as { data: Float32Array }).data, [...s.shape]));
      expectClose(await loss.read(), await f(...inputs).data(), 1e-4, 1e-6, 'loss');
      const refGrads = tf.grads(f)(inputs);
      for (const [i, s] of trainable.entries()) {
        const ours = grads.get(params.get(s.name) as Tensor);
        expect(ours, `gradient of ${s.name}`).toBeDefined();
        const ref = await refGrads[i].data();
        expectClose(await (ours as Tensor).read(), ref, 2e-3, 2e-3 * maxAbs(ref) + 1e-6, `d loss / d ${s.name}`);
      }
    },
  );
});
