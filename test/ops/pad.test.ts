import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, watch } from '../../src/tensor/index.js';
import { pad } from '../../src/ops/pad.js';
import { randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { padRef } from '../reference/shape.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

async function padWithGrad(shape: number[], p: { top: number; bottom: number; left: number; right: number }, value: number, seedNum: number) {
  const data = randomArray(size(shape), seedNum);
  const x = watch(tensor(data, shape));
  const tape = new Tape();
  const y = tape.record(() => pad(x, p, value));
  const seed = randomArray(y.size, seedNum + 1);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const out = { data, shape: [...y.shape], value: await y.read(), seed, grad: await grads.get(x)!.read() };
  tape.dispose();
  return out;
}

describe('pad', () => {
  it.each([
    { name: 'asymmetric (0,1,0,1) as TF same stride 2, batch 2, odd 5×7, C=3', shape: [2, 5, 7, 3], p: { top: 0, bottom: 1, left: 0, right: 1 }, value: 0 },
    { name: 'ResNet-style (3,3,3,3), C=5', shape: [1, 4, 3, 5], p: { top: 3, bottom: 3, left: 3, right: 3 }, value: 0 },
    { name: 'all sides different (1,2,3,0) with value -1.5, C=8 (vec4 path)', shape: [2, 3, 5, 8], p: { top: 1, bottom: 2, left: 3, right: 0 }, value: -1.5 },
    { name: 'no padding, C=1', shape: [1, 3, 3, 1], p: { top: 0, bottom: 0, left: 0, right: 0 }, value: 0 },
  ])('$name: forward exact vs float64 reference and tf.pad; backward exact vs tf.grad', async ({ shape, p, value }) => {
    const tf = await tfjs();
    const r = await padWithGrad(shape, p, value, 7);
    const ref = padRef({ data: Float64Array.from(r.data), shape }, p.top, p.bottom, p.left, p.right, value);
    expect(r.shape).toEqual(ref.shape);
    expect(Array.from(r.value)).toEqual(Array.from(Float32Array.from(ref.data)));
    const paddings: Array<[number, number]> = [
      [0, 0],
      [p.top, p.bottom],
      [p.left, p.right],
      [0, 0],
    ];
    const tx = tf.tensor(r.data, shape);
    expect(Array.from(r.value)).toEqual(Array.from(tf.pad(tx, paddings, value).dataSync()));
    const tg = tf.grad((t: tfc.Tensor) => tf.pad(t, paddings, value))(tx, tf.tensor(r.seed, r.shape));
    expect(Array.from(r.grad)).toEqual(Array.from(tg.dataSync()));
  });

  it('backward matches central differences on the float64 reference (atol 1e-6)', async () => {
    const shape = [2, 3, 2, 3];
    const p = { top: 1, bottom: 0, left: 2, right: 1 };
    const r = await padWithGrad(shape, p, 0.5, 11);
    const num = numericGradient((v) => padRef({ data: v, shape }, p.top, p.bottom, p.left, p.right, 0.5).data, r.data, r.seed);
    Array.from(num).forEach((v, i) => expect(Math.abs(r.grad[i] - v)).toBeLessThan(1e-6));
  });

  it('rejects non-NHWC inputs, negative or fractional padding and non-finite values', () => {
    const x = tensor(new Float32Array(12), [1, 2, 2, 3]);
    const p = { top: 1, bottom: 1, left: 1, right: 1 };
    expect(() => pad(tensor(new Float32Array(6), [2, 3]), p)).toThrow(ShapeError);
    expect(() => pad(x, { ...p, left: -1 })).toThrow(/padding.left/);
    expect(() => pad(x, { ...p, top: 0.5 })).toThrow(ShapeError);
    expect(() => pad(x, p, Number.NaN)).toThrow(ShapeError);
  });
});
