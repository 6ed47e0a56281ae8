// conv2d with a fused epilogue (bias → batchnorm affine → residual add → ReLU in the store) and the
// one-pass batchNormRelu. References: @tensorflow/tfjs-core on the CPU backend composing
// tf.conv2d, tf.batchNorm, tf.add and tf.relu (forward, rtol 1e-4, atol 1e-5·max(1, max|ref|)) and
// tf.grads of that composition (backward, same tolerances); guided backprop against the same tf.grads
// with the guided rule's mask applied by hand. Consistency with our unfused ops (conv2d → batchNorm
// → add → relu) is checked as well, within 1e-5 relative (not a correctness reference: both are ours).
import { afterEach, describe, expect, it } from 'vitest';
import { Tape, tensor, tidy, watch, withOverrides, type Tensor } from '../../src/tensor/index.js';
import { conv2d, type ConvEpilogue } from '../../src/ops/conv2d.js';
import { batchNorm, batchNormCoefficients, batchNormRelu, type BatchNormParams } from '../../src/ops/batchnorm.js';
import { add } from '../../src/ops/arithmetic.js';
import { relu } from '../../src/ops/relu.js';
import { setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { samePadding, type Padding } from '../../src/ops/padding.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';

type TfTensor = ReturnType<Tf['tensor']>;

interface Case {
  what: string;
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  strides?: [number, number];
  padding: Padding | 'same' | 'valid';
  bias: boolean;
  affine: boolean;
  residual: boolean;
  relu: boolean;
}

const cases: Case[] = [
  {
    what: '3×3 same, batch 2, odd 7×6, Cin 5 / Cout 6 (channel-padded, scalar store): bias + affine + residual + relu',
    x: [2, 7, 6, 5],
    k: [3, 3],
    cout: 6,
    padding: 'same',
    bias: true,
    affine: true,
    residual: true,
    relu: true,
  },
  {
    what: '1×1 pointwise, batch 2, 5×3, Cin 8 / Cout 12: affine + relu (no bias)',
    x: [2, 5, 3, 8],
    k: [1, 1],
    cout: 12,
    padding: 'valid',
    bias: false,
    affine: true,
    residual: false,
    relu: true,
  },
  {
    what: '1×1 pointwise, Cin 12 / Cout 8: bias + residual',
    x: [1, 7, 5, 12],
    k: [1, 1],
    cout: 8,
    padding: 'valid',
    bias: true,
    affine: false,
    residual: true,
    relu: false,
  },
  {
    what: '3×3 stride 2, asymmetric padding, Cin 8 / Cout 8: residual + relu',
    x: [1, 9, 8, 8],
    k: [3, 3],
    cout: 8,
    strides: [2, 2],
    padding: { top: 0, bottom: 2, left: 1, right: 0 },
    bias: false,
    affine: false,
    residual: true,
    relu: true,
  },
  {
    what: '7×7 stride 2 valid on 13×11 RGB, Cout 8: affine + relu (unpadded gather)',
    x: [1, 13, 11, 3],
    k: [7, 7],
    cout: 8,
    strides: [2, 2],
    padding: 'valid',
    bias: true,
    affine: true,
    residual: false,
    relu: true,
  },
  {
    what: '3×3 same, batch 2, Cin 2 / Cout 5 (scalar gather and store): affine + residual + relu',
    x: [2, 5, 7, 2],
    k: [3, 3],
    cout: 5,
    padding: 'same',
    bias: true,
    affine: true,
    residual: true,
    relu: true,
  },
  {
    what: '3×3 same, Cin 8 / Cout 12: affine + relu (dX: the forward kernel over a scaled, flipped, transposed vec4 filter copy)',
    x: [1, 6, 5, 8],
    k: [3, 3],
    cout: 12,
    padding: 'same',
    bias: false,
    affine: true,
    residual: false,
    relu: true,
  },
  {
    what: '3×2 kernel, stride [2, 1], batch 3, 3×6 (2×6 outputs: the 8 pixels of an invocation cross rows and images): affine',
    x: [3, 3, 6, 4],
    k: [3, 2],
    cout: 4,
    strides: [2, 1],
    padding: { top: 1, bottom: 1, left: 0, right: 1 },
    bias: true,
    affine: true,
    residual: false,
    relu: false,
  },
];

function outShape(c: Case): number[] {
  const [sh, sw] = c.strides ?? [1, 1];
  const pad =
    c.padding === 'valid' ? { top: 0, bottom: 0, left: 0, right: 0 } : c.padding === 'same' ? samePadding(c.x[1], c.x[2], c.k[0], c.k[1], sh, sw) : c.padding;
  const oh = Math.floor((c.x[1] + pad.top + pad.bottom - c.k[0]) / sh) + 1;
  const ow = Math.floor((c.x[2] + pad.left + pad.right - c.k[1]) / sw) + 1;
  return [c.x[0], oh, ow, c.cout];
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function data(c: Case, seed: number) {
  const yShape = outShape(c);
  const wShape = [c.k[0], c.k[1], c.x[3], c.cout];
  return {
    yShape,
    wShape,
    xv: randomArray(size(c.x), seed),
    wv: randomArray(size(wShape), seed + 1),
    bv: randomArray(c.cout, seed + 2),
    rv: randomArray(size(yShape), seed + 3),
    mean: randomArray(c.cout, seed + 4, -0.5, 0.5),
    variance: randomArray(c.cout, seed + 5, 0.5, 1.5),
    gamma: randomArray(c.cout, seed + 6, 0.5, 1.5),
    beta: randomArray(c.cout, seed + 7, -0.5, 0.5),
    seed: randomArray(size(yShape), seed + 8),
  };
}
type Data = ReturnType<typeof data>;
const EPSILON = 1e-3;

/** The composition in tfjs; `pre` stops before the ReLU. */
function tfFused(tf: Tf, c: Case, d: Data, x: TfTensor, w: TfTensor, b: TfTensor, r: TfTensor, pre = false): TfTensor {
  const [sh, sw] = c.strides ?? [1, 1];
  const pad =
    c.padding === 'valid' ? { top: 0, bottom: 0, left: 0, right: 0 } : c.padding === 'same' ? samePadding(c.x[1], c.x[2], c.k[0], c.k[1], sh, sw) : c.padding;
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pad.top, pad.bottom],
    [pad.left, pad.right],
    [0, 0],
  ];
  let y = tf.conv2d(x as Parameters<Tf['conv2d']>[0], w as Parameters<Tf['conv2d']>[1], [sh, sw], explicit) as TfTensor;
  if (c.bias) y = tf.add(y, b);
  if (c.affine) y = tf.batchNorm(y, tf.tensor1d(d.mean), tf.tensor1d(d.variance), tf.tensor1d(d.beta), tf.tensor1d(d.gamma), EPSILON);
  if (c.residual) y = tf.add(y, r);
  return c.relu && !pre ? tf.relu(y) : y;
}

