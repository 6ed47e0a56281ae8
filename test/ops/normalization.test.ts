// layerNorm and lrn. References: float64 definitions written here, tfjs-core (layer norm composed
// of tf.moments and arithmetic; tf.localResponseNormalization), tf.grads, central differences.
import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, tidy, watch } from '../../src/tensor/index.js';
import { layerNorm } from '../../src/ops/layer-norm.js';
import { lrn } from '../../src/ops/lrn.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

function layerNormRef(x: ArrayLike<number>, cols: number, eps: number, gamma?: ArrayLike<number>, beta?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let base = 0; base < x.length; base += cols) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[base + j] / cols;
    let variance = 0;
    for (let j = 0; j < cols; j++) variance += (x[base + j] - mean) ** 2 / cols;
    for (let j = 0; j < cols; j++) y[base + j] = ((x[base + j] - mean) / Math.sqrt(variance + eps)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
  return y;
}

function lrnRef(x: ArrayLike<number>, c: number, n: number, alpha: number, beta: number, bias: number): Float64Array {
  const y = new Float64Array(x.length);
  const lo = Math.floor((n - 1) / 2),
    hi = Math.ceil((n - 1) / 2);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    let s = 0;
    for (let j = Math.max(0, k - lo); j <= Math.min(c - 1, k + hi); j++) s += x[i - k + j] ** 2;
    y[i] = x[i] / (bias + (alpha / n) * s) ** beta;
  }
  return y;
}

const tol = (r: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(r));

describe('layerNorm', () => {
  it.each([
    { what: 'over channels of [2, 5, 7, 6] (ConvNeXt, ε 1e-6), γ and β', shape: [2, 5, 7, 6], axis: -1, eps: 1e-6, gamma: true, beta: true },
    { what: 'over the last two axes of [2, 3, 5, 4], γ only', shape: [2, 3, 5, 4], axis: 2, eps: 1e-5, gamma: true, beta: false },
    { what: 'over 37 channels, no affine', shape: [3, 37], axis: 1, eps: 1e-3, gamma: false, beta: false },
  ])(
    '$what: forward vs float64 and tfjs, gradients of x, γ, β vs tf.grads and central differences (rtol 1e-4, atol 1e-5·max(1, max|ref|))',
    async ({ shape, axis, eps, gamma, beta }) => {
      const tf = await tfjs();
      const ax = axis < 0 ? axis + shape.length : axis;
      const normShape = shape.slice(ax);
      const cols = size(normShape);
      const xv = randomArray(size(shape), 81, -2, 3);
      const gv = randomArray(cols, 82, 0.5, 1.5);
      const bv = randomArray(cols, 83);
      const x = watch(tensor(xv, shape));
      const g = watch(tensor(gv, normShape));
      const b = watch(tensor(bv, normShape));
      const tape = new Tape();
      const y = tape.record(() => layerNorm(x, { axis, epsilon: eps, gamma: gamma ? g : undefined, beta: beta ? b : undefined }));
      const seed = randomArray(y.size, 84);
      const { grads } = tape.backward(y, tensor(seed, shape));
      const ref = layerNormRef(xv, cols, eps, gamma ? gv : undefined, beta ? bv : undefined);
      const value = await y.read();
      expectClose(value, ref, 1e-4, tol(ref), 'forward vs float64');
      const axes = normShape.map((_, i) => ax + i);
      const tfRef = (t: tfc.Tensor, gt: tfc.Tensor, bt: tfc.Tensor) => {
        const { mean, variance } = tf.moments(t, axes, true);
        let z = tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, eps)));
        // tf.grads wants every argument used: an absent γ or β enters times 0.
        z = gamma ? tf.mul(z, gt) : tf.add(z, tf.mul(tf.sum(gt), 0));
        return beta ? tf.add(z, bt) : tf.add(z, tf.mul(tf.sum(bt), 0));
      };
      const [tx, tg, tb] = [tf.tensor(xv, shape), tf.tensor(gv, normShape), tf.tensor(bv, normShape)];
      expectClose(value, tfRef(tx, tg, tb).dataSync(), 1e-4, tol(ref), 'forward vs tfjs');
      const [dx, dg, db] = tf.grads(tfRef)([tx, tg, tb], tf.tensor(seed, shape));
      const gx = await grads.get(x)!.read();
      expectClose(gx, dx.dataSync(), 1e-4, tol(dx.dataSync()), 'x gradient vs tf.grads');
      expectClose(
        gx,
        numericGradient((v) => layerNormRef(v, cols, eps, gamma ? gv : undefined, beta ? bv : undefined), xv, seed),
        1e-4,
        tol(dx.dataSync()),
        'x gradient vs central differences',
      );
      if (gamma) expectClose(await grads.get(g)!.read(), dg.dataSync(), 1e-4, tol(dg.dataSync()), 'γ gradient vs tf.grads');
      else expect(grads.has(g)).toBe(false);
      if (beta) expectClose(await grads.get(b)!.read(), db.dataSync(), 1e-4, tol(db.dataSync()), 'β gradient vs tf.grads');
      tape.dispose();
    },
  );

  it('rejects γ of the wrong size', () => {
    expect(() => layerNorm(tensor(new Float32Array(6), [2, 3]), { gamma: tensor([1, 2], [2]) })).toThrow(ShapeError);
  });
});

