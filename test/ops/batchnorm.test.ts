import { describe, expect, it } from 'vitest';
import { ShapeError, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { batchNorm, batchNormBindingLimit, batchNormTraining, updateRunningStatistics } from '../../src/ops/batchnorm.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tfjs, type Tf } from '../tfjs.js';
import { numericGradient } from '../reference/grad.js';
import { batchNormInferenceRef, batchNormTrainingRef, momentsRef } from '../reference/batchnorm.js';

// Tolerances (|err| ≤ atol + rtol·|expected|):
//  forward vs float64 and vs tfjs (float32 CPU): rtol 1e-5, atol 1e-5·max|expected|;
//  batch statistics vs float64: rtol 1e-5, atol 1e-6·max|expected|;
//  gradients vs tf.grads and vs central differences (h = 1e-5) on the float64 reference:
//  rtol 1e-4, atol 1e-4·max|expected| (training dX subtracts nearly equal terms).
const FWD_RTOL = 1e-5;
const FWD_ATOL = 1e-5;
const GRAD_RTOL = 1e-4;
const GRAD_ATOL = 1e-4;

interface Case {
  shape: number[];
  epsilon: number;
  gamma: boolean;
  beta: boolean;
  /** Where x lives: an offset mean checks that the statistics do not cancel. */
  xRange?: [number, number];
}

const cases: Case[] = [
  { shape: [2, 5, 3, 6], epsilon: 1.001e-5, gamma: true, beta: true },
  { shape: [1, 3, 5, 8], epsilon: 1e-3, gamma: false, beta: true },
  { shape: [2, 3, 3, 12], epsilon: 1e-5, gamma: true, beta: false, xRange: [3, 5] },
  { shape: [1, 7, 5, 3], epsilon: 1e-3, gamma: false, beta: false },
];

const name = (k: Case) => `${JSON.stringify(k.shape)} ε=${k.epsilon}${k.gamma ? ' γ' : ''}${k.beta ? ' β' : ''}${k.xRange ? ` x∈[${k.xRange}]` : ''}`;

interface Data {
  c: number;
  x: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  seed: Float32Array;
}

function dataFor(k: Case, salt = 0): Data {
  const c = k.shape[k.shape.length - 1];
  const n = k.shape.reduce((a, b) => a * b, 1);
  const [lo, hi] = k.xRange ?? [-2, 2];
  return {
    c,
    x: randomArray(n, 11 + salt, lo, hi),
    mean: randomArray(c, 12 + salt, -0.5, 0.5),
    variance: randomArray(c, 13 + salt, 0.2, 2),
    gamma: k.gamma ? randomArray(c, 14 + salt, 0.5, 1.5) : undefined,
    beta: k.beta ? randomArray(c, 15 + salt, -0.5, 0.5) : undefined,
    seed: randomArray(n, 16 + salt),
  };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expectClose(actual, expected, rtol, atol * Math.max(maxAbs(expected), 1e-30), what);
}

/** Σ seed·f, differentiated by central differences with respect to one argument. */
function centralDifference(f: (v: Float64Array) => Float64Array, at: ArrayLike<number>, seed: ArrayLike<number>): Float64Array {
  return numericGradient(f, at, seed);
}

describe('batchNorm (inference)', () => {
  for (const k of cases) {
    it(`forward ${name(k)} vs float64 and tf.batchNorm (rtol 1e-5, atol 1e-5·max)`, async () => {
      const tf = await tfjs();
      const d = dataFor(k);
      const y = batchNorm(tensor(d.x, k.shape), {
        mean: tensor(d.mean, [d.c]),
        variance: tensor(d.variance, [d.c]),
        gamma: d.gamma && tensor(d.gamma, [d.c]),
        beta: d.beta && tensor(d.beta, [d.c]),
        epsilon: k.epsilon,
      });
      const got = await y.read();
      close(got, batchNormInferenceRef(d.x, d.c, d.mean, d.variance, d.gamma, d.beta, k.epsilon), FWD_RTOL, FWD_ATOL, 'y vs float64');
      const expected = tf.tidy(() =>
        tf
          .batchNorm(
            tf.tensor(d.x, k.shape),
            tf.tensor1d(d.mean),
            tf.tensor1d(d.variance),
            d.beta && tf.tensor1d(d.beta),
            d.gamma && tf.tensor1d(d.gamma),
            k.epsilon,
          )
          .dataSync(),
      );
      close(got, expected, FWD_RTOL, FWD_ATOL, 'y vs tfjs');
    });

    it(`backward ${name(k)}: dX, dγ, dβ vs tf.grads and central differences (rtol 1e-4, atol 1e-4·max)`, async () => {
      const tf = await tfjs();
      const d = dataFor(k, 100);
      const x = watch(tensor(d.x, k.shape));
      const gamma = d.gamma && watch(tensor(d.gamma, [d.c]));
      const beta = d.beta && watch(tensor(d.beta, [d.c]));
      const tape = new Tape();
      const y = tape.record(() => batchNorm(x, { mean: tensor(d.mean, [d.c]), variance: tensor(d.variance, [d.c]), gamma, beta, epsilon: k.epsilon }));
      expect(tape.entries.map((e) => e.kind)).toEqual(['batchnorm']);
      const { grads } = tape.backward(y, tensor(d.seed, k.shape));
      const ours = { x: await grads.get(x)!.read(), gamma: gamma && (await grads.get(gamma)!.read()), beta: beta && (await grads.get(beta)!.read()) };
      tape.dispose();

      // tfjs: gradients of Σ seed·batchNorm with respect to x, γ, β.
      const tfGrads = tf.tidy(() => {
        const args = [tf.tensor(d.x, k.shape), ...(d.gamma ? [tf.tensor1d(d.gamma)] : []), ...(d.beta ? [tf.tensor1d(d.beta)] : [])];
        // tf.batchNorm's gradient fails without scale or offset tensors (tfjs 4.22): pass ones / zeros instead.
        const f = (...a: TfTensor[]) => {
          const g = d.gamma ? a[1] : tf.ones([d.c]);
          const b = d.beta ? a[a.length - 1] : tf.zeros([d.c]);
          return tf.batchNorm(a[0], tf.tensor1d(d.mean), tf.tensor1d(d.variance), b, g, k.epsilon);
        };
        return tf
          .grads(f)(args, tf.tensor(d.seed, k.shape))
          .map((t) => t.dataSync());
      });
      close(ours.x, tfGrads[0], GRAD_RTOL, GRAD_ATOL, 'dX vs tfjs');
      if (ours.gamma) close(ours.gamma, tfGrads[1], GRAD_RTOL, GRAD_ATOL, 'dγ vs tfjs');
      if (ours.beta) close(ours.beta, tfGrads[tfGrads.length - 1], GRAD_RTOL, GRAD_ATOL, 'dβ vs tfjs');

      const ref = (xv: ArrayLike<number>, g?: ArrayLike<number>, b?: ArrayLike<number>) => batchNormInferenceRef(xv, d.c, d.mean, d.variance, g, b, k.epsilon);
      close(
        ours.x,
        centralDifference((v) => ref(v, d.gamma, d.beta), d.x, d.seed),
        GRAD_RTOL,
        GRAD_ATOL,
        'dX vs central differences',
      );
      if (ours.gamma)
        close(
          ours.gamma,
          centralDifference((v) => ref(d.x, v, d.beta), d.gamma!, d.seed),
          GRAD_RTOL,
          GRAD_ATOL,
          'dγ vs central differences',
        );
      if (ours.beta)
        close(
          ours.beta,
          centralDifference((v) => ref(d.x, d.gamma, v), d.beta!, d.seed),
          GRAD_RTOL,
          GRAD_ATOL,
          'dβ vs central differences',
        );
    });
  }

  it('dX only (γ, β frozen, as when explaining): exact per-channel scale γ/√(var+ε) (rtol 1e-5 vs float64)', async () => {
    const k = cases[0];
    const d = dataFor(k, 200);
    const x = watch(tensor(d.x, k.shape));
    const tape = new Tape();
    const y = tape.record(() =>
      batchNorm(x, {
        mean: tensor(d.mean, [d.c]),
        variance: tensor(d.variance, [d.c]),
        gamma: tensor(d.gamma!, [d.c]),
        beta: tensor(d.beta!, [d.c]),
        epsilon: k.epsilon,
      }),
    );
    // Only the per-channel coefficients are held for backward, not x.
    expect(tape.entries[0].saved?.length).toBe(1);
    const { grads } = tape.backward(y, tensor(d.seed, k.shape));
    expect(grads.size).toBe(1);
    const expected = Array.from(d.seed, (s, i) => (s * d.gamma![i % d.c]) / Math.sqrt(d.variance[i % d.c] + k.epsilon));
    close(await grads.get(x)!.read(), expected, FWD_RTOL, FWD_ATOL, 'dX');
    tape.dispose();
  });
});

/** tfjs composition of training-mode batch norm: tf.moments (biased variance) then normalise. */
function tfTraining(tf: Tf, x: TfTensor, gamma: TfTensor | undefined, beta: TfTensor | undefined, epsilon: number) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return { y, mean, variance };
}