function ours(c: Case, d: Data) {
  const bn: BatchNormParams = {
    mean: tensor(d.mean, [c.cout]),
    variance: tensor(d.variance, [c.cout]),
    gamma: tensor(d.gamma, [c.cout]),
    beta: tensor(d.beta, [c.cout]),
    epsilon: EPSILON,
  };
  return {
    x: tensor(d.xv, c.x),
    w: tensor(d.wv, d.wShape),
    bias: c.bias ? tensor(d.bv, [c.cout]) : undefined,
    residual: c.residual ? tensor(d.rv, d.yShape) : undefined,
    bn,
  };
}

function fused(c: Case, t: ReturnType<typeof ours>): Tensor {
  return tidy(() => {
    const affine = c.affine ? batchNormCoefficients(t.bn) : undefined;
    const epilogue: ConvEpilogue = { affine, residual: t.residual, relu: c.relu };
    return conv2d(t.x, t.w, { strides: c.strides, padding: c.padding, bias: t.bias, epilogue });
  });
}

function unfused(c: Case, t: ReturnType<typeof ours>): Tensor {
  return tidy(() => {
    let y = conv2d(t.x, t.w, { strides: c.strides, padding: c.padding, bias: t.bias });
    if (c.affine) y = batchNorm(y, t.bn);
    if (t.residual) y = add(y, t.residual);
    return c.relu ? relu(y) : y;
  });
}

