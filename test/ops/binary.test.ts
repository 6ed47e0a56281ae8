import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { add, mul } from '../../src/ops/arithmetic.js';
import { div, maximum, minimum, pow, prelu, sub } from '../../src/ops/binary.js';
import { expectClose, expectSteadyMemory, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { binaryRef } from '../reference/broadcast.js';
import { numericGradient } from '../reference/grad.js';

type Tf = typeof tfc;
const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

async function withGrads(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], f: (a: Tensor, b: Tensor) => Tensor, seedNum: number) {
  const ta = watch(tensor(a, aShape));
  const tb = watch(tensor(b, bShape));
  const tape = new Tape();
  const y = tape.record(() => f(ta, tb));
  const seed = randomArray(y.size, seedNum);
  const { grads } = tape.backward(y, tensor(seed, y.shape));
  const out = { shape: [...y.shape], value: await y.read(), seed, ga: await grads.get(ta)!.read(), gb: await grads.get(tb)!.read() };
  tape.dispose();
  return out;
}

interface Op {
  name: string;
  run: (a: Tensor, b: Tensor) => Tensor;
  ref: (a: number, b: number) => number;
  tf: (tf: Tf) => (a: tfc.Tensor, b: tfc.Tensor) => tfc.Tensor;
  /** Ranges of a and b. */
  a: [number, number];
  b: [number, number];
}

/**
 * tfjs 4.22's Maximum and Minimum gradients do not sum over broadcast axes (tf.grad throws "The
 * gradient of input 'a' has shape [2, 5, 7, 6], which does not match the shape of the input
 * [2, 1, 1, 6]"), so their tfjs reference broadcasts both operands with tf.broadcastTo first, whose
 * gradient does the summing.
 */
const viaBroadcastTo = (op: (a: tfc.Tensor, b: tfc.Tensor) => tfc.Tensor, tf: Tf) => (a: tfc.Tensor, b: tfc.Tensor) => {
  const shape = tf.add(a, b).shape;
  return op(tf.broadcastTo(a, shape), tf.broadcastTo(b, shape));
};

const ops: Op[] = [
  { name: 'add', run: add, ref: (a, b) => a + b, tf: (tf) => tf.add, a: [-2, 2], b: [-2, 2] },
  { name: 'sub', run: sub, ref: (a, b) => a - b, tf: (tf) => tf.sub, a: [-2, 2], b: [-2, 2] },
  { name: 'mul', run: mul, ref: (a, b) => a * b, tf: (tf) => tf.mul, a: [-2, 2], b: [-2, 2] },
  { name: 'div', run: div, ref: (a, b) => a / b, tf: (tf) => tf.div, a: [-2, 2], b: [0.5, 2] },
  { name: 'pow', run: pow, ref: Math.pow, tf: (tf) => tf.pow, a: [0.2, 2], b: [-2, 2] },
  { name: 'maximum', run: maximum, ref: Math.max, tf: (tf) => viaBroadcastTo(tf.maximum, tf), a: [-2, 2], b: [-2, 2] },
  { name: 'minimum', run: minimum, ref: Math.min, tf: (tf) => viaBroadcastTo(tf.minimum, tf), a: [-2, 2], b: [-2, 2] },
];

const shapePairs: Array<{ what: string; a: number[]; b: number[] }> = [
  { what: 'same shapes', a: [2, 5, 7, 3], b: [2, 5, 7, 3] },
  { what: 'squeeze-excitation gate [N, 1, 1, C] × [N, H, W, C]', a: [2, 1, 1, 6], b: [2, 5, 7, 6] },
  { what: 'per channel [C] (the fast path for add and mul)', a: [2, 5, 7, 3], b: [3] },
  { what: 'one-image gate [1, 1, 1, C] first (the swapped per-channel path for add and mul)', a: [1, 1, 1, 8], b: [1, 5, 7, 8] },
  { what: 'both broadcast [5, 1, 3] × [1, 7, 1]', a: [5, 1, 3], b: [1, 7, 1] },
  { what: 'same shapes of 8 channels (vec4 lanes)', a: [2, 3, 4, 8], b: [2, 3, 4, 8] },
  { what: 'SE gate of 8 channels, batch 2 (vec4 lanes, a repeated over H, W)', a: [2, 1, 1, 8], b: [2, 5, 7, 8] },
  { what: 'one value per pixel [2, 5, 7, 1] × [2, 5, 7, 8] (vec4, a splat)', a: [2, 5, 7, 1], b: [2, 5, 7, 8] },
  { what: 'a scalar', a: [], b: [2, 3] },
  { what: 'ranks 4 and 3 [2, 3, 1, 5] × [3, 4, 1]', a: [2, 3, 1, 5], b: [3, 4, 1] },
];

