// Rows for the ops of issue 10 — MobileNetV2's depthwise 3×3 convolutions (forward with the fused
// BN + ReLU6, and the input gradient) and the squeeze-excitation gate — against tfjs-backend-webgpu
// on the same adapter, as one suite of `npm run bench` (`--only depthwise` runs them alone).
import { Tape, tensor, tidy, watch } from '../src/tensor/index.js';
import { depthwiseConv2d } from '../src/ops/grouped-conv2d.js';
import { batchNormCoefficients } from '../src/ops/batchnorm.js';
import { mul } from '../src/ops/arithmetic.js';
import { sigmoid } from '../src/ops/activations.js';
import type { Tf } from './peer-tfjs.js';
import { readAndDispose, randomData } from './ops.js';
import type { BenchRow, Suite } from './rows.js';

export interface NewOpCase {
  name: string;
  flops: number;
  ours: () => Promise<void>;
  theirs: () => Promise<void>;
}

export function newOpCases(tf: Tf): NewOpCase[] {
  const cases: NewOpCase[] = [];
  for (const s of [
    { h: 112, c: 96, stride: 2 },
    { h: 56, c: 144, stride: 1 },
    { h: 14, c: 384, stride: 1 },
  ]) {
    const name = `depthwise 3×3/${s.stride} ${s.h}×${s.h}×${s.c}`;
    const xData = randomData(s.h * s.h * s.c, 1);
    const wData = randomData(9 * s.c, 2);
    const x = tensor(xData, [1, s.h, s.h, s.c]);
    const w = tensor(wData, [3, 3, s.c, 1]);
    const ones = tensor(new Float32Array(s.c).fill(1), [s.c]);
    const affine = batchNormCoefficients({ mean: ones, variance: ones, gamma: ones, beta: ones, epsilon: 1e-3 });
    const tx = tf.tensor4d(xData, [1, s.h, s.h, s.c]);
    const tw = tf.tensor4d(wData, [3, 3, s.c, 1]);
    const tOnes = tf.ones([s.c]);
    const oh = Math.ceil(s.h / s.stride);
    const flops = 2 * oh * oh * s.c * 9;
    cases.push({
      name: `${name} + BN + ReLU6 forward`,
      flops,
      ours: () => readAndDispose(depthwiseConv2d(x, w, { strides: [s.stride, s.stride], padding: 'same', epilogue: { affine, activation: { kind: 'clip' } } })),
      theirs: async () => {
        const y = tf.tidy(() => tf.relu6(tf.batchNorm(tf.depthwiseConv2d(tx, tw, s.stride, 'same'), tOnes, tOnes, tOnes, tOnes, 1e-3)));
        await y.data();
        y.dispose();
      },
    });
    const seedData = randomData(oh * oh * s.c, 3);
    const seed = tensor(seedData, [1, oh, oh, s.c]);
    const tSeed = tf.tensor4d(seedData, [1, oh, oh, s.c]);
    const tfGrad = tf.grad((xi) => tf.depthwiseConv2d(xi as typeof tx, tw, s.stride, 'same'));
    cases.push({
      name: `${name} input gradient`,
      flops,
      ours: async () => {
        const xi = watch(tensor(xData, [1, s.h, s.h, s.c]));
        const tape = new Tape();
        const gx = tidy(() => {
          const y = tape.record(() => depthwiseConv2d(xi, w, { strides: [s.stride, s.stride], padding: 'same' }));
          return tape.backward(y, seed).grads.get(xi)!;
        });
        tape.dispose();
        await readAndDispose(gx);
        xi.dispose();
      },
      theirs: async () => {
        const gx = tfGrad(tx, tSeed);
        await gx.data();
        gx.dispose();
      },
    });
  }
  const se = { h: 28, c: 240 };
  const xData = randomData(se.h * se.h * se.c, 4);
  const gData = randomData(se.c, 5);
  const x = tensor(xData, [1, se.h, se.h, se.c]);
  const g = tensor(gData, [1, 1, 1, se.c]);
  const tx = tf.tensor4d(xData, [1, se.h, se.h, se.c]);
  const tg = tf.tensor4d(gData, [1, 1, 1, se.c]);
  cases.push({
    name: `SE gate x·σ(s) ${se.h}×${se.h}×${se.c}`,
    flops: se.h * se.h * se.c,
    ours: () => readAndDispose(tidy(() => mul(x, sigmoid(g)))),
    theirs: async () => {
      const y = tf.tidy(() => tf.mul(tx, tf.sigmoid(tg)));
      await y.data();
      y.dispose();
    },
  });
  return cases;
}

/** The rows as a bench suite (`npm run bench -- --only depthwise`); tfjs-webgpu is the other side. */
export function newOpsSuite(tf: Tf, pairs: number): Suite {
  return {
    name: 'new ops (depthwise, SE gate)',
    build: async () => ({
      rows: newOpCases(tf).map(
        (c): BenchRow => ({ name: c.name, flops: c.flops, ours: c.ours, theirs: c.theirs, theirsName: 'tfjs-webgpu', pairs, warmup: 2 }),
      ),
      dispose: () => undefined,
    }),
  };
}
