import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { memoryStats, ShapeError, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { mean, sum } from '../../src/ops/reduce.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { reduceRef } from '../reference/reduce.js';
import { numericGradient } from '../reference/grad.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

async function withGrad(data: Float32Array, shape: number[], f: (x: Tensor) => Tensor, seedNum: number) {
  const x = watch(tensor(data, shape));
  const tape = new Tape();
  const y = tape.record(() => f(x));
  const seed = randomArray(y.size, seedNum);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const out = { shape: [...y.shape], value: await y.read(), seed, grad: await grads.get(x)!.read() };
  tape.dispose();
  return out;
}

const ops = [
  { kind: 'sum' as const, run: sum, tfOp: (tf: typeof tfc) => tf.sum },
  { kind: 'mean' as const, run: mean, tfOp: (tf: typeof tfc) => tf.mean },
];

/** Float32 sums of n terms err by far less than 1e-6·Σ|x| with chunked and tree summation. */
function sumTolerance(data: Float32Array, shape: number[], axes: number[], kind: 'sum' | 'mean'): number {
  return 1e-6 * maxAbs(reduceRef(data.map(Math.abs), shape, axes, kind)) + 1e-7;
}

const axisSets: Array<{ shape: number[]; axes: number[] | undefined; what: string }> = [
  { shape: [2, 5, 7, 3], axes: undefined, what: 'all axes (default)' },
  { shape: [2, 5, 7, 3], axes: [1, 2], what: 'spatial H, W (global average pool, Grad-CAM weights)' },
  { shape: [2, 5, 7, 3], axes: [0, 1, 2], what: 'all but channels (bias gradient)' },
  { shape: [2, 5, 7, 3], axes: [3], what: 'channels only' },
  { shape: [2, 5, 7, 3], axes: [0, 2], what: 'non-adjacent {0, 2} (two passes)' },
  { shape: [2, 5, 7, 3], axes: [-1, 1], what: 'negative and unsorted {-1, 1}' },
  { shape: [2, 5, 7, 3], axes: [], what: 'no axes (identity)' },
  { shape: [3, 1, 5], axes: [1], what: 'a size-1 axis only' },
  { shape: [3, 1, 130], axes: [1, 2], what: 'a size-1 axis and a long row (tree path)' },
];

describe.each(ops)('$kind', ({ kind, run, tfOp }) => {
  it.each(axisSets)(
    'over $what of $shape, keepDims both ways: forward vs float64 reference and tfjs (rtol 1e-5, atol 1e-6·Σ|x|), backward vs tf.grad (rtol 1e-6, atol 1e-7)',
    async ({ shape, axes, what }) => {
      const tf = await tfjs();
      const data = randomArray(size(shape), 3 + what.length);
      const normalized = (axes ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + shape.length : a));
      const ref = reduceRef(data, shape, normalized, kind);
      const tol = sumTolerance(data, shape, normalized, kind);
      const tx = tf.tensor(data, shape);
      for (const keepDims of [false, true]) {
        const r = await withGrad(data, shape, (x) => run(x, axes, keepDims), 50);
        const f = (t: tfc.Tensor) => tfOp(tf)(t, axes, keepDims);
        const ty = f(tx);
        expect(r.shape).toEqual(ty.shape);
        expectClose(r.value, ref, 1e-5, tol, `forward vs float64 (keepDims ${keepDims})`);
        expectClose(r.value, ty.dataSync(), 1e-5, tol, `forward vs tfjs (keepDims ${keepDims})`);
        const tg = tf.grad(f)(tx, tf.tensor(r.seed, ty.shape));
        expectClose(r.grad, tg.dataSync(), 1e-6, 1e-7, `gradient vs tf.grad (keepDims ${keepDims})`);
      }
    },
  );

  it('backward over {0, 2} of [2, 3, 4, 3] matches central differences on the float64 reference (rtol 1e-5, atol 1e-7)', async () => {
    const shape = [2, 3, 4, 3];
    const data = randomArray(size(shape), 61);
    const r = await withGrad(data, shape, (x) => run(x, [0, 2]), 62);
    const num = numericGradient((v) => reduceRef(v, shape, [0, 2], kind), data, r.seed);
    expectClose(r.grad, num, 1e-5, 1e-7, 'gradient vs central differences');
  });
});