describe('batchNormTraining', () => {
  const trainingCases: Case[] = [...cases, { shape: [2, 17, 19, 8], epsilon: 1.001e-5, gamma: true, beta: true, xRange: [4, 6] }];
  for (const k of trainingCases) {
    it(`forward ${name(k)}: y and batch statistics vs float64 and tf.moments composition (rtol 1e-5)`, async () => {
      const tf = await tfjs();
      const d = dataFor(k, 300);
      const r = batchNormTraining(tensor(d.x, k.shape), {
        gamma: d.gamma && tensor(d.gamma, [d.c]),
        beta: d.beta && tensor(d.beta, [d.c]),
        epsilon: k.epsilon,
      });
      const [y, mean, variance] = [await r.y.read(), await r.batchMean.read(), await r.batchVariance.read()];
      const ref = batchNormTrainingRef(d.x, d.c, d.gamma, d.beta, k.epsilon);
      close(mean, ref.mean, FWD_RTOL, 1e-6, 'batch mean vs float64');
      close(variance, ref.variance, FWD_RTOL, 1e-6, 'batch variance (biased) vs float64');
      close(y, ref.y, FWD_RTOL, FWD_ATOL, 'y vs float64');
      const t = tf.tidy(() => {
        const o = tfTraining(tf, tf.tensor(d.x, k.shape), d.gamma && tf.tensor1d(d.gamma), d.beta && tf.tensor1d(d.beta), k.epsilon);
        return { y: o.y.dataSync(), mean: o.mean.dataSync(), variance: o.variance.dataSync() };
      });
      close(y, t.y, FWD_RTOL, FWD_ATOL, 'y vs tfjs');
      close(mean, t.mean, FWD_RTOL, 1e-6, 'batch mean vs tfjs');
      close(variance, t.variance, 1e-4, 1e-6, 'batch variance vs tfjs (tfjs sums in float32: rtol 1e-4)');
    });

    it(`backward ${name(k)}: dX (through batch mean and variance), dγ, dβ vs tf.grads and central differences (rtol 1e-4, atol 1e-4·max)`, async () => {
      const tf = await tfjs();
      const d = dataFor(k, 400);
      const x = watch(tensor(d.x, k.shape));
      const gamma = d.gamma && watch(tensor(d.gamma, [d.c]));
      const beta = d.beta && watch(tensor(d.beta, [d.c]));
      const tape = new Tape();
      const { y } = tape.record(() => batchNormTraining(x, { gamma, beta, epsilon: k.epsilon }));
      const { grads } = tape.backward(y, tensor(d.seed, k.shape));
      const ours = { x: await grads.get(x)!.read(), gamma: gamma && (await grads.get(gamma)!.read()), beta: beta && (await grads.get(beta)!.read()) };
      tape.dispose();

      const tfGrads = tf.tidy(() => {
        const args = [tf.tensor(d.x, k.shape), ...(d.gamma ? [tf.tensor1d(d.gamma)] : []), ...(d.beta ? [tf.tensor1d(d.beta)] : [])];
        const f = (...a: TfTensor[]) => tfTraining(tf, a[0], d.gamma ? a[1] : undefined, d.beta ? a[a.length - 1] : undefined, k.epsilon).y;
        return tf
          .grads(f)(args, tf.tensor(d.seed, k.shape))
          .map((t) => t.dataSync());
      });
      close(ours.x, tfGrads[0], GRAD_RTOL, GRAD_ATOL, 'dX vs tfjs');
      if (ours.gamma) close(ours.gamma, tfGrads[1], GRAD_RTOL, GRAD_ATOL, 'dγ vs tfjs');
      if (ours.beta) close(ours.beta, tfGrads[tfGrads.length - 1], GRAD_RTOL, GRAD_ATOL, 'dβ vs tfjs');

      const ref = (xv: ArrayLike<number>, g?: ArrayLike<number>, b?: ArrayLike<number>) => batchNormTrainingRef(xv, d.c, g, b, k.epsilon).y;
      if (d.x.length <= 400) {
        // Each central difference re-runs the whole reference: only on the small cases.
        close(
          ours.x,
          centralDifference((v) => ref(v, d.gamma, d.beta), d.x, d.seed),
          GRAD_RTOL,
          GRAD_ATOL,
          'dX vs central differences',
        );
      }
      if (ours.gamma)
        close(
          ours.gamma,
          centralDifference((v) => ref(d.x, v, d.beta), d.gamma!, d.seed),
          GRAD_RTOL,
          GRAD_ATOL,
          'dγ vs central differences',
        );
      if (ours.beta)
        close(
          ours.beta,
          centralDifference((v) => ref(d.x, d.gamma, v), d.beta!, d.seed),
          GRAD_RTOL,
          GRAD_ATOL,
          'dβ vs central differences',
        );
    });
  }

  it('dX sums to zero per channel when γ is frozen (the gradient through the batch mean), checked to 1e-5·max', async () => {
    const k = cases[2];
    const d = dataFor(k, 500);
    const x = watch(tensor(d.x, k.shape));
    const tape = new Tape();
    const { y } = tape.record(() => batchNormTraining(x, { gamma: tensor(d.gamma!, [d.c]), epsilon: k.epsilon }));
    const { grads } = tape.backward(y, tensor(d.seed, k.shape));
    const gx = await grads.get(x)!.read();
    const sums = new Float64Array(d.c);
    for (let i = 0; i < gx.length; i++) sums[i % d.c] += gx[i];
    expectClose(sums, new Float64Array(d.c), 0, 1e-5 * maxAbs(gx), 'Σ dX per channel');
    tape.dispose();
  });
});

