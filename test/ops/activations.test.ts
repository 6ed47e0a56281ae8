import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, tidy, watch, withOverrides, type Tensor } from '../../src/tensor/index.js';
import * as act from '../../src/ops/activations.js';
import { relu } from '../../src/ops/relu.js';
import { expectClose, expectSteadyMemory, randomArray, valueAndGradient } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { activationRef, mapRef } from '../reference/activations.js';
import { numericGradient } from '../reference/grad.js';

type Tf = typeof tfc;
const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

interface Case {
  name: string;
  run: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  /** The same function in tfjs (its own op where it has one, else composed of tfjs ops). */
  tf: (tf: Tf, x: tfc.Tensor) => tfc.Tensor;
  lo: number;
  hi: number;
}

const r = activationRef;
const hsig = (tf: Tf, x: tfc.Tensor, a: number, b: number) => tf.clipByValue(tf.add(tf.mul(x, a), b), 0, 1);
const cases: Case[] = [
  { name: 'sigmoid', run: act.sigmoid, ref: (x) => r.sigmoid(x, 0, 0), tf: (tf, x) => tf.sigmoid(x), lo: -8, hi: 8 },
  { name: 'tanh', run: act.tanh, ref: (x) => r.tanh(x, 0, 0), tf: (tf, x) => tf.tanh(x), lo: -4, hi: 4 },
  { name: 'silu', run: act.silu, ref: (x) => r.silu(x, 0, 0), tf: (tf, x) => tf.mul(x, tf.sigmoid(x)), lo: -8, hi: 8 },
  {
    name: 'hardSigmoid α 0.2 β 0.5 (ONNX)',
    run: (x) => act.hardSigmoid(x),
    ref: (x) => r.hardSigmoid(x, 0.2, 0.5),
    tf: (tf, x) => hsig(tf, x, 0.2, 0.5),
    lo: -4,
    hi: 4,
  },
  {
    name: 'hardSigmoid α 1/6 β 0.5 (Keras 3)',
    run: (x) => act.hardSigmoid(x, 1 / 6, 0.5),
    ref: (x) => r.hardSigmoid(x, 1 / 6, 0.5),
    tf: (tf, x) => hsig(tf, x, 1 / 6, 0.5),
    lo: -5,
    hi: 5,
  },
  { name: 'hardSwish', run: act.hardSwish, ref: (x) => r.hardSwish(x, 1 / 6, 0.5), tf: (tf, x) => tf.mul(x, hsig(tf, x, 1 / 6, 0.5)), lo: -5, hi: 5 },
  { name: 'relu6', run: act.relu6, ref: (x) => r.clip(x, 0, 6), tf: (tf, x) => tf.relu6(x), lo: -3, hi: 9 },
  { name: 'clip(-1.5, 2)', run: (x) => act.clip(x, -1.5, 2), ref: (x) => r.clip(x, -1.5, 2), tf: (tf, x) => tf.clipByValue(x, -1.5, 2), lo: -4, hi: 4 },
  { name: 'leakyRelu α 0.1', run: (x) => act.leakyRelu(x, 0.1), ref: (x) => r.leakyRelu(x, 0.1, 0), tf: (tf, x) => tf.leakyRelu(x, 0.1), lo: -4, hi: 4 },
  { name: 'elu α 1', run: (x) => act.elu(x), ref: (x) => r.elu(x, 1, 1), tf: (tf, x) => tf.elu(x), lo: -4, hi: 4 },
  {
    name: 'elu α 0.5',
    run: (x) => act.elu(x, 0.5),
    ref: (x) => r.elu(x, 0.5, 1),
    tf: (tf, x) => tf.add(tf.relu(x), tf.mul(tf.sub(tf.exp(tf.minimum(x, 0)), 1), 0.5)),
    lo: -4,
    hi: 4,
  },
  { name: 'selu', run: act.selu, ref: (x) => r.elu(x, 1.6732632423543772, 1.0507009873554805), tf: (tf, x) => tf.selu(x), lo: -4, hi: 4 },
  { name: 'softplus', run: act.softplus, ref: (x) => r.softplus(x, 0, 0), tf: (tf, x) => tf.softplus(x), lo: -20, hi: 20 },
  {
    name: 'gelu (erf)',
    run: (x) => act.gelu(x),
    ref: (x) => r.geluErf(x, 0, 0),
    tf: (tf, x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)),
    lo: -5,
    hi: 5,
  },
  {
    name: 'gelu (tanh)',
    run: (x) => act.gelu(x, 'tanh'),
    ref: (x) => r.geluTanh(x, 0, 0),
    tf: (tf, x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1)),
    lo: -5,
    hi: 5,
  },
  { name: 'erf', run: act.erf, ref: (x) => r.erf(x, 0, 0), tf: (tf, x) => tf.erf(x), lo: -3, hi: 3 },
  { name: 'sqrt', run: act.sqrt, ref: Math.sqrt, tf: (tf, x) => tf.sqrt(x), lo: 0.1, hi: 5 },
  { name: 'exp', run: act.exp, ref: Math.exp, tf: (tf, x) => tf.exp(x), lo: -5, hi: 5 },
  { name: 'log', run: act.log, ref: Math.log, tf: (tf, x) => tf.log(x), lo: 0.1, hi: 5 },
  { name: 'abs', run: act.abs, ref: Math.abs, tf: (tf, x) => tf.abs(x), lo: -3, hi: 3 },
  { name: 'neg', run: act.neg, ref: (x) => -x, tf: (tf, x) => tf.neg(x), lo: -3, hi: 3 },
  { name: 'reciprocal', run: act.reciprocal, ref: (x) => 1 / x, tf: (tf, x) => tf.reciprocal(x), lo: 0.2, hi: 4 },
  { name: 'softsign', run: act.softsign, ref: (x) => r.softsign(x, 0, 0), tf: (tf, x) => tf.div(x, tf.add(tf.abs(x), 1)), lo: -4, hi: 4 },
  {
    name: 'celu α 0.7',
    run: (x) => act.celu(x, 0.7),
    ref: (x) => r.celu(x, 0.7, 0),
    tf: (tf, x) => tf.add(tf.relu(x), tf.mul(tf.sub(tf.exp(tf.div(tf.minimum(x, 0), 0.7)), 1), 0.7)),
    lo: -4,
    hi: 4,
  },
  {
    name: 'thresholdedRelu α 0.5',
    run: (x) => act.thresholdedRelu(x, 0.5),
    ref: (x) => r.thresholdedRelu(x, 0.5, 0),
    tf: (tf, x) => tf.mul(x, tf.step(tf.sub(x, 0.5))),
    lo: -3,
    hi: 3,
  },
  {
    name: 'shrink λ 0.8 bias 0.3',
    run: (x) => act.shrink(x, 0.8, 0.3),
    ref: (x) => r.shrink(x, 0.8, 0.3),
    tf: (tf, x) => tf.add(tf.mul(tf.add(x, 0.3), tf.step(tf.neg(tf.add(x, 0.8)))), tf.mul(tf.sub(x, 0.3), tf.step(tf.sub(x, 0.8)))),
    lo: -3,
    hi: 3,
  },
  { name: 'sin', run: act.sin, ref: Math.sin, tf: (tf, x) => tf.sin(x), lo: -4, hi: 4 },
  { name: 'cos', run: act.cos, ref: Math.cos, tf: (tf, x) => tf.cos(x), lo: -4, hi: 4 },
  { name: 'tan', run: act.tan, ref: Math.tan, tf: (tf, x) => tf.tan(x), lo: -1.2, hi: 1.2 },
  { name: 'asin', run: act.asin, ref: Math.asin, tf: (tf, x) => tf.asin(x), lo: -0.9, hi: 0.9 },
  { name: 'acos', run: act.acos, ref: Math.acos, tf: (tf, x) => tf.acos(x), lo: -0.9, hi: 0.9 },
  { name: 'atan', run: act.atan, ref: Math.atan, tf: (tf, x) => tf.atan(x), lo: -4, hi: 4 },
  { name: 'sinh', run: act.sinh, ref: Math.sinh, tf: (tf, x) => tf.sinh(x), lo: -3, hi: 3 },
  { name: 'cosh', run: act.cosh, ref: Math.cosh, tf: (tf, x) => tf.cosh(x), lo: -3, hi: 3 },
  { name: 'asinh', run: act.asinh, ref: Math.asinh, tf: (tf, x) => tf.asinh(x), lo: -4, hi: 4 },
  { name: 'acosh', run: act.acosh, ref: Math.acosh, tf: (tf, x) => tf.acosh(x), lo: 1.2, hi: 4 },
  { name: 'atanh', run: act.atanh, ref: Math.atanh, tf: (tf, x) => tf.atanh(x), lo: -0.9, hi: 0.9 },
  { name: 'floor', run: act.floor, ref: Math.floor, tf: (tf, x) => tf.floor(x), lo: -3, hi: 3 },
  { name: 'ceil', run: act.ceil, ref: Math.ceil, tf: (tf, x) => tf.ceil(x), lo: -3, hi: 3 },
  { name: 'round (half to even)', run: act.round, ref: (x) => r.round(x, 0, 0), tf: (tf, x) => tf.round(x), lo: -3, hi: 3 },
  { name: 'sign', run: act.sign, ref: Math.sign, tf: (tf, x) => tf.sign(x), lo: -3, hi: 3 },
];