describe('large reductions (parallel chunked paths)', () => {
  it.each([
    { shape: [100003], axes: [0], what: '100,003 values to one (tree chunks, then a second pass)' },
    { shape: [317, 331], axes: [0], what: '317 rows of 331 columns down the rows (column chunks of 256, two passes)' },
    { shape: [2, 50, 1001], axes: [2], what: '100 rows of 1001 (tree per row)' },
    { shape: [1, 224, 224, 3], axes: [0, 1, 2], what: 'a 224×224×3 image per channel' },
    { shape: [3, 40000], axes: [0, 1], what: '120,000 values, all axes' },
  ])('$what: sum and mean vs float64 reference and tfjs (rtol 1e-5, atol 1e-6·Σ|x|)', async ({ shape, axes }) => {
    const tf = await tfjs();
    const data = randomArray(size(shape), 71, -1, 3);
    const x = tensor(data, shape);
    const tx = tf.tensor(data, shape);
    for (const kind of ['sum', 'mean'] as const) {
      const y = await (kind === 'sum' ? sum(x, axes) : mean(x, axes)).read();
      const tol = sumTolerance(data, shape, axes, kind);
      expectClose(y, reduceRef(data, shape, axes, kind), 1e-5, tol, `${kind} vs float64`);
      expectClose(y, (kind === 'sum' ? tf.sum(tx, axes) : tf.mean(tx, axes)).dataSync(), 1e-5, tol, `${kind} vs tfjs`);
    }
  });

  it('mean over H, W of [1, 17, 19, 2048] backward vs tf.grad (rtol 1e-6, atol 1e-9)', async () => {
    const tf = await tfjs();
    const shape = [1, 17, 19, 2048];
    const data = randomArray(size(shape), 81);
    const r = await withGrad(data, shape, (x) => mean(x, [1, 2]), 82);
    const f = (t: tfc.Tensor) => tf.mean(t, [1, 2]);
    const tx = tf.tensor(data, shape);
    expectClose(r.value, f(tx).dataSync(), 1e-5, 1e-6, 'forward vs tfjs');
    expectClose(
      r.grad,
      tf
        .grad(f)(tx, tf.tensor(r.seed, [1, 2048]))
        .dataSync(),
      1e-6,
      1e-9,
      'gradient vs tf.grad',
    );
  });
});

describe('reduction edge cases', () => {
  it('rank 0: sum and mean of a scalar are the scalar; gradient passes through', async () => {
    const r = await withGrad(Float32Array.from([2.5]), [], (x) => mean(x), 5);
    expect(r.shape).toEqual([]);
    expect(Array.from(r.value)).toEqual([2.5]);
    expect(Array.from(r.grad)).toEqual(Array.from(r.seed));
    expect(Array.from(await sum(tensor([-3], [])).read())).toEqual([-3]);
  });

  it(
    'empty reductions: Σ of nothing is 0 (as tf.sum), the mean of nothing NaN (as the float64 reference ' +
      'and NumPy; tfjs differs); empty outputs stay empty',
    async () => {
      const tf = await tfjs();
      const x = tensor([], [2, 0, 3]);
      expect(Array.from(await sum(x, [1]).read())).toEqual(Array.from(tf.sum(tf.zeros([2, 0, 3]), [1]).dataSync()));
      expect(Array.from(await sum(x).read())).toEqual([0]);
      expect(Array.from(await mean(x, [1]).read())).toEqual(Array.from(reduceRef([], [2, 0, 3], [1], 'mean')));
      expect(Number.isNaN((await mean(x).read())[0])).toBe(true);
      expect(sum(x, [0]).shape).toEqual([0, 3]);
    },
  );

  it('rejects out-of-range, repeated and fractional axes, naming the shape', () => {
    const x = tensor(new Float32Array(6), [2, 3]);
    expect(() => sum(x, [2])).toThrow(ShapeError);
    expect(() => sum(x, [2])).toThrow(/\[2, 3\]/);
    expect(() => mean(x, [-3])).toThrow(ShapeError);
    expect(() => sum(x, [1, -1])).toThrow(/at most once/);
    expect(() => sum(x, [0.5])).toThrow(ShapeError);
    expect(() => sum(tensor([1], []), [0])).toThrow(ShapeError);
  });

  it('multi-pass intermediates are released: 30 forward+backward steps leave live memory unchanged', async () => {
    const x = tensor(randomArray(2 * 300 * 7 * 3, 9), [2, 300, 7, 3]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const xx = watch(x);
        const y = tape.record(() => sum(mean(xx, [0, 2]), [0]));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    step();
    await x.read();
    const before = memoryStats();
    for (let i = 0; i < 30; i++) step();
    await x.read();
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(memoryStats().liveBuffers).toBe(before.liveBuffers);
  });
});