const RTOL = 1e-4;
const atolFor = (expected: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(expected));

describe('conv2d epilogue: forward', () => {
  afterEach(() => setMaxBindingBytesForTests(undefined));

  cases.forEach((c, i) => {
    it(`${c.what}: vs tfjs conv2d/batchNorm/add/relu (rtol 1e-4) and our unfused ops (rtol 1e-5)`, async () => {
      const d = data(c, 500 + 20 * i);
      const t = ours(c, d);
      const got = await fused(c, t).read();
      const tf = await tfjs();
      const expected = tfFused(tf, c, d, tf.tensor(d.xv, c.x), tf.tensor(d.wv, d.wShape), tf.tensor(d.bv, [c.cout]), tf.tensor(d.rv, d.yShape)).dataSync();
      expectClose(got, expected, RTOL, atolFor(expected), 'fused vs tfjs');
      const plain = await unfused(c, t).read();
      expectClose(got, plain, 1e-5, 1e-6 * Math.max(1, maxAbs(plain)), 'fused vs unfused');
    });
  });

  it('batch 3 in one-image chunks (4 KiB bindings): the residual is windowed like the output (vs tfjs, rtol 1e-4)', async () => {
    setMaxBindingBytesForTests(4096);
    const c: Case = {
      what: 'chunked',
      x: [3, 9, 8, 12],
      k: [3, 3],
      cout: 8,
      strides: [2, 2],
      padding: 'same',
      bias: true,
      affine: true,
      residual: true,
      relu: true,
    };
    const d = data(c, 4343);
    const got = await fused(c, ours(c, d)).read();
    const tf = await tfjs();
    const expected = tfFused(tf, c, d, tf.tensor(d.xv, c.x), tf.tensor(d.wv, d.wShape), tf.tensor(d.bv, [c.cout]), tf.tensor(d.rv, d.yShape)).dataSync();
    expectClose(got, expected, RTOL, atolFor(expected), 'fused vs tfjs');
  });

  it('rejects an affine that is not [3, Cout] and a residual of another shape', () => {
    const x = tensor(randomArray(5 * 5 * 4, 1), [1, 5, 5, 4]);
    const w = tensor(randomArray(9 * 4 * 8, 2), [3, 3, 4, 8]);
    expect(() => conv2d(x, w, { padding: 'same', epilogue: { affine: tensor(new Float32Array(8), [8]) } })).toThrow(
      /conv2d: expected epilogue affine \[3, 8\]/,
    );
    expect(() => conv2d(x, w, { epilogue: { residual: tensor(new Float32Array(5 * 5 * 8), [1, 5, 5, 8]) } })).toThrow(
      /conv2d: expected epilogue residual of the output's shape \[1, 3, 3, 8\]/,
    );
  });
});