describe.each(ops)('$name', ({ name, run, ref, tf: tfOp, a: aRange, b: bRange }) => {
  it.each(shapePairs)(
    '$what: forward vs float64 and tfjs (rtol 1e-5, atol 1e-6), both gradients vs tf.grad and central differences (rtol 1e-4, atol 1e-5)',
    async ({ a: aShape, b: bShape }) => {
      const tf = await tfjs();
      const a = randomArray(size(aShape), 11 + name.length, ...aRange);
      const b = randomArray(size(bShape), 12 + name.length, ...bRange);
      const r = await withGrads(a, aShape, b, bShape, run, 13);
      const [ta, tb] = [tf.tensor(a, aShape), tf.tensor(b, bShape)];
      const ty = tfOp(tf)(ta, tb);
      expect(r.shape).toEqual(ty.shape);
      expectClose(r.value, binaryRef(ref, a, aShape, b, bShape), 1e-5, 1e-6, 'forward vs float64');
      expectClose(r.value, ty.dataSync(), 1e-5, 1e-6, 'forward vs tfjs');
      const [tga, tgb] = tf.grads((x: tfc.Tensor, y: tfc.Tensor) => tfOp(tf)(x, y))([ta, tb], tf.tensor(r.seed, ty.shape));
      expectClose(r.ga, tga.dataSync(), 1e-4, 1e-5, 'gradient of a vs tf.grad');
      expectClose(r.gb, tgb.dataSync(), 1e-4, 1e-5, 'gradient of b vs tf.grad');
      const na = numericGradient((v) => binaryRef(ref, v, aShape, b, bShape), a, r.seed);
      const nb = numericGradient((v) => binaryRef(ref, a, aShape, v, bShape), b, r.seed);
      expectClose(r.ga, na, 1e-4, 1e-5, 'gradient of a vs central differences');
      expectClose(r.gb, nb, 1e-4, 1e-5, 'gradient of b vs central differences');
    },
  );
});

describe('prelu', () => {
  it.each([
    { what: 'per-channel slope [C] on [2, 5, 7, 3]', x: [2, 5, 7, 3], s: [3] },
    { what: 'Keras shared_axes slope [1, 1, C] on [2, 5, 7, 6]', x: [2, 5, 7, 6], s: [1, 1, 6] },
    { what: 'slope per position and channel [H, W, C]', x: [2, 3, 4, 5], s: [3, 4, 5] },
  ])(
    '$what: forward vs float64 and tf.prelu (rtol 1e-5, atol 1e-6), input and slope gradients vs tf.grad and central differences (rtol 1e-4, atol 1e-5)',
    async ({ x: xShape, s: sShape }) => {
      const tf = await tfjs();
      const x = randomArray(size(xShape), 21);
      const s = randomArray(size(sShape), 22, 0.05, 0.5);
      const f = (v: number, a: number) => (v > 0 ? v : a * v);
      const r = await withGrads(x, xShape, s, sShape, prelu, 23);
      const [tx, ts] = [tf.tensor(x, xShape), tf.tensor(s, sShape)];
      expectClose(r.value, binaryRef(f, x, xShape, s, sShape), 1e-5, 1e-6, 'forward vs float64');
      expectClose(r.value, tf.prelu(tx, ts).dataSync(), 1e-5, 1e-6, 'forward vs tfjs');
      const [tgx, tgs] = tf.grads((a: tfc.Tensor, b: tfc.Tensor) => tf.prelu(a, b))([tx, ts], tf.tensor(r.seed, xShape));
      expectClose(r.ga, tgx.dataSync(), 1e-4, 1e-5, 'input gradient vs tf.grad');
      expectClose(r.gb, tgs.dataSync(), 1e-4, 1e-5, 'slope gradient vs tf.grad');
      expectClose(
        r.gb,
        numericGradient((v) => binaryRef(f, x, xShape, v, sShape), s, r.seed),
        1e-4,
        1e-5,
        'slope gradient vs central differences',
      );
    },
  );
});

describe('binary edge cases', () => {
  it(
    'pow of negative bases: odd and even integer exponents keep NumPy signs, fractional ones give NaN, ' +
      'x⁰ = 1; gradients vs float64 (rtol 1e-5, atol 1e-6)',
    async () => {
      const a = Float32Array.from([-1.5, -0.5, 0, 0.5, -2, -1.5, 0, -3]);
      const b = Float32Array.from([2, 3, 2, 3, 0, 0.5, 0, 1]);
      const r = await withGrads(a, [8], b, [8], pow, 5);
      const expected = Array.from(a, (v, i) => v ** b[i]);
      expect(Number.isNaN(r.value[5])).toBe(true);
      expectClose(
        r.value.filter((_, i) => i !== 5),
        expected.filter((_, i) => i !== 5),
        1e-5,
        1e-6,
        'pow forward',
      );
      const ga = Array.from(a, (v, i) => r.seed[i] * b[i] * v ** (b[i] - 1));
      expectClose(
        r.ga.filter((_, i) => ![4, 5, 6].includes(i)),
        ga.filter((_, i) => ![4, 5, 6].includes(i)),
        1e-5,
        1e-6,
        'pow gradient of a',
      );
      expect(r.ga[4]).toBe(0);
    },
  );

  it('sub keeps neither operand on the tape (its gradients read only dY): disposed operands leave backward working', async () => {
    const a = watch(tensor(randomArray(2 * 3 * 4, 1), [2, 3, 4]));
    const b = watch(tensor(randomArray(4, 2), [4]));
    const tape = new Tape();
    const y = tape.record(() => sub(a, b));
    a.dispose();
    b.dispose();
    const { grads } = tape.backward(y);
    expectClose(await grads.get(b)!.read(), [-6, -6, -6, -6], 0, 0, 'gradient of b: −Σ over 6 rows of ones');
    tape.dispose();
  });

  it('shapes that do not broadcast are rejected, naming both', () => {
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(4), [4]);
    expect(() => sub(a, b)).toThrow(ShapeError);
    expect(() => add(a, b)).toThrow(/\[2, 3\] and \[4\]/);
  });

  it('the SE-gate broadcast forward and backward leave GPU memory steady (10 steps)', async () => {
    const x = tensor(randomArray(2 * 5 * 7 * 6, 3), [2, 5, 7, 6]);
    const g = tensor(randomArray(2 * 6, 4), [2, 1, 1, 6]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const [xx, gg] = [watch(x), watch(g)];
        const y = tape.record(() => div(mul(gg, xx), maximum(gg, xx)));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