// [2, 5, 7, 3] (70 values per image, not a multiple of 4: the scalar kernel) and [2, 3, 4, 8] (vec4 kernel).
const shapes = [
  [2, 5, 7, 3],
  [2, 3, 4, 8],
];

describe.each(cases)('$name', ({ name, run, ref, tf: tfOp, lo, hi }) => {
  it.each(shapes)(
    'on [%i, %i, %i, %i]: forward vs float64 and tfjs (rtol 1e-5, atol 1e-6), backward vs tf.grad (rtol ' +
      '1e-4, atol 1e-6) and central differences (rtol 1e-4, atol 2e-6)',
    async (...shape) => {
      const tf = await tfjs();
      const data = randomArray(size(shape), 7 + name.length, lo, hi);
      const res = await valueAndGradient(data, shape, run, 9);
      expectClose(res.value, mapRef(ref, data), 1e-5, 1e-6, 'forward vs float64');
      const tx = tf.tensor(data, shape);
      expectClose(res.value, tfOp(tf, tx).dataSync(), 1e-5, 1e-6, 'forward vs tfjs');
      const num = numericGradient((v) => mapRef(ref, v), data, res.seed);
      expectClose(res.grad, num, 1e-4, 2e-6, 'gradient vs central differences');
      const tg = tf.grad((t: tfc.Tensor) => tfOp(tf, t))(tx, tf.tensor(res.seed, shape));
      expectClose(res.grad, tg.dataSync(), 1e-4, 1e-6, 'gradient vs tf.grad');
    },
  );
});

