// transpose, slice, split, broadcastTo, reduceMax and reduceMin: the strided-view ops.
import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, tidy, watch } from '../../src/tensor/index.js';
import { transpose } from '../../src/ops/transpose.js';
import { broadcastTo, slice, split } from '../../src/ops/slice.js';
import { reduceMax, reduceMin } from '../../src/ops/reduce-extreme.js';
import { expectClose, expectSteadyMemory, randomArray, valueAndGradient } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { extremeRef, gatherRef, sliceIndices, transposeRef } from '../reference/strided.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

describe('transpose', () => {
  it.each([
    { shape: [2, 5, 7, 3], perm: [0, 3, 1, 2], what: 'NHWC → NCHW' },
    { shape: [2, 3, 5, 7], perm: [0, 2, 3, 1], what: 'NCHW → NHWC' },
    { shape: [2, 3, 2, 5, 4], perm: [0, 2, 1, 3, 4], what: 'ShuffleNet channel shuffle (5-D, groups 3 and 2 swapped)' },
    { shape: [2, 3, 4, 1, 5, 3], perm: [5, 4, 3, 2, 1, 0], what: 'rank 6 reversed' },
    { shape: [3, 4], perm: undefined, what: 'default perm (reverse)' },
    { shape: [2, 3, 5, 8], perm: [0, 2, 1, 3], what: 'H and W swapped, 8 channels kept last (vec4 lanes)' },
  ])('$what: forward and gradient exact vs float64 and tf.transpose / tf.grad', async ({ shape, perm, what }) => {
    const tf = await tfjs();
    const data = randomArray(size(shape), what.length);
    const r = await valueAndGradient(data, shape, (x) => transpose(x, perm), 3);
    const p = perm ?? shape.map((_, i) => shape.length - 1 - i);
    expect(r.shape).toEqual(p.map((i) => shape[i]));
    expectClose(r.value, transposeRef(data, shape, p), 0, 0, 'forward vs float64');
    const tx = tf.tensor(data, shape);
    expectClose(r.value, tf.transpose(tx, perm).dataSync(), 0, 0, 'forward vs tfjs');
    const tg = tf.grad((t: tfc.Tensor) => tf.transpose(t, perm))(tx, tf.tensor(r.seed, r.shape));
    expectClose(r.grad, tg.dataSync(), 0, 0, 'gradient vs tf.grad');
  });

  it('rejects a non-permutation', () => {
    expect(() => transpose(tensor(new Float32Array(6), [2, 3]), [0, 0])).toThrow(ShapeError);
  });
});

describe('slice', () => {
  it.each([
    { shape: [2, 5, 7, 6], starts: [2], ends: [5], axes: [3], steps: undefined, what: 'channels 2..5' },
    { shape: [2, 5, 7, 6], starts: [1, 0], ends: [5, 7], axes: [1, 2], steps: [2, 3], what: 'stride 2 and 3 spatially' },
    { shape: [2, 5, 7, 3], starts: [-1], ends: [-8], axes: [2], steps: [-2], what: 'negative start and step (reversing)' },
    { shape: [2, 5, 7, 3], starts: [-3, 0], ends: [1000, 1], axes: [-3, 0], steps: undefined, what: 'negative axes, clamped end' },
    { shape: [3, 4], starts: [5], ends: [9], axes: [0], steps: undefined, what: 'empty (start past the end)' },
  ])(
    '$what: forward exact vs float64 (and tf.stridedSlice), gradient exact vs scatter reference and central differences',
    async ({ shape, starts, ends, axes, steps, what }) => {
      const tf = await tfjs();
      const data = randomArray(size(shape), what.length);
      const r = await valueAndGradient(data, shape, (x) => slice(x, { starts, ends, axes, steps }), 4);
      const picks = shape.map((d, i) => {
        const k = axes.findIndex((a) => (a < 0 ? a + shape.length : a) === i);
        return k < 0 ? Array.from({ length: d }, (_, j) => j) : sliceIndices(d, starts[k], ends[k], steps?.[k] ?? 1);
      });
      expect(r.shape).toEqual(picks.map((p) => p.length));
      const ref = (v: ArrayLike<number>) => gatherRef(v, shape, picks);
      expectClose(r.value, ref(data), 0, 0, 'forward vs float64');
      if (!steps || steps.every((s) => s > 0)) {
        const begin = shape.map(() => 0);
        const end = [...shape];
        const strides = shape.map(() => 1);
        axes.forEach((a, k) => {
          const ax = a < 0 ? a + shape.length : a;
          begin[ax] = picks[ax][0] ?? 0;
          end[ax] = picks[ax].length ? picks[ax][picks[ax].length - 1] + 1 : begin[ax];
          strides[ax] = steps?.[k] ?? 1;
        });
        expectClose(r.value, tf.stridedSlice(tf.tensor(data, shape), begin, end, strides).dataSync(), 0, 0, 'forward vs tfjs');
      }
      expectClose(
        r.grad,
        numericGradient((v) => ref(v), data, r.seed),
        1e-6,
        1e-9,
        'gradient vs central differences',
      );
    },
  );

  it('split into channel groups (ShuffleNet) matches slices; gradients of the pieces land in their bands exactly', async () => {
    const shape = [2, 3, 5, 7];
    const data = randomArray(size(shape), 9);
    const x = watch(tensor(data, shape));
    const tape = new Tape();
    const pieces = tape.record(() => split(x, [3, 0, 4], -1));
    expect(pieces.map((p) => p.shape)).toEqual([
      [2, 3, 5, 3],
      [2, 3, 5, 0],
      [2, 3, 5, 4],
    ]);
    const all = (len: number, from: number) => Array.from({ length: len }, (_, j) => from + j);
    const picks = (c: number[]) => [all(2, 0), all(3, 0), all(5, 0), c];
    expectClose(await pieces[0].read(), gatherRef(data, shape, picks(all(3, 0))), 0, 0, 'piece 0');
    expectClose(await pieces[2].read(), gatherRef(data, shape, picks(all(4, 3))), 0, 0, 'piece 2');
    const y = tape.record(() => pieces[2]);
    const g = await tape.backward(y).grads.get(x)!.read();
    expectClose(
      g,
      Array.from(data, (_, i) => (i % 7 >= 3 ? 1 : 0)),
      0,
      0,
      'gradient of piece 2: ones in its band',
    );
    tape.dispose();
    expect(() => split(x, [3, 3], -1)).toThrow(/adding up to 7/);
  });
});