describe('updateRunningStatistics', () => {
  it('Keras rule with the biased batch variance: moving·m + batch·(1 − m) (rtol 1e-6 vs float64)', async () => {
    const k = cases[0];
    const d = dataFor(k, 600);
    const momentum = 0.99;
    const r = batchNormTraining(tensor(d.x, k.shape), { epsilon: k.epsilon });
    const running = { mean: tensor(d.mean, [d.c]), variance: tensor(d.variance, [d.c]) };
    const next = updateRunningStatistics(running, r, momentum);
    const { mean, variance } = momentsRef(d.x, d.c);
    const rows = d.x.length / d.c;
    const expectMean = Array.from(d.mean, (m, ch) => m * momentum + mean[ch] * (1 - momentum));
    const expectVar = Array.from(d.variance, (v, ch) => v * momentum + variance[ch] * (1 - momentum));
    const gotVar = await next.variance.read();
    expectClose(await next.mean.read(), expectMean, 1e-6, 1e-7, 'moving mean');
    expectClose(gotVar, expectVar, 1e-6, 1e-7, 'moving variance');
    // The test tells the two conventions apart: the unbiased rule gives a different answer.
    const unbiased = Array.from(d.variance, (v, ch) => v * momentum + ((variance[ch] * rows) / (rows - 1)) * (1 - momentum));
    expect(() => expectClose(gotVar, unbiased, 1e-6, 1e-7)).toThrow();
    // The old tensors are untouched: the caller owns and disposes them.
    expectClose(await running.mean.read(), d.mean, 0, 0, 'old mean unchanged');
  });

  it('rejects a momentum outside [0, 1] and mismatched shapes', () => {
    const s = tensor([1, 2, 3], [3]);
    const t = tensor([1, 2], [2]);
    expect(() => updateRunningStatistics({ mean: s, variance: s }, { batchMean: s, batchVariance: s }, 1.5)).toThrow(/momentum in \[0, 1\]/);
    expect(() => updateRunningStatistics({ mean: s, variance: s }, { batchMean: t, batchVariance: s }, 0.9)).toThrow(
      /batch\.batchMean of shape \[3\].*given batch\.batchMean of shape \[2\]/,
    );
  });
});

