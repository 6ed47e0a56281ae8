import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, watch, type Tensor } from '../../src/tensor/index.js';
import { logSoftmax, softmax } from '../../src/ops/softmax.js';
import { expectClose, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { logSoftmaxRef, softmaxRef } from '../reference/softmax.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

async function withGrad(data: Float32Array, shape: number[], f: (x: Tensor) => Tensor, seedNum: number) {
  const x = watch(tensor(data, shape));
  const tape = new Tape();
  const y = tape.record(() => f(x));
  const seed = randomArray(y.size, seedNum);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const out = { value: await y.read(), seed, grad: await grads.get(x)!.read() };
  tape.dispose();
  return out;
}

const cases = [
  { name: '[2, 1000] (ImageNet logits, workgroup-per-row tree path), logits in [-10, 10)', shape: [2, 1000], lo: -10, hi: 10 },
  { name: '[5, 1000] (thread-per-row path), logits in [-10, 10)', shape: [5, 1000], lo: -10, hi: 10 },
  { name: '[1, 4099] (workgroup path, row not a multiple of the workgroup)', shape: [1, 4099], lo: -5, hi: 5 },
  { name: '[3, 5, 7] (odd rows of 7)', shape: [3, 5, 7], lo: -3, hi: 3 },
  { name: '[1, 1] (single class)', shape: [1, 1], lo: -1, hi: 1 },
  { name: '[4, 3] with logits near 80 (overflows without the max shift)', shape: [4, 3], lo: 79, hi: 81 },
];

describe.each([
  { op: 'softmax', run: softmax, ref: softmaxRef, tfOp: (tf: typeof tfc) => tf.softmax },
  { op: 'logSoftmax', run: logSoftmax, ref: logSoftmaxRef, tfOp: (tf: typeof tfc) => tf.logSoftmax },
])('$op', ({ run, ref, tfOp }) => {
  it.each(cases)(
    '$name: forward vs float64 reference and tfjs (rtol 1e-5, atol 1e-6), backward vs tf.grad (rtol 1e-4, atol 1e-6)',
    async ({ shape, lo, hi }) => {
      const tf = await tfjs();
      const data = randomArray(size(shape), 17, lo, hi);
      const k = shape[shape.length - 1];
      const r = await withGrad(data, shape, run, 18);
      expectClose(r.value, ref(data, k), 1e-5, 1e-6, 'forward vs float64');
      const tx = tf.tensor(data, shape);
      const f = (t: tfc.Tensor) => tfOp(tf)(t, -1);
      expectClose(r.value, f(tx).dataSync(), 1e-5, 1e-6, 'forward vs tfjs');
      const tg = tf.grad(f)(tx, tf.tensor(r.seed, shape));
      expectClose(r.grad, tg.dataSync(), 1e-4, 1e-6, 'gradient vs tf.grad');
    },
  );

  it('backward matches central differences on the float64 reference ([2, 37], rtol 1e-4, atol 1e-6)', async () => {
    const shape = [2, 37];
    const data = randomArray(size(shape), 21, -2, 2);
    const r = await withGrad(data, shape, run, 22);
    const num = numericGradient((v) => ref(v, 37), data, r.seed);
    expectClose(r.grad, num, 1e-4, 1e-6, 'gradient vs central differences');
  });
});

describe('softmax edge cases', () => {
  it('rows sum to 1 over 1000 classes (atol 1e-5) and empty tensors pass through', async () => {
    const y = await softmax(tensor(randomArray(3000, 5, -5, 5), [3, 1000])).read();
    for (let r = 0; r < 3; r++) expect(Math.abs(y.subarray(r * 1000, r * 1000 + 1000).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(softmax(tensor([], [0, 5])).shape).toEqual([0, 5]);
    expect(logSoftmax(tensor([], [2, 0])).shape).toEqual([2, 0]);
  });

  it('rejects rank 0', () => {
    expect(() => softmax(tensor([1], []))).toThrow(ShapeError);
    expect(() => logSoftmax(tensor([1], []))).toThrow(/rank >= 1/);
  });
});