describe('broadcastTo', () => {
  it.each([
    { shape: [2, 1, 1, 3], to: [2, 5, 7, 3] },
    { shape: [3], to: [2, 4, 3] },
    { shape: [4, 1], to: [2, 4, 5] },
  ])('$shape to $to: forward exact vs tf.broadcastTo, gradient vs tf.grad (rtol 1e-6, atol 1e-6)', async ({ shape, to }) => {
    const tf = await tfjs();
    const data = randomArray(size(shape), 5);
    const r = await valueAndGradient(data, shape, (x) => broadcastTo(x, to), 6);
    const tx = tf.tensor(data, shape);
    expectClose(r.value, tf.broadcastTo(tx, to).dataSync(), 0, 0, 'forward vs tfjs');
    expectClose(
      r.grad,
      tf
        .grad((t: tfc.Tensor) => tf.broadcastTo(t, to))(tx, tf.tensor(r.seed, to))
        .dataSync(),
      1e-6,
      1e-6,
      'gradient vs tf.grad',
    );
  });
});

describe.each([
  { name: 'reduceMax', run: reduceMax, ref: Math.max, tfOp: (tf: typeof tfc) => tf.max },
  { name: 'reduceMin', run: reduceMin, ref: Math.min, tfOp: (tf: typeof tfc) => tf.min },
])('$name', ({ run, ref, tfOp }) => {
  it.each([
    { shape: [2, 5, 7, 3], axes: [1, 2] as number[] | undefined, what: 'spatial (global max pool)' },
    { shape: [2, 5, 7, 3], axes: [3], what: 'channels (already last: no copy)' },
    { shape: [2, 5, 7, 3], axes: [0, 2], what: 'non-adjacent {0, 2}' },
    { shape: [2, 5, 7, 3], axes: undefined, what: 'all axes' },
    { shape: [3, 1000], axes: [1], what: 'rows of 1000 (two chunked passes)' },
    { shape: [2, 70001], axes: [1], what: 'rows of 70,001 (three chunked passes; no central differences: too large)' },
  ])('over $what, keepDims both ways: exact vs float64 and tfjs; gradient exact vs tf.grad and central differences', async ({ shape, axes }) => {
    const tf = await tfjs();
    const data = randomArray(size(shape), 8);
    const norm = axes ?? shape.map((_, i) => i);
    for (const keepDims of [false, true]) {
      const r = await valueAndGradient(data, shape, (x) => run(x, axes, keepDims), 7);
      const tx = tf.tensor(data, shape);
      const f = (t: tfc.Tensor) => tfOp(tf)(t, axes, keepDims);
      expect(r.shape).toEqual(f(tx).shape);
      expectClose(r.value, extremeRef(ref, data, shape, norm), 0, 0, 'forward vs float64');
      expectClose(r.value, f(tx).dataSync(), 0, 0, 'forward vs tfjs');
      expectClose(r.grad, tf.grad(f)(tx, tf.tensor(r.seed, r.shape)).dataSync(), 0, 0, 'gradient vs tf.grad');
      if (data.length <= 5000) {
        expectClose(
          r.grad,
          numericGradient((v) => extremeRef(ref, v, shape, norm), data, r.seed),
          1e-6,
          1e-9,
          'gradient vs central differences',
        );
      }
    }
  });
});

describe('strided ops memory', () => {
  it('transpose, slice, broadcastTo and reduceMax forward+backward leave GPU memory steady (10 steps)', async () => {
    const x = tensor(randomArray(2 * 5 * 7 * 6, 3), [2, 5, 7, 6]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const xx = watch(x);
        const y = tape.record(() => reduceMax(broadcastTo(slice(transpose(xx, [0, 3, 1, 2]), { starts: [1], ends: [4], axes: [1] }), [2, 2, 3, 5, 7]), [1, 3]));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
