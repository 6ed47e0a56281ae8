import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { memoryStats, ShapeError, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { flatten, reshape } from '../../src/ops/reshape.js';
import { randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { flattenNchwRef } from '../reference/shape.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

async function withGrad(shape: number[], f: (x: Tensor) => Tensor, seedNum: number) {
  const data = randomArray(size(shape), seedNum);
  const x = watch(tensor(data, shape));
  const tape = new Tape();
  const y = tape.record(() => f(x));
  const seed = randomArray(y.size, seedNum + 1);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const out = { data, shape: [...y.shape], value: await y.read(), seed, grad: await grads.get(x)!.read(), sameBuffer: y.buffer === x.buffer };
  tape.dispose();
  return out;
}

describe('reshape', () => {
  it('reshapes [2,3,5,3] to [2,-1] and [5,9,2] with its own buffer: exact vs tf.reshape and tf.grad', async () => {
    const tf = await tfjs();
    for (const target of [[2, -1], [5, 9, 2], [90]]) {
      const r = await withGrad([2, 3, 5, 3], (x) => reshape(x, target), 3);
      const tx = tf.tensor(r.data, [2, 3, 5, 3]);
      const ty = tf.reshape(tx, target);
      expect(r.shape).toEqual(ty.shape);
      expect(r.sameBuffer).toBe(false);
      expect(Array.from(r.value)).toEqual(Array.from(ty.dataSync()));
      const tg = tf.grad((t: tfc.Tensor) => tf.reshape(t, target))(tx, tf.tensor(r.seed, r.shape));
      expect(Array.from(r.grad)).toEqual(Array.from(tg.dataSync()));
    }
  });

  it('handles rank 0 and empty tensors', async () => {
    const s = reshape(tensor([4], [1, 1]), []);
    expect(s.shape).toEqual([]);
    expect(Array.from(await s.read())).toEqual([4]);
    expect(reshape(tensor([], [0, 3]), [3, 0]).shape).toEqual([3, 0]);
  });

  it('rejects size mismatches, two -1s, an unresolvable -1 and non-integers', () => {
    const x = tensor(new Float32Array(12), [3, 4]);
    expect(() => reshape(x, [5, 2])).toThrow(ShapeError);
    expect(() => reshape(x, [5, 2])).toThrow(/12 values.*\[5, 2\].*\[3, 4\]/);
    expect(() => reshape(x, [-1, -1])).toThrow(ShapeError);
    expect(() => reshape(x, [5, -1])).toThrow(ShapeError);
    expect(() => reshape(x, [0, -1])).toThrow(ShapeError);
    expect(() => reshape(x, [2.5, 4.8])).toThrow(ShapeError);
    expect(() => reshape(x, [-2, -6])).toThrow(ShapeError);
  });

  it('reshape and flatten in a tidy leave no live GPU memory behind', async () => {
    const x = tensor(randomArray(30, 1), [1, 2, 5, 3]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const xx = watch(x);
        const y = tape.record(() => flatten(reshape(xx, [1, 5, 2, 3]), 'nchw'));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    step();
    const before = memoryStats();
    for (let i = 0; i < 20; i++) step();
    await x.read();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
  });
});

describe('flatten', () => {
  it.each([
    [2, 3, 5, 7],
    [1, 9, 10, 3],
    [2, 2, 3, 70],
  ])("'nchw' on [%i, %i, %i, %i] is exact vs float64 reference and tf.transpose([0,3,1,2])+reshape; backward exact vs tf.grad", async (...shape) => {
    const tf = await tfjs();
    const r = await withGrad(shape, (x) => flatten(x, 'nchw'), 5);
    expect(r.shape).toEqual([shape[0], shape[1] * shape[2] * shape[3]]);
    const ref = flattenNchwRef({ data: Float64Array.from(r.data), shape });
    expect(Array.from(r.value)).toEqual(Array.from(Float32Array.from(ref.data)));
    const f = (t: tfc.Tensor) => tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [shape[0], -1]);
    const tx = tf.tensor(r.data, shape);
    expect(Array.from(r.value)).toEqual(Array.from(f(tx).dataSync()));
    const tg = tf.grad(f)(tx, tf.tensor(r.seed, r.shape));
    expect(Array.from(r.grad)).toEqual(Array.from(tg.dataSync()));
  });

  it("'nchw' backward matches central differences on the float64 reference (atol 1e-6)", async () => {
    const shape = [1, 2, 3, 5];
    const r = await withGrad(shape, (x) => flatten(x, 'nchw'), 9);
    const num = numericGradient((v) => flattenNchwRef({ data: v, shape }).data, r.data, r.seed);
    Array.from(num).forEach((v, i) => expect(Math.abs(r.grad[i] - v)).toBeLessThan(1e-6));
  });

  it("'nhwc' keeps element order (exact vs tf.reshape), and both orders agree when H = W = 1", async () => {
    const tf = await tfjs();
    const r = await withGrad([2, 3, 5, 3], (x) => flatten(x, 'nhwc'), 13);
    expect(r.shape).toEqual([2, 45]);
    expect(Array.from(r.value)).toEqual(Array.from(tf.reshape(tf.tensor(r.data, [2, 3, 5, 3]), [2, -1]).dataSync()));
    expect(Array.from(r.grad)).toEqual(Array.from(r.seed));
    const pooled = tensor(randomArray(10, 2), [2, 1, 1, 5]);
    expect(Array.from(await flatten(pooled, 'nchw').read())).toEqual(Array.from(await flatten(pooled, 'nhwc').read()));
  });

  it('rejects rank < 2 and unknown orders', () => {
    expect(() => flatten(tensor([1, 2], [2]), 'nhwc')).toThrow(ShapeError);
    expect(() => flatten(tensor([1, 2], [1, 2]), 'chw' as 'nchw')).toThrow(ShapeError);
  });
});
