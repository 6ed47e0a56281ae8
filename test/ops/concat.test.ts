import { describe, expect, it } from 'vitest';
import { ShapeError, Tape, tensor, watch, type Tensor } from '../../src/tensor/index.js';
import { concat } from '../../src/ops/concat.js';
import { randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { concatRef } from '../reference/shape.js';
import { numericGradient } from '../reference/grad.js';

interface Input {
  data: Float32Array;
  shape: number[];
}

const inputs = (shapes: number[][], seed: number): Input[] =>
  shapes.map((shape, i) => ({
    data: randomArray(
      shape.reduce((n, d) => n * d, 1),
      seed + i,
    ),
    shape,
  }));

/** Forward value and input gradients of f under a given output seed. */
async function runWithGrads(xs: Input[], f: (ts: Tensor[]) => Tensor, seedOf: (shape: readonly number[]) => Float32Array) {
  const ts = xs.map((x) => watch(tensor(x.data, x.shape)));
  const tape = new Tape();
  const y = tape.record(() => f(ts));
  const seed = seedOf(y.shape);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const value = await y.read();
  const gs = await Promise.all(ts.map((t) => grads.get(t)!.read()));
  tape.dispose();
  return { value, shape: [...y.shape], seed, grads: gs };
}

const seedFor = (shape: readonly number[]) =>
  randomArray(
    shape.reduce((n, d) => n * d, 1),
    99,
  );

describe('concat', () => {
  it(
    'joins 4 Inception-style branches along channels (C = 3, 5, 4, 1), batch 2, odd 3×5: exact vs ' +
      'float64 reference and tf.concat; backward exact vs tf.grads',
    async () => {
      const tf = await tfjs();
      const xs = inputs(
        [
          [2, 3, 5, 3],
          [2, 3, 5, 5],
          [2, 3, 5, 4],
          [2, 3, 5, 1],
        ],
        10,
      );
      const r = await runWithGrads(xs, (ts) => concat(ts), seedFor);
      expect(r.shape).toEqual([2, 3, 5, 13]);
      const ref = concatRef(
        xs.map((x) => ({ data: Float64Array.from(x.data), shape: x.shape })),
        3,
      );
      expect(Array.from(r.value)).toEqual(Array.from(ref.data));
      const tfxs = xs.map((x) => tf.tensor(x.data, x.shape));
      expect(Array.from(r.value)).toEqual(Array.from(tf.concat(tfxs, -1).dataSync()));
      const tfGrads = tf.grads((...a: import('@tensorflow/tfjs-core').Tensor[]) => tf.concat(a, 3))(tfxs, tf.tensor(r.seed, r.shape));
      r.grads.forEach((g, i) => expect(Array.from(g), `gradient of input ${i}`).toEqual(Array.from(tfGrads[i].dataSync())));
    },
  );

  it('uses the vec4 path when every band is a multiple of 4 (C = 8, 4, 12): exact vs tf.concat and tf.grads', async () => {
    const tf = await tfjs();
    const xs = inputs(
      [
        [1, 3, 3, 8],
        [1, 3, 3, 4],
        [1, 3, 3, 12],
      ],
      20,
    );
    const r = await runWithGrads(xs, (ts) => concat(ts, 3), seedFor);
    const tfxs = xs.map((x) => tf.tensor(x.data, x.shape));
    expect(Array.from(r.value)).toEqual(Array.from(tf.concat(tfxs, 3).dataSync()));
    const tfGrads = tf.grads((...a: import('@tensorflow/tfjs-core').Tensor[]) => tf.concat(a, 3))(tfxs, tf.tensor(r.seed, r.shape));
    r.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(tfGrads[i].dataSync())));
  });

  it('copies wide bands in several chunks per row (C = 300, 257, 3 and C = 256, 260): exact vs tf.concat and tf.grads', async () => {
    const tf = await tfjs();
    for (const cs of [
      [300, 257, 3],
      [256, 260],
    ]) {
      const xs = inputs(
        cs.map((c) => [1, 2, 3, c]),
        25,
      );
      const r = await runWithGrads(xs, (ts) => concat(ts), seedFor);
      const tfxs = xs.map((x) => tf.tensor(x.data, x.shape));
      expect(Array.from(r.value)).toEqual(Array.from(tf.concat(tfxs, -1).dataSync()));
      const tfGrads = tf.grads((...a: import('@tensorflow/tfjs-core').Tensor[]) => tf.concat(a, -1))(tfxs, tf.tensor(r.seed, r.shape));
      r.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(tfGrads[i].dataSync())));
    }
  });

  it.each([0, 1, 2, -3])('concatenates along axis %i of rank-4 inputs: exact vs tf.concat, backward exact vs tf.grads', async (axis) => {
    const tf = await tfjs();
    const base = [2, 3, 5, 3];
    const ax = axis < 0 ? axis + 4 : axis;
    const shapes = [1, 2, 3].map((len) => base.map((d, i) => (i === ax ? len : d)));
    const xs = inputs(shapes, 30 + ax);
    const r = await runWithGrads(xs, (ts) => concat(ts, axis), seedFor);
    const tfxs = xs.map((x) => tf.tensor(x.data, x.shape));
    expect(Array.from(r.value)).toEqual(Array.from(tf.concat(tfxs, ax).dataSync()));
    const tfGrads = tf.grads((...a: import('@tensorflow/tfjs-core').Tensor[]) => tf.concat(a, ax))(tfxs, tf.tensor(r.seed, r.shape));
    r.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(tfGrads[i].dataSync())));
  });

  it('backward matches central differences on the float64 reference (2-D, axis 1, atol 1e-6)', async () => {
    const xs = inputs(
      [
        [3, 2],
        [3, 5],
        [3, 1],
      ],
      40,
    );
    const r = await runWithGrads(xs, (ts) => concat(ts, 1), seedFor);
    xs.forEach((x, i) => {
      const f = (v: Float64Array) =>
        concatRef(
          xs.map((o, j) => ({ data: j === i ? v : Float64Array.from(o.data), shape: o.shape })),
          1,
        ).data;
      const num = numericGradient(f, x.data, r.seed);
      Array.from(num).forEach((v, j) => expect(Math.abs(r.grads[i][j] - v)).toBeLessThan(1e-6));
    });
  });

  it('only computes gradients for inputs that need one', () => {
    const a = watch(tensor(randomArray(6, 1), [1, 1, 2, 3]));
    const b = tensor(randomArray(4, 2), [1, 1, 2, 2]);
    const tape = new Tape();
    const y = tape.record(() => concat([a, b]));
    const { grads } = tape.backward(y);
    expect(grads.has(a)).toBe(true);
    expect(grads.has(b)).toBe(false);
    tape.dispose();
  });

  it('passes a single input through and accepts zero-width inputs', async () => {
    const a = tensor([1, 2, 3, 4], [1, 2, 2]);
    expect(Array.from(await concat([a]).read())).toEqual([1, 2, 3, 4]);
    const empty = tensor([], [1, 2, 0]);
    const y = concat([empty, a, empty]);
    expect(y.shape).toEqual([1, 2, 2]);
    expect(Array.from(await y.read())).toEqual([1, 2, 3, 4]);
  });

  it('rejects mismatched spatial shapes (naming them), bad axes, ranks and empty lists', () => {
    const a = tensor(new Float32Array(2 * 3 * 5 * 3), [2, 3, 5, 3]);
    const b = tensor(new Float32Array(2 * 4 * 5 * 2), [2, 4, 5, 2]);
    expect(() => concat([a, b])).toThrow(ShapeError);
    expect(() => concat([a, b])).toThrow(/\[2, 3, 5, 3\], \[2, 4, 5, 2\]/);
    expect(() => concat([a, a], 4)).toThrow(/axis/);
    expect(() => concat([a, a], -5)).toThrow(ShapeError);
    expect(() => concat([a, a], 1.5)).toThrow(ShapeError);
    expect(() => concat([a, tensor([1, 2], [2])])).toThrow(ShapeError);
    expect(() => concat([])).toThrow(ShapeError);
    expect(() => concat([tensor([1], [])])).toThrow(ShapeError);
  });
});