describe('activation edge cases', () => {
  it('saturating inputs stay finite: sigmoid, tanh, silu, softplus, gelu at ±100 (vs float64, atol 1e-6)', async () => {
    const data = Float32Array.from([-100, -30, 30, 100]);
    for (const [f, kind] of [
      [act.sigmoid, 'sigmoid'],
      [act.tanh, 'tanh'],
      [act.silu, 'silu'],
      [act.softplus, 'softplus'],
      [(x: Tensor) => act.gelu(x), 'geluErf'],
      [(x: Tensor) => act.gelu(x, 'tanh'), 'geluTanh'],
    ] as const) {
      const res = await valueAndGradient(data, [4], f, 3);
      expectClose(
        res.value,
        mapRef((v) => activationRef[kind](v, 0, 0), data),
        1e-6,
        1e-6,
        `${kind} forward`,
      );
      expect(res.grad.every(Number.isFinite), `${kind} gradient finite`).toBe(true);
    }
  });

  it("relu6 takes relu's guided override under its own kind, counted apart; relu's override alone leaves it plain", async () => {
    const data = randomArray(2 * 3 * 5 * 3, 41, -3, 9);
    const shape = [2, 3, 5, 3];
    const f = (x: Tensor) => act.relu6(relu(x));
    const guided = await valueAndGradient(data, shape, f, 42, { relu: 'guided', relu6: 'guided' });
    expect(guided.overridden).toEqual({ relu: 1, relu6: 1 });
    const expected = Array.from(data, (x, i) => (x > 0 && x < 6 ? Math.max(guided.seed[i], 0) : 0));
    expectClose(guided.grad, expected, 0, 0, 'guided gradient: max(g, 0) where 0 < x < 6');
    const reluOnly = await valueAndGradient(data, shape, f, 42, { relu: 'guided' });
    expect(reluOnly.overridden).toEqual({ relu: 1 });
    const plain = await valueAndGradient(data, shape, f, 42);
    expectClose(
      reluOnly.grad,
      Array.from(data, (x, i) => (x > 0 && x < 6 ? Math.max(plain.seed[i], 0) : 0)),
      0,
      0,
      'relu guided, relu6 plain',
    );
    const deconv = await valueAndGradient(data, shape, act.relu6, 42, { relu6: 'deconvnet' });
    expectClose(
      deconv.grad,
      Array.from(deconv.seed, (g) => Math.max(g, 0)),
      0,
      0,
      'deconvnet: max(g, 0)',
    );
  });

  it('a clip with a non-zero lower bound has no guided override (the error names the kind)', async () => {
    const x = watch(tensor([1, 2, 3], [3]));
    const tape = new Tape();
    const y = tape.record(() => act.clip(x, -1, 2));
    expect(() => withOverrides({ clip: 'guided' }, () => tape.backward(y))).toThrow(/not defined for clip/);
    tape.dispose();
  });

  it('rejects bad parameters', () => {
    const x = tensor([1], [1]);
    expect(() => act.clip(x, 2, 1)).toThrow(ShapeError);
    expect(() => act.gelu(x, 'fast' as 'tanh')).toThrow(/approximate/);
  });

  it('forward and backward of the family leave GPU memory steady (10 steps)', async () => {
    const x = tensor(randomArray(4 * 9 * 5, 3), [4, 9, 5]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const xx = watch(x);
        const y = tape.record(() => act.hardSwish(act.silu(act.gelu(act.relu6(xx)))));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
