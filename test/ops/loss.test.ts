import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, watch } from '../../src/tensor/index.js';
import { softmaxCrossEntropy } from '../../src/ops/loss.js';
import { expectClose, randomArray, rng } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { softmaxCrossEntropyRef } from '../reference/softmax.js';
import { numericGradient } from '../reference/grad.js';

function oneHot(rows: number, classes: number, seed: number): Float32Array {
  const r = rng(seed);
  const l = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) l[i * classes + Math.floor(r() * classes)] = 1;
  return l;
}

function softLabels(rows: number, classes: number, seed: number): Float32Array {
  const l = randomArray(rows * classes, seed, 0, 1);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += l[i * classes + j];
    for (let j = 0; j < classes; j++) l[i * classes + j] /= s;
  }
  return l;
}

async function lossWithGrad(logits: Float32Array, labels: Float32Array, rows: number, classes: number, seedValue: number) {
  const x = watch(tensor(logits, [rows, classes]));
  const l = tensor(labels, [rows, classes]);
  const tape = new Tape();
  const y = tape.record(() => softmaxCrossEntropy(x, l));
  const { grads } = tape.backward(y, tensor([seedValue], []));
  const out = { shape: [...y.shape], value: (await y.read())[0], grad: await grads.get(x)!.read(), labelGrad: grads.has(l) };
  tape.dispose();
  return out;
}

describe('softmaxCrossEntropy', () => {
  it.each([
    { name: 'batch 2 × 1000 classes, one-hot (workgroup-per-row path)', rows: 2, classes: 1000, labels: oneHot },
    { name: 'batch 4 × 300 classes, soft labels (thread-per-row path)', rows: 4, classes: 300, labels: softLabels },
    { name: 'batch 3 × 7 classes, soft labels', rows: 3, classes: 7, labels: softLabels },
    { name: 'batch 1 × 5 classes, one-hot', rows: 1, classes: 5, labels: oneHot },
  ])(
    '$name: loss vs float64 reference and tf.losses.softmaxCrossEntropy (rtol 1e-5), d/dlogits vs tf.grad (rtol 1e-4, atol 1e-7)',
    async ({ rows, classes, labels }) => {
      const tf = await tfjs();
      const logits = randomArray(rows * classes, 31, -4, 4);
      const lab = labels(rows, classes, 32);
      const r = await lossWithGrad(logits, lab, rows, classes, 1.5);
      expect(r.shape).toEqual([]);
      expect(Math.abs(r.value - softmaxCrossEntropyRef(logits, lab, classes))).toBeLessThan(1e-5 * Math.abs(r.value) + 1e-6);
      const tl = tf.tensor(lab, [rows, classes]);
      const f = (t: tfc.Tensor) => tf.losses.softmaxCrossEntropy(tl, t);
      const tx = tf.tensor(logits, [rows, classes]);
      expect(Math.abs(r.value - f(tx).dataSync()[0])).toBeLessThan(1e-5 * Math.abs(r.value) + 1e-6);
      expectClose(r.grad, tf.grad(f)(tx, tf.scalar(1.5)).dataSync(), 1e-4, 1e-7, 'gradient vs tf.grad');
      expect(r.labelGrad).toBe(false);
    },
  );

  it('d/dlogits matches central differences on the float64 reference ([2, 9], soft labels, rtol 1e-4, atol 1e-7)', async () => {
    const logits = randomArray(18, 41, -3, 3);
    const lab = softLabels(2, 9, 42);
    const r = await lossWithGrad(logits, lab, 2, 9, 1);
    const num = numericGradient((v) => Float64Array.of(softmaxCrossEntropyRef(v, lab, 9)), logits, [1]);
    expectClose(r.grad, num, 1e-4, 1e-7, 'gradient vs central differences');
  });

  it('stays finite for logits of ±100 (float64 reference, rtol 1e-5)', async () => {
    const logits = Float32Array.from([100, -100, 0, -100, 100, 50]);
    const lab = Float32Array.from([0, 1, 0, 0, 0, 1]);
    const r = await lossWithGrad(logits, lab, 2, 3, 1);
    expect(Math.abs(r.value - softmaxCrossEntropyRef(logits, lab, 3))).toBeLessThan(1e-5 * Math.abs(r.value));
    expect(r.grad.every(Number.isFinite)).toBe(true);
  });

  it('labels that require a gradient get none', async () => {
    const x = watch(tensor(randomArray(6, 1), [2, 3]));
    const l = watch(tensor(oneHot(2, 3, 2), [2, 3]));
    const tape = new Tape();
    const y = tape.record(() => softmaxCrossEntropy(x, l));
    const { grads } = tape.backward(y);
    expect(grads.has(x)).toBe(true);
    expect(grads.has(l)).toBe(false);
    tape.dispose();
  });

  it('rejects logits that are not [N, K], mismatched labels (naming both shapes) and empty batches', () => {
    const x = tensor(new Float32Array(6), [2, 3]);
    expect(() => softmaxCrossEntropy(tensor(new Float32Array(6), [6]), tensor(new Float32Array(6), [6]))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(x, tensor(new Float32Array(6), [3, 2]))).toThrow(/\[2, 3\].*\[3, 2\]/);
    expect(() => softmaxCrossEntropy(tensor([], [0, 3]), tensor([], [0, 3]))).toThrow(ShapeError);
  });
});
