// End to end: a small residual net (conv-BN-ReLU-conv-add-ReLU-GAP-dense + softmax cross-entropy),
// forward and backward with every parameter and the input requiring gradients, against
// TensorFlow.js (CPU backend) computing the same function with tf.grads.
import { describe, expect, it } from 'vitest';
import { Tape, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { batchNorm } from '../../src/ops/batchnorm.js';
import { relu } from '../../src/ops/relu.js';
import { add } from '../../src/ops/arithmetic.js';
import { globalAvgPool } from '../../src/ops/pool.js';
import { dense } from '../../src/ops/dense.js';
import { softmaxCrossEntropy } from '../../src/ops/loss.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import type { Tensor as TfTensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

const N = 2,
  H = 9,
  W = 7,
  CIN = 3,
  C = 6,
  K = 5;
const EPS = 1.001e-5;

interface Params {
  x: Float32Array;
  stem: Float32Array;
  stemBias: Float32Array;
  k1: Float32Array;
  k2: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  fc: Float32Array;
  fcBias: Float32Array;
  labels: Float32Array;
}

const shapes: Record<Exclude<keyof Params, 'labels'>, number[]> = {
  x: [N, H, W, CIN],
  stem: [3, 3, CIN, C],
  stemBias: [C],
  k1: [3, 3, C, C],
  k2: [1, 1, C, C],
  gamma: [C],
  beta: [C],
  mean: [C],
  variance: [C],
  fc: [C, K],
  fcBias: [K],
};

function makeParams(): Params {
  const labels = new Float32Array(N * K);
  labels[2] = 1;
  labels[K + 4] = 1;
  return {
    x: randomArray(N * H * W * CIN, 11),
    stem: randomArray(3 * 3 * CIN * C, 12, -0.5, 0.5),
    stemBias: randomArray(C, 13, -0.1, 0.1),
    k1: randomArray(3 * 3 * C * C, 14, -0.3, 0.3),
    k2: randomArray(C * C, 15, -0.5, 0.5),
    gamma: randomArray(C, 16, 0.5, 1.5),
    beta: randomArray(C, 17, -0.2, 0.2),
    mean: randomArray(C, 18, -0.2, 0.2),
    variance: randomArray(C, 19, 0.5, 1.5),
    fc: randomArray(C * K, 20, -0.5, 0.5),
    fcBias: randomArray(K, 21, -0.1, 0.1),
    labels,
  };
}

const trainable = ['x', 'stem', 'stemBias', 'k1', 'k2', 'gamma', 'beta', 'fc', 'fcBias'] as const;

describe('small residual net end to end', () => {
  it('loss and the gradients of the input and every parameter match tf.grads (forward rtol 1e-4, gradients rtol 1e-3 + 1e-4·max)', async () => {
    const p = makeParams();
    const t = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tensor(p[k as keyof typeof shapes], s)])) as Record<keyof typeof shapes, Tensor>;
    for (const k of trainable) t[k].requiresGrad = true;
    const labels = tensor(p.labels, [N, K]);
    const tape = new Tape();
    const { loss, grads } = tidy(() => {
      const loss = tape.record(() => {
        const h = relu(conv2d(t.x, t.stem, { padding: 'same', bias: t.stemBias }));
        const branch = conv2d(
          relu(
            batchNorm(conv2d(h, t.k1, { strides: [1, 1], padding: 'same' }), {
              mean: t.mean,
              variance: t.variance,
              gamma: t.gamma,
              beta: t.beta,
              epsilon: EPS,
            }),
          ),
          t.k2,
        );
        const logits = dense(globalAvgPool(relu(add(h, branch))), t.fc, t.fcBias);
        return softmaxCrossEntropy(logits, labels);
      });
      return { loss, grads: tape.backward(loss).grads };
    });
    tape.dispose();

    const tf = await tfjs();
    const f = (
      x: TfTensor,
      stem: TfTensor,
      stemBias: TfTensor,
      k1: TfTensor,
      k2: TfTensor,
      gamma: TfTensor,
      beta: TfTensor,
      fc: TfTensor,
      fcBias: TfTensor,
    ) => {
      const x4 = x as Tensor4D;
      const h = tf.relu(tf.add(tf.conv2d(x4, stem as Tensor4D, 1, 'same'), stemBias));
      const c1 = tf.conv2d(h as Tensor4D, k1 as Tensor4D, 1, 'same');
      const bn = tf.add(tf.mul(tf.div(tf.sub(c1, tf.tensor1d(p.mean)), tf.sqrt(tf.add(tf.tensor1d(p.variance), EPS))), gamma), beta);
      const branch = tf.conv2d(tf.relu(bn) as Tensor4D, k2 as Tensor4D, 1, 'valid');
      const pooled = tf.mean(tf.relu(tf.add(h, branch)), [1, 2]);
      const logits = tf.add(tf.matMul(pooled as Tensor2D, fc as Tensor2D), fcBias);
      return tf.losses.softmaxCrossEntropy(tf.tensor2d(p.labels, [N, K]), logits);
    };
    const inputs = trainable.map((k) => tf.tensor(p[k], shapes[k]));
    const refLoss = (f as (...a: TfTensor[]) => TfTensor)(...inputs);
    const refGrads = tf.grads(f as (...a: TfTensor[]) => TfTensor)(inputs);

    expectClose(await loss.read(), await refLoss.data(), 1e-4, 1e-6, 'loss');
    for (let i = 0; i < trainable.length; i++) {
      const name = trainable[i];
      const ours = grads.get(t[name]);
      expect(ours, `gradient of ${name}`).toBeDefined();
      const ref = await refGrads[i].data();
      expectClose(await ours!.read(), ref, 1e-3, 1e-4 * maxAbs(ref), `d loss / d ${name}`);
    }
  });

  it('200 forward+backward passes leave live GPU memory unchanged', async () => {
    const p = makeParams();
    const t = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tensor(p[k as keyof typeof shapes], s)])) as Record<keyof typeof shapes, Tensor>;
    for (const k of trainable) t[k].requiresGrad = true;
    const labels = tensor(p.labels, [N, K]);
    const step = () => {
      const tape = new Tape();
      const grads = tidy(() => {
        const loss = tape.record(() => {
          const h = relu(conv2d(t.x, t.stem, { padding: 'same', bias: t.stemBias }));
          const branch = conv2d(
            relu(batchNorm(conv2d(h, t.k1, { padding: 'same' }), { mean: t.mean, variance: t.variance, gamma: t.gamma, beta: t.beta, epsilon: EPS })),
            t.k2,
          );
          return softmaxCrossEntropy(dense(globalAvgPool(relu(add(h, branch))), t.fc, t.fcBias), labels);
        });
        return tape.backward(loss).grads;
      });
      tape.dispose();
      return grads;
    };
    // Two warm-up passes: the first also builds k1's cached Winograd filter transforms, which shifts
    // when the pool's buffers come free, so its high-water mark settles on the second pass (one more
    // activation-sized buffer, measured); after that nothing may be added.
    await expectSteadyMemory(
      () => {
        for (const g of step().values()) g.dispose();
      },
      { repeats: 200, warmup: 2, pooled: true },
    );
  });
});