describe('conv2d epilogue: backward', () => {
  cases.forEach((c, i) => {
    it(`${c.what}: dX, dW${c.bias ? ', db' : ''}${c.residual ? ', dResidual' : ''} vs tf.grads of the composition (rtol 1e-4)`, async () => {
      const d = data(c, 700 + 20 * i);
      const t = ours(c, d);
      watch(t.x);
      t.w.requiresGrad = true;
      if (t.bias) t.bias.requiresGrad = true;
      if (t.residual) t.residual.requiresGrad = true;
      const tape = new Tape();
      const y = tape.record(() => fused(c, t));
      // A recorded ReLU runs as its own op so that overrides reach it.
      expect(tape.entries.map((e) => e.kind)).toEqual(c.relu ? ['conv2d', 'relu'] : ['conv2d']);
      const { grads } = tape.backward(y, tensor(d.seed, d.yShape));
      const tf = await tfjs();
      // tf.grads refuses arguments the function does not use: pass the bias and residual only when present.
      const tb = tf.tensor(d.bv, [c.cout]),
        tr = tf.tensor(d.rv, d.yShape);
      const args = [tf.tensor(d.xv, c.x), tf.tensor(d.wv, d.wShape), ...(c.bias ? [tb] : []), ...(c.residual ? [tr] : [])];
      const f = (...ts: TfTensor[]) => tfFused(tf, c, d, ts[0], ts[1], c.bias ? ts[2] : tb, c.residual ? ts[ts.length - 1] : tr);
      const got = tf
        .grads(f)(args, tf.tensor(d.seed, d.yShape))
        .map((g) => g.dataSync());
      const ref = [got[0], got[1], c.bias ? got[2] : [], c.residual ? got[got.length - 1] : []];
      const check = async (what: string, ours: Tensor | undefined, expected: ArrayLike<number>) => {
        expect(ours, what).toBeDefined();
        expectClose(await ours!.read(), expected, RTOL, atolFor(expected), what);
      };
      await check('dX', grads.get(t.x), ref[0]);
      await check('dW', grads.get(t.w), ref[1]);
      if (t.bias) await check('db', grads.get(t.bias), ref[2]);
      if (t.residual) await check('dResidual', grads.get(t.residual), ref[3]);
      tape.dispose();
    });
  });

  it(
    "guided backprop through a fused conv + affine + relu: the recorded ReLU takes the 'guided' override " + '(vs tf.grads with the guided mask, rtol 1e-4)',
    async () => {
      const c = cases[0];
      const d = data(c, 900);
      const t = ours(c, d);
      watch(t.x);
      const tape = new Tape();
      const y = tape.record(() => fused(c, t));
      const { grads, overridden } = withOverrides({ relu: 'guided' }, () => tape.backward(y, tensor(d.seed, d.yShape)));
      expect(overridden).toEqual({ relu: 1 });
      const tf = await tfjs();
      const [tx, tw, tb, tr] = [tf.tensor(d.xv, c.x), tf.tensor(d.wv, d.wShape), tf.tensor(d.bv, [c.cout]), tf.tensor(d.rv, d.yShape)];
      const z = tfFused(tf, c, d, tx, tw, tb, tr, true).dataSync();
      // Guided rule: the gradient passes where the forward input and the incoming gradient are both positive.
      const masked = d.seed.map((g, k) => (z[k] > 0 && g > 0 ? g : 0));
      const [expected] = tf
        .grads((x: TfTensor) => tfFused(tf, c, d, x, tw, tb, tr, true))([tx], tf.tensor(masked, d.yShape))
        .map((g) => g.dataSync());
      expectClose(await grads.get(t.x)!.read(), expected, RTOL, atolFor(expected), 'guided dX');
      tape.dispose();
    },
  );

  it('repeated input gradients leave GPU memory unchanged: the filter copy (scaled), the phase kernel and the 1×1 GEMM', async () => {
    const convs: { k: number; strides: [number, number] }[] = [
      { k: 3, strides: [1, 1] },
      { k: 3, strides: [2, 2] },
      { k: 1, strides: [1, 1] },
    ];
    const x = watch(tensor(randomArray(6 * 6 * 8, 6), [1, 6, 6, 8]));
    const affine = tensor(
      Float32Array.from({ length: 24 }, (_, i) => 0.5 + i / 24),
      [3, 8],
    );
    const filters = convs.map((c, i) => tensor(randomArray(c.k * c.k * 64, 7 + i), [c.k, c.k, 8, 8]));
    const seeds = convs.map((c, i) => tensor(randomArray(c.strides[0] === 1 ? 288 : 72, 10 + i), [1, 6 / c.strides[0], 6 / c.strides[0], 8]));
    const step = async () => {
      for (const [i, c] of convs.entries()) {
        const tape = new Tape();
        const y = tape.record(() => conv2d(x, filters[i], { strides: c.strides, padding: 'same', epilogue: { affine } }));
        const gx = tape.backward(y, seeds[i]).grads.get(x)!;
        await gx.read();
        gx.dispose();
        y.dispose();
        tape.dispose();
      }
    };
    await expectSteadyMemory(step, { repeats: 5 });
  });

  it('an affine coefficient tensor that requires a gradient is refused while recording', () => {
    const x = watch(tensor(randomArray(4 * 4 * 4, 3), [1, 4, 4, 4]));
    const affine = tensor(randomArray(12, 4), [3, 4]);
    affine.requiresGrad = true;
    const tape = new Tape();
    expect(() => tape.record(() => conv2d(x, tensor(randomArray(64, 5), [2, 2, 4, 4]), { epilogue: { affine } }))).toThrow(/epilogue affine takes no gradient/);
    tape.dispose();
  });
});