describe('lrn', () => {
  it.each([
    { what: 'size 5 (AlexNet: α 1e-4, β 0.75, bias 1) on [2, 5, 7, 12]', shape: [2, 5, 7, 12], n: 5, alpha: 1e-4, beta: 0.75, bias: 1, scale: 10 },
    { what: 'size 3, α 0.5, β 0.6, bias 2 on [2, 3, 4, 7] (strong normalization)', shape: [2, 3, 4, 7], n: 3, alpha: 0.5, beta: 0.6, bias: 2, scale: 2 },
  ])(
    '$what: forward vs float64 and tf.localResponseNormalization, gradient vs tf.grad and central differences (rtol 1e-4, atol 1e-5·max(1, max|ref|))',
    async ({ shape, n, alpha, beta, bias, scale }) => {
      const tf = await tfjs();
      const xv = randomArray(size(shape), 91, -scale, scale);
      const x = watch(tensor(xv, shape));
      const tape = new Tape();
      const y = tape.record(() => lrn(x, { size: n, alpha, beta, bias }));
      const seed = randomArray(y.size, 92);
      const { grads } = tape.backward(y, tensor(seed, shape));
      const value = await y.read();
      const ref = lrnRef(xv, shape[shape.length - 1], n, alpha, beta, bias);
      expectClose(value, ref, 1e-4, tol(ref), 'forward vs float64');
      const f = (t: tfc.Tensor) => tf.localResponseNormalization(t as tfc.Tensor4D, (n - 1) / 2, bias, alpha / n, beta);
      const tx = tf.tensor(xv, shape);
      expectClose(value, f(tx).dataSync(), 1e-4, tol(ref), 'forward vs tfjs');
      const gx = await grads.get(x)!.read();
      const tg = tf.grad(f)(tx, tf.tensor(seed, shape)).dataSync();
      expectClose(gx, tg, 1e-4, tol(tg), 'gradient vs tf.grad');
      expectClose(
        gx,
        numericGradient((v) => lrnRef(v, shape[shape.length - 1], n, alpha, beta, bias), xv, seed),
        1e-4,
        tol(tg),
        'gradient vs central differences',
      );
      tape.dispose();
    },
  );

  it('even size 4 (window one channel longer after) vs float64 and central differences (rtol 1e-4, atol 1e-5)', async () => {
    const shape = [1, 3, 2, 9];
    const xv = randomArray(size(shape), 93, -2, 2);
    const x = watch(tensor(xv, shape));
    const tape = new Tape();
    const y = tape.record(() => lrn(x, { size: 4, alpha: 0.3, beta: 0.75, bias: 1 }));
    const seed = randomArray(y.size, 94);
    const { grads } = tape.backward(y, tensor(seed, shape));
    const ref = (v: ArrayLike<number>) => lrnRef(v, 9, 4, 0.3, 0.75, 1);
    expectClose(await y.read(), ref(xv), 1e-4, 1e-5, 'forward vs float64');
    expectClose(await grads.get(x)!.read(), numericGradient(ref, xv, seed), 1e-4, 1e-5, 'gradient vs central differences');
    tape.dispose();
  });
});

describe('normalization memory', () => {
  it('layerNorm and lrn forward and backward leave GPU memory steady (10 steps)', async () => {
    const x = tensor(randomArray(2 * 5 * 7 * 6, 3), [2, 5, 7, 6]);
    const g = tensor(randomArray(6, 4), [6]);
    const b = tensor(randomArray(6, 5), [6]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const [xx, gg, bb] = [watch(x), watch(g), watch(b)];
        const y = tape.record(() => lrn(layerNorm(xx, { gamma: gg, beta: bb }), { size: 3 }));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