describe('batchnorm: large activations in row slices, memory, errors', () => {
  it('binding slices (limit lowered to 1 KiB) give the float64 results, forward and backward (tolerances as above)', async () => {
    // With 1 KiB bindings and 256-byte offset alignment, C = 12 runs in 5 slices of ≤ 16 rows and
    // C = 6 in 3 slices of ≤ 32 rows (70 rows each).
    const saved = batchNormBindingLimit.bytes;
    batchNormBindingLimit.bytes = 1024;
    try {
      for (const k of [
        { shape: [2, 5, 7, 12], epsilon: 1e-3, gamma: true, beta: true },
        { shape: [2, 5, 7, 6], epsilon: 1e-5, gamma: true, beta: false, xRange: [2, 3] },
      ] satisfies Case[]) {
        const d = dataFor(k, 700);
        const x = watch(tensor(d.x, k.shape));
        const gamma = watch(tensor(d.gamma!, [d.c]));
        const beta = d.beta && watch(tensor(d.beta, [d.c]));
        const mean = tensor(d.mean, [d.c]),
          variance = tensor(d.variance, [d.c]);
        const tape = new Tape();
        const { yInf, yTrain } = tape.record(() => ({
          yInf: batchNorm(x, { mean, variance, gamma, beta, epsilon: k.epsilon }),
          yTrain: batchNormTraining(x, { gamma, beta, epsilon: k.epsilon }).y,
        }));
        close(await yInf.read(), batchNormInferenceRef(d.x, d.c, d.mean, d.variance, d.gamma, d.beta, k.epsilon), FWD_RTOL, FWD_ATOL, `${name(k)} inference y`);
        close(await yTrain.read(), batchNormTrainingRef(d.x, d.c, d.gamma, d.beta, k.epsilon).y, FWD_RTOL, FWD_ATOL, `${name(k)} training y`);
        const seed = tensor(d.seed, k.shape);
        const inf = tape.backward(yInf, seed).grads;
        const refInf = (v: ArrayLike<number>) => batchNormInferenceRef(v, d.c, d.mean, d.variance, d.gamma, d.beta, k.epsilon);
        close(await inf.get(x)!.read(), centralDifference(refInf, d.x, d.seed), GRAD_RTOL, GRAD_ATOL, `${name(k)} inference dX`);
        const refInfGamma = (v: ArrayLike<number>) => batchNormInferenceRef(d.x, d.c, d.mean, d.variance, v, d.beta, k.epsilon);
        close(await inf.get(gamma)!.read(), centralDifference(refInfGamma, d.gamma!, d.seed), GRAD_RTOL, GRAD_ATOL, `${name(k)} inference dγ`);
        const train = tape.backward(yTrain, seed).grads;
        const refTrain = (v: ArrayLike<number>) => batchNormTrainingRef(v, d.c, d.gamma, d.beta, k.epsilon).y;
        close(await train.get(x)!.read(), centralDifference(refTrain, d.x, d.seed), GRAD_RTOL, GRAD_ATOL, `${name(k)} training dX`);
        const refTrainGamma = (v: ArrayLike<number>) => batchNormTrainingRef(d.x, d.c, v, d.beta, k.epsilon).y;
        close(await train.get(gamma)!.read(), centralDifference(refTrainGamma, d.gamma!, d.seed), GRAD_RTOL, GRAD_ATOL, `${name(k)} training dγ`);
        tape.dispose();
      }
    } finally {
      batchNormBindingLimit.bytes = saved;
    }
  });

  it('repeated training forward + backward does not grow live GPU memory', async () => {
    const k = cases[0];
    const d = dataFor(k, 800);
    const x = watch(tensor(d.x, k.shape));
    const gamma = watch(tensor(d.gamma!, [d.c]));
    const beta = watch(tensor(d.beta!, [d.c]));
    const mean = tensor(d.mean, [d.c]),
      variance = tensor(d.variance, [d.c]);
    const step = () => {
      const tape = new Tape();
      const g = tidy(() => {
        const y = tape.record(() => batchNormTraining(batchNorm(x, { mean, variance, gamma, beta, epsilon: 1e-3 }), { gamma, beta, epsilon: 1e-3 }).y);
        return tape.backward(y).grads;
      });
      tape.dispose();
      for (const t of g.values()) t.dispose();
    };
    await expectSteadyMemory(step, { repeats: 30 });
  });

  it('is not recorded when nothing needs a gradient', () => {
    const tape = new Tape();
    tape.record(() => batchNormTraining(tensor(randomArray(24, 1), [2, 3, 4]), { epsilon: 1e-3 }));
    expect(tape.entries.length).toBe(0);
  });

  it('rejects mismatched channels naming both shapes, epsilon ≤ 0, and x without channels', () => {
    const x = tensor(randomArray(180, 1), [2, 5, 3, 6]);
    const c6 = tensor(randomArray(6, 2, 0.1, 1), [6]);
    const c5 = tensor(randomArray(5, 3, 0.1, 1), [5]);
    const wrong = (t: Tensor) => ({ mean: c6, variance: c6, epsilon: 1e-3, gamma: t });
    expect(() => batchNorm(x, { mean: c5, variance: c6, epsilon: 1e-3 })).toThrow(ShapeError);
    expect(() => batchNorm(x, { mean: c5, variance: c6, epsilon: 1e-3 })).toThrow(
      /batchNorm: expected mean of shape \[6\] \(the channels of x \[2, 5, 3, 6\]\), given mean of shape \[5\]/,
    );
    expect(() => batchNorm(x, { mean: c6, variance: c5, epsilon: 1e-3 })).toThrow(/variance of shape \[5\]/);
    expect(() => batchNorm(x, wrong(c5))).toThrow(/gamma of shape \[5\]/);
    expect(() => batchNorm(x, { mean: c6, variance: c6, epsilon: 1e-3, beta: tensor(randomArray(12, 4), [2, 6]) })).toThrow(/beta of shape \[2, 6\]/);
    expect(() => batchNormTraining(x, { gamma: c5, epsilon: 1e-3 })).toThrow(
      /batchNormTraining: expected gamma of shape \[6\].*\[2, 5, 3, 6\].*given gamma of shape \[5\]/,
    );
    for (const epsilon of [0, -1e-3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => batchNorm(x, { mean: c6, variance: c6, epsilon })).toThrow(ShapeError);
      expect(() => batchNormTraining(x, { epsilon })).toThrow(/epsilon a finite number > 0/);
    }
    expect(() => batchNorm(tensor([1], []), { mean: c6, variance: c6, epsilon: 1e-3 })).toThrow(/x of shape \[\.\.\., C\]/);
    expect(() => batchNormTraining(tensor([], [0, 6]), { epsilon: 1e-3 })).toThrow(/at least one row/);
  });
});