describe('batchNormRelu', () => {
  const shapes: [string, number[]][] = [
    ['[2, 5, 3, 8] (vec4)', [2, 5, 3, 8]],
    ['[1, 7, 5, 6] (scalar)', [1, 7, 5, 6]],
  ];
  shapes.forEach(([name, shape], i) => {
    it(
      `${name}: one pass vs tf.relu(tf.batchNorm) (rtol 1e-5) and our batchNorm → relu (rtol 1e-5); ` +
        'recorded: two ops, guided gradient vs tf.grads with the guided mask (rtol 1e-5)',
      async () => {
        const c = shape[3];
        const xv = randomArray(size(shape), 40 + i);
        const p = { mean: randomArray(c, 50 + i), variance: randomArray(c, 60 + i, 0.5, 1.5), gamma: randomArray(c, 70 + i), beta: randomArray(c, 80 + i) };
        const bn: BatchNormParams = {
          mean: tensor(p.mean, [c]),
          variance: tensor(p.variance, [c]),
          gamma: tensor(p.gamma, [c]),
          beta: tensor(p.beta, [c]),
          epsilon: 1.001e-5,
        };
        const x = tensor(xv, shape);
        const tf = await tfjs();
        const tfBn = (t: TfTensor) => tf.batchNorm(t, tf.tensor1d(p.mean), tf.tensor1d(p.variance), tf.tensor1d(p.beta), tf.tensor1d(p.gamma), 1.001e-5);
        const expected = tf.relu(tfBn(tf.tensor(xv, shape))).dataSync();
        const got = await tidy(() => batchNormRelu(x, bn)).read();
        expectClose(got, expected, 1e-5, 1e-5 * maxAbs(expected), 'vs tfjs');
        expectClose(got, await tidy(() => relu(batchNorm(x, bn))).read(), 1e-5, 1e-6, 'vs unfused');

        watch(x);
        const tape = new Tape();
        const y = tape.record(() => batchNormRelu(x, bn));
        expect(tape.entries.map((e) => e.kind)).toEqual(['batchnorm', 'relu']);
        const seed = randomArray(size(shape), 90 + i);
        const { grads } = withOverrides({ relu: 'guided' }, () => tape.backward(y, tensor(seed, shape)));
        const z = tfBn(tf.tensor(xv, shape)).dataSync();
        const masked = seed.map((g, k) => (z[k] > 0 && g > 0 ? g : 0));
        const [gx] = tf
          .grads((t: TfTensor) => tfBn(t))([tf.tensor(xv, shape)], tf.tensor(masked, shape))
          .map((g) => g.dataSync());
        expectClose(await grads.get(x)!.read(), gx, 1e-5, 1e-5 * maxAbs(gx), 'guided dX');
        tape.dispose();
      },
    );
  });
});
