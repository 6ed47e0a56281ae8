import { describe, expect, it } from 'vitest';
import { ShapeError, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { avgPool, globalAvgPool, globalMaxPool, maxPool, type Pool2dOptions } from '../../src/ops/pool.js';
import type { Padding } from '../../src/ops/padding.js';
import { expectClose, expectSteadyMemory, randomArray, rng } from '../helpers.js';
import type { Tensor as TfTensor, Tensor4D } from '@tensorflow/tfjs-core';
import { tfjs, type Tf } from '../tfjs.js';
import { numericGradient } from '../reference/grad.js';
import {
  avgPoolGradRef,
  avgPoolRef,
  distinctArray,
  globalAvgPoolRef,
  globalMaxPoolRef,
  maxPoolGradRef,
  maxPoolRef,
  refOutputSize,
  type PoolRefOptions,
  type Shape4,
} from '../reference/pool.js';

interface Case {
  name: string;
  shape: Shape4;
  kernel: [number, number];
  strides: [number, number];
  /** What our op is given. */
  padding: Padding | 'same' | 'valid';
  /** The same padding per side, worked out by hand for the references. */
  pad: Padding;
  ceilMode: boolean;
  /** Taps this many cells apart (default [1, 1]). */
  dilations?: [number, number];
}

const cases: Case[] = [
  {
    name: 'k3 s2 asymmetric pad, odd 9×7, batch 2, C=3',
    shape: [2, 9, 7, 3],
    kernel: [3, 3],
    strides: [2, 2],
    padding: { top: 1, bottom: 0, left: 0, right: 1 },
    pad: { top: 1, bottom: 0, left: 0, right: 1 },
    ceilMode: false,
  },
  {
    name: 'k3 s2 asymmetric pad, odd 9×7, batch 2, C=8 (vec4)',
    shape: [2, 9, 7, 8],
    kernel: [3, 3],
    strides: [2, 2],
    padding: { top: 1, bottom: 0, left: 0, right: 1 },
    pad: { top: 1, bottom: 0, left: 0, right: 1 },
    ceilMode: false,
  },
  // TF 'same' on 8×6 with k3 s2: total padding 1 per axis, the odd pixel bottom/right.
  {
    name: "k3 s2 TF 'same' on 8×6, C=5",
    shape: [1, 8, 6, 5],
    kernel: [3, 3],
    strides: [2, 2],
    padding: 'same',
    pad: { top: 0, bottom: 1, left: 0, right: 1 },
    ceilMode: false,
  },
  // Ceil mode: the last window along each axis starts in the input and runs past the padding.
  {
    name: 'k3 s2 pad 1 ceil mode on 8×6, C=4 (vec4)',
    shape: [1, 8, 6, 4],
    kernel: [3, 3],
    strides: [2, 2],
    padding: { top: 1, bottom: 1, left: 1, right: 1 },
    pad: { top: 1, bottom: 1, left: 1, right: 1 },
    ceilMode: true,
  },
  {
    name: 'k2×3 s1×2 asymmetric pad ceil mode on 7×5, batch 2, C=3',
    shape: [2, 7, 5, 3],
    kernel: [2, 3],
    strides: [1, 2],
    padding: { top: 0, bottom: 1, left: 1, right: 0 },
    pad: { top: 0, bottom: 1, left: 1, right: 0 },
    ceilMode: true,
  },
  {
    name: 'k2 s3 valid on 7×7 (cells outside every window), C=2',
    shape: [1, 7, 7, 2],
    kernel: [2, 2],
    strides: [3, 3],
    padding: 'valid',
    pad: { top: 0, bottom: 0, left: 0, right: 0 },
    ceilMode: false,
  },
  // Dilated windows (ONNX `dilations`): taps d cells apart, a window spans (k − 1)·d + 1 cells.
  {
    name: 'k2 d2 s1 valid on 4×4 (ONNX test_maxpool_2d_dilations geometry), batch 2, C=3',
    shape: [2, 4, 4, 3],
    kernel: [2, 2],
    strides: [1, 1],
    dilations: [2, 2],
    padding: 'valid',
    pad: { top: 0, bottom: 0, left: 0, right: 0 },
    ceilMode: false,
  },
  // TF 'same' over the dilated span 5: total padding 4 per axis.
  {
    name: "k3 d2 s1 TF 'same' on 9×7, C=5",
    shape: [1, 9, 7, 5],
    kernel: [3, 3],
    strides: [1, 1],
    dilations: [2, 2],
    padding: 'same',
    pad: { top: 2, bottom: 2, left: 2, right: 2 },
    ceilMode: false,
  },
  {
    name: 'k2×3 d2×3 s2×1 asymmetric pad on 9×11, batch 2, C=8 (vec4)',
    shape: [2, 9, 11, 8],
    kernel: [2, 3],
    strides: [2, 1],
    dilations: [2, 3],
    padding: { top: 1, bottom: 2, left: 0, right: 3 },
    pad: { top: 1, bottom: 2, left: 0, right: 3 },
    ceilMode: false,
  },
  // The last windows' last taps fall past the trailing padding (rows 9, cols 7).
  {
    name: 'k3 d2 s2 pad 1 ceil mode on 8×6, C=4 (vec4)',
    shape: [1, 8, 6, 4],
    kernel: [3, 3],
    strides: [2, 2],
    dilations: [2, 2],
    padding: { top: 1, bottom: 1, left: 1, right: 1 },
    pad: { top: 1, bottom: 1, left: 1, right: 1 },
    ceilMode: true,
  },
  // Span 4: 'same' pads 1 before and 2 after, as wide as the kernel but every window still holds a real tap.
  {
    name: "k2 d3 s1 'same' on 7×5 (trailing padding = kernel < span), C=2",
    shape: [1, 7, 5, 2],
    kernel: [2, 2],
    strides: [1, 1],
    dilations: [3, 3],
    padding: 'same',
    pad: { top: 1, bottom: 2, left: 1, right: 2 },
    ceilMode: false,
  },
];

const withDilations = (c: Case) => (c.dilations ? { dilations: c.dilations } : {});
const refOptions = (c: Case): PoolRefOptions => ({ kernel: c.kernel, strides: c.strides, pad: c.pad, ceilMode: c.ceilMode, ...withDilations(c) });
const opOptions = (c: Case): Pool2dOptions => ({ kernel: c.kernel, strides: c.strides, padding: c.padding, ceilMode: c.ceilMode, ...withDilations(c) });
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isDilated = (c: Case) => (c.dilations ?? [1, 1]).some((d) => d !== 1);

/** Output [height, width] by the float64 reference's formula. */
function outputSize(c: Case): [number, number] {
  const [, H, W] = c.shape;
  const [dh, dw] = c.dilations ?? [1, 1];
  return [
    refOutputSize(H, c.pad.top, c.pad.bottom, c.kernel[0], c.strides[0], c.ceilMode, dh),
    refOutputSize(W, c.pad.left, c.pad.right, c.kernel[1], c.strides[1], c.ceilMode, dw),
  ];
}

/** Bottom/right cells past the explicit padding that ceil-mode windows reach. */
function overhang(c: Case): [number, number] {
  const [, H, W] = c.shape;
  const [OH, OW] = outputSize(c);
  const [dh, dw] = c.dilations ?? [1, 1];
  const eh = (OH - 1) * c.strides[0] + (c.kernel[0] - 1) * dh + 1 - (H + c.pad.top + c.pad.bottom);
  const ew = (OW - 1) * c.strides[1] + (c.kernel[1] - 1) * dw + 1 - (W + c.pad.left + c.pad.right);
  return [Math.max(eh, 0), Math.max(ew, 0)];
}

/** Every stride-th row and column of a stride-1 result (tf.gather has a gradient, tf.stridedSlice none). */
function tfSubsample(tf: Tf, dense: Tensor4D, c: Case) {
  const [OH, OW] = outputSize(c);
  const rows = tf.tensor1d(
    Array.from({ length: OH }, (_, i) => i * c.strides[0]),
    'int32',
  );
  const cols = tf.tensor1d(
    Array.from({ length: OW }, (_, j) => j * c.strides[1]),
    'int32',
  );
  return tf.gather(tf.gather(dense, rows, 1), cols, 2) as Tensor4D;
}

/**
 * Dilated 'valid' max pooling of an already padded input: tf.maxPool takes no dilations, tf.pool
 * (spaceToBatchND → maxPool → batchToSpaceND) takes them only with stride 1, so it pools at stride 1
 * and every stride-th window is kept.
 */
function tfDilatedMax(tf: Tf, xp: Tensor4D, c: Case) {
  return tfSubsample(tf, tf.pool(xp, c.kernel, 'max', 'valid', c.dilations, 1) as Tensor4D, c);
}

/**
 * Dilated 'valid' window sums of an already padded input, as the sum of kh·kw shifted slices (one per
 * tap): tf.avgPool takes no dilations, tfjs has no gradient for a dilated depthwise convolution, and
 * tf.grad throws through tf.pool's average path and through tf.addN here (dy null in Cast/AddN).
 */
function tfDilatedSum(tf: Tf, xp: Tensor4D, c: Case) {
  const [n, hp, wp, ch] = xp.shape;
  const [dh, dw] = c.dilations ?? [1, 1];
  const rows = hp - (c.kernel[0] - 1) * dh,
    cols = wp - (c.kernel[1] - 1) * dw;
  let sum: Tensor4D | undefined;
  for (let i = 0; i < c.kernel[0]; i++) {
    for (let j = 0; j < c.kernel[1]; j++) {
      const tap = tf.slice(xp, [0, i * dh, j * dw, 0], [n, rows, cols, ch]);
      sum = sum ? tf.add(sum, tap) : tap;
    }
  }
  return tfSubsample(tf, sum as Tensor4D, c);
}

/** tfjs max pool: −∞ padding (explicit pads and the ceil-mode overhang), then 'valid'. */
function tfMaxPool(tf: Tf, x: Tensor4D, c: Case) {
  const [eh, ew] = overhang(c);
  const xp = tf.pad(
    x,
    [
      [0, 0],
      [c.pad.top, c.pad.bottom + eh],
      [c.pad.left, c.pad.right + ew],
      [0, 0],
    ],
    -Infinity,
  );
  return isDilated(c) ? tfDilatedMax(tf, xp, c) : tf.maxPool(xp, c.kernel, c.strides, 'valid');
}

/**
 * tfjs average pool for any divisor rule: window sums of the zero-padded input divided by window
 * counts of a mask of the cells the rule counts (real cells, or real + explicit padding). Sums are
 * a depthwise convolution with a ones filter, 'valid': tf.avgPool is checked directly in the
 * forward tests, but its gradient is unusable here (it divides by the full kernel area where the
 * forward excluded padding, and with tfjs-core's ESM gradient registration it throws).
 */
function tfAvgPool(tf: Tf, x: Tensor4D, c: Case, countIncludePad: boolean) {
  const [n, H, W, C] = c.shape;
  const [eh, ew] = overhang(c);
  const all: [number, number][] = [
    [0, 0],
    [c.pad.top, c.pad.bottom + eh],
    [c.pad.left, c.pad.right + ew],
    [0, 0],
  ];
  const ones = tf.ones([n, H, W, 1]) as Tensor4D;
  const counted = countIncludePad
    ? tf.pad(
        tf.pad(
          ones,
          [
            [0, 0],
            [c.pad.top, c.pad.bottom],
            [c.pad.left, c.pad.right],
            [0, 0],
          ],
          1,
        ),
        [
          [0, 0],
          [0, eh],
          [0, ew],
          [0, 0],
        ],
      )
    : tf.pad(ones, all);
  const windowSum = (t: Tensor4D, channels: number) =>
    isDilated(c) ? tfDilatedSum(tf, t, c) : tf.depthwiseConv2d(t, tf.ones([c.kernel[0], c.kernel[1], channels, 1]) as Tensor4D, c.strides, 'valid');
  return tf.div(windowSum(tf.pad(x, all), C), windowSum(counted, 1));
}

async function forward(op: (x: Tensor) => Tensor, xv: Float32Array, shape: readonly number[]): Promise<{ y: Float32Array; shape: readonly number[] }> {
  const y = tidy(() => op(tensor(xv, shape)));
  const out = { y: await y.read(), shape: y.shape };
  y.dispose();
  return out;
}

/** dL/dx for L = Σ seed·op(x), through our tape. */
async function backward(op: (x: Tensor) => Tensor, xv: Float32Array, shape: readonly number[], seedv: Float32Array): Promise<Float32Array> {
  const tape = new Tape();
  const gx = tidy(() => {
    const x = watch(tensor(xv, shape));
    const y = tape.record(() => op(x));
    return tape.backward(y, tensor(seedv, y.shape)).grads.get(x)!;
  });
  tape.dispose();
  const out = await gx.read();
  gx.dispose();
  return out;
}

describe('maxPool forward', () => {
  it.each(cases)('$name: equals the float64 reference and tfjs (exact: a max of float32 values)', async (c) => {
    const tf = await tfjs();
    const xv = randomArray(sizeOf(c.shape), 11);
    const ref = maxPoolRef(xv, c.shape, refOptions(c));
    const ours = await forward((x) => maxPool(x, opOptions(c)), xv, c.shape);
    expect(ours.shape).toEqual(ref.shape);
    expectClose(ours.y, ref.y, 0, 0, 'vs float64 reference');
    const theirs = tf.tidy(() => tfMaxPool(tf, tf.tensor4d(xv, c.shape), c).dataSync());
    expectClose(ours.y, theirs, 0, 0, 'vs tfjs');
  });

  it("TF 'same' equals tf.maxPool(x, 3, 2, 'same') exactly", async () => {
    const tf = await tfjs();
    const shape: Shape4 = [2, 7, 8, 4];
    const xv = randomArray(sizeOf(shape), 12);
    const ours = await forward((x) => maxPool(x, { kernel: [3, 3], strides: [2, 2], padding: 'same' }), xv, shape);
    const theirs = tf.tidy(() => tf.maxPool(tf.tensor4d(xv, shape), 3, 2, 'same'));
    expect(ours.shape).toEqual(theirs.shape);
    expectClose(ours.y, theirs.dataSync(), 0, 0, 'vs tfjs same');
    theirs.dispose();
  });

  it('ceil mode drops a window that would start in the trailing padding (PyTorch: 5 → 3 for k2 s2 pad 1)', async () => {
    // span = 5 + 2 − 2 = 5, ceil(5/2) + 1 = 4 windows, but the 4th starts at padded row 6 = H + pad.top.
    const shape: Shape4 = [1, 5, 5, 4];
    const xv = randomArray(sizeOf(shape), 13);
    const ours = await forward(
      (x) => maxPool(x, { kernel: [2, 2], strides: [2, 2], padding: { top: 1, bottom: 1, left: 1, right: 1 }, ceilMode: true }),
      xv,
      shape,
    );
    expect(ours.shape).toEqual([1, 3, 3, 4]);
  });

  it('strides default to the kernel', async () => {
    const shape: Shape4 = [1, 6, 4, 3];
    const xv = randomArray(sizeOf(shape), 14);
    const ours = await forward((x) => maxPool(x, { kernel: [2, 2] }), xv, shape);
    const ref = maxPoolRef(xv, shape, { kernel: [2, 2], strides: [2, 2], pad: { top: 0, bottom: 0, left: 0, right: 0 }, ceilMode: false });
    expect(ours.shape).toEqual([1, 3, 2, 3]);
    expectClose(ours.y, ref.y, 0, 0, 'vs float64 reference');
  });
});

describe('avgPool forward', () => {
  for (const include of [true, false]) {
    it.each(cases)(`$name, countIncludePad ${include}: float64 reference and tfjs (rtol 1e-5, atol 1e-6)`, async (c) => {
      const tf = await tfjs();
      const xv = randomArray(sizeOf(c.shape), 21);
      const ref = avgPoolRef(xv, c.shape, refOptions(c), include);
      const ours = await forward((x) => avgPool(x, { ...opOptions(c), countIncludePad: include }), xv, c.shape);
      expect(ours.shape).toEqual(ref.shape);
      expectClose(ours.y, ref.y, 1e-5, 1e-6, 'vs float64 reference');
      const theirs = tf.tidy(() => tfAvgPool(tf, tf.tensor4d(xv, c.shape), c, include).dataSync());
      expectClose(ours.y, theirs, 1e-5, 1e-6, 'vs tfjs');
    });
  }

  it("countIncludePad false with TF 'same' equals tf.avgPool(x, 3, 2, 'same') (Keras semantics; rtol 1e-5, atol 1e-6)", async () => {
    const tf = await tfjs();
    const shape: Shape4 = [2, 7, 8, 3];
    const xv = randomArray(sizeOf(shape), 22);
    const ours = await forward((x) => avgPool(x, { kernel: [3, 3], strides: [2, 2], padding: 'same', countIncludePad: false }), xv, shape);
    const theirs = tf.tidy(() => tf.avgPool(tf.tensor4d(xv, shape), 3, 2, 'same'));
    expect(ours.shape).toEqual(theirs.shape);
    expectClose(ours.y, theirs.dataSync(), 1e-5, 1e-6, 'vs tfjs same');
    theirs.dispose();
  });

  it('countIncludePad false with asymmetric explicit padding equals tfjs explicit-padding avgPool (rtol 1e-5, atol 1e-6)', async () => {
    const tf = await tfjs();
    const c = cases[1];
    const xv = randomArray(sizeOf(c.shape), 23);
    const ours = await forward((x) => avgPool(x, { ...opOptions(c), countIncludePad: false }), xv, c.shape);
    const pads: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [c.pad.top, c.pad.bottom],
      [c.pad.left, c.pad.right],
      [0, 0],
    ];
    const theirs = tf.tidy(() => tf.avgPool(tf.tensor4d(xv, c.shape), c.kernel, c.strides, pads).dataSync());
    expectClose(ours.y, theirs, 1e-5, 1e-6, 'vs tfjs explicit padding');
  });

  it('ceil mode + countIncludePad: the overhang past the padding is not counted (hand values, PyTorch / onnx.reference)', async () => {
    // onnx/onnx#5276, microsoft/onnxruntime#16203: kernel 7, stride 3, pads 3/3, ceil mode on 9 values.
    // Windows start at −3, 0, 3, 6; the last covers taps 6..11 of the padded input (length 15 ends at 12),
    // so PyTorch divides its sum by 6, not 7.
    const xv = Float32Array.from([2.0903, 4.6493, 1.632, -3.2051, 4.6975, 4.7296, 3.3653, -1.5815, -2.3832]);
    const f = (i: number) => xv[i];
    const sum = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => f(a + k)).reduce((s, v) => s + v, 0);
    const expected = [sum(0, 3) / 7, sum(0, 6) / 7, sum(3, 8) / 7, sum(6, 8) / 6];
    const ours = await forward(
      (x) => avgPool(x, { kernel: [1, 7], strides: [1, 3], padding: { top: 0, bottom: 0, left: 3, right: 3 }, ceilMode: true, countIncludePad: true }),
      xv,
      [1, 1, 9, 1],
    );
    expect(ours.shape).toEqual([1, 1, 4, 1]);
    expectClose(ours.y, expected, 1e-5, 1e-6, 'PyTorch avg_pool1d values');
    // sonos/tract#2851: [1..5], kernel 2, stride 2, no padding, ceil mode → [1.5, 3.5, 5].
    const small = await forward(
      (x) => avgPool(x, { kernel: [1, 2], strides: [1, 2], ceilMode: true, countIncludePad: true }),
      Float32Array.from([1, 2, 3, 4, 5]),
      [1, 1, 5, 1],
    );
    expectClose(small.y, [1.5, 3.5, 5], 0, 0, 'onnx.reference values');
  });
});

describe('global pooling forward', () => {
  for (const shape of [
    [2, 5, 7, 3],
    [2, 5, 7, 8],
  ] as Shape4[]) {
    it(`globalAvgPool ${JSON.stringify(shape)} equals the float64 mean and tf.mean (rtol 1e-5, atol 1e-6)`, async () => {
      const tf = await tfjs();
      const xv = randomArray(sizeOf(shape), 31);
      const ours = await forward(globalAvgPool, xv, shape);
      expect(ours.shape).toEqual([shape[0], shape[3]]);
      expectClose(ours.y, globalAvgPoolRef(xv, shape), 1e-5, 1e-6, 'vs float64 reference');
      expectClose(
        ours.y,
        tf.tidy(() => tf.mean(tf.tensor4d(xv, shape), [1, 2]).dataSync()),
        1e-5,
        1e-6,
        'vs tf.mean',
      );
    });

    it(`globalMaxPool ${JSON.stringify(shape)} equals the float64 max and tf.max (exact)`, async () => {
      const tf = await tfjs();
      const xv = randomArray(sizeOf(shape), 32);
      const ours = await forward(globalMaxPool, xv, shape);
      expect(ours.shape).toEqual([shape[0], shape[3]]);
      expectClose(ours.y, globalMaxPoolRef(xv, shape), 0, 0, 'vs float64 reference');
      expectClose(
        ours.y,
        tf.tidy(() => tf.max(tf.tensor4d(xv, shape), [1, 2]).dataSync()),
        0,
        0,
        'vs tf.max',
      );
    });
  }
});

describe('maxPool backward', () => {
  it.each(cases)('$name: reference routing, central differences and tf.grad (rtol 1e-5, atol 1e-6)', async (c) => {
    const tf = await tfjs();
    const r = rng(41);
    // Distinct values: each window has one arg-max, at least 2/size away from the runner-up.
    const xv = distinctArray(sizeOf(c.shape), r);
    const outSize = sizeOf(maxPoolRef(xv, c.shape, refOptions(c)).shape);
    const seed = randomArray(outSize, 42);
    const ours = await backward((x) => maxPool(x, opOptions(c)), xv, c.shape, seed);
    expectClose(ours, maxPoolGradRef(xv, c.shape, refOptions(c), seed), 1e-5, 1e-6, 'vs float64 routing');
    const numeric = numericGradient((x) => maxPoolRef(x, c.shape, refOptions(c)).y, xv, seed);
    expectClose(ours, numeric, 1e-5, 1e-6, 'vs central differences');
    const theirs = tf.tidy(() => {
      const dy = tf.tensor1d(seed);
      const g = tf.grad((x: TfTensor) => tf.sum(tf.mul(tf.reshape(tfMaxPool(tf, x as Tensor4D, c), [-1]), dy)));
      return g(tf.tensor4d(xv, c.shape)).dataSync();
    });
    expectClose(ours, theirs, 1e-5, 1e-6, 'vs tf.grad');
  });

  it('ties go to the first maximum in row-major window order (hand-derived, exact)', async () => {
    // All-equal 3×3 input, k2 s1: each window's gradient lands on its top-left cell.
    const seed = Float32Array.from([1, 2, 3, 4]);
    const ours = await backward((x) => maxPool(x, { kernel: [2, 2], strides: [1, 1] }), new Float32Array(9).fill(0.5), [1, 3, 3, 1], seed);
    expect(Array.from(ours)).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
    // With leading padding the padded cells never win: the window at (−1, −1) routes to cell (0, 0).
    const padded = await backward(
      (x) => maxPool(x, { kernel: [2, 2], strides: [2, 2], padding: { top: 1, bottom: 0, left: 1, right: 0 } }),
      new Float32Array(9 * 4).fill(-2),
      [1, 3, 3, 4],
      new Float32Array(16).fill(1),
    );
    const expected = new Float32Array(36);
    for (const cell of [0, 1, 3, 4]) expected.fill(1, cell * 4, cell * 4 + 4);
    expect(Array.from(padded)).toEqual(Array.from(expected));
    // The float64 reference states the same rule.
    const refTie = maxPoolGradRef(
      new Float64Array(9).fill(0.5),
      [1, 3, 3, 1],
      { kernel: [2, 2], strides: [1, 1], pad: { top: 0, bottom: 0, left: 0, right: 0 }, ceilMode: false },
      seed,
    );
    expect(Array.from(refTie)).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });
});

describe('avgPool backward', () => {
  for (const include of [true, false]) {
    it.each(cases)(`$name, countIncludePad ${include}: reference, central differences and tf.grad (rtol 1e-5, atol 1e-6)`, async (c) => {
      const tf = await tfjs();
      const xv = randomArray(sizeOf(c.shape), 51);
      const outSize = sizeOf(avgPoolRef(xv, c.shape, refOptions(c), include).shape);
      const seed = randomArray(outSize, 52);
      const ours = await backward((x) => avgPool(x, { ...opOptions(c), countIncludePad: include }), xv, c.shape, seed);
      expectClose(ours, avgPoolGradRef(c.shape, refOptions(c), include, seed), 1e-5, 1e-6, 'vs float64 reference gradient');
      const numeric = numericGradient((x) => avgPoolRef(x, c.shape, refOptions(c), include).y, xv, seed);
      expectClose(ours, numeric, 1e-5, 1e-6, 'vs central differences');
      const theirs = tf.tidy(() => {
        const dy = tf.tensor1d(seed);
        const g = tf.grad((x: TfTensor) => tf.sum(tf.mul(tf.reshape(tfAvgPool(tf, x as Tensor4D, c, include), [-1]), dy)));
        return g(tf.tensor4d(xv, c.shape)).dataSync();
      });
      expectClose(ours, theirs, 1e-5, 1e-6, 'vs tf.grad');
    });
  }
});

describe('global pooling backward', () => {
  for (const shape of [
    [2, 5, 7, 3],
    [2, 5, 7, 8],
  ] as Shape4[]) {
    it(`globalAvgPool ${JSON.stringify(shape)}: central differences and tf.grad of tf.mean (rtol 1e-5, atol 1e-6)`, async () => {
      const tf = await tfjs();
      const xv = randomArray(sizeOf(shape), 61);
      const seed = randomArray(shape[0] * shape[3], 62);
      const ours = await backward(globalAvgPool, xv, shape, seed);
      expectClose(
        ours,
        numericGradient((x) => globalAvgPoolRef(x, shape), xv, seed),
        1e-5,
        1e-6,
        'vs central differences',
      );
      const theirs = tf.tidy(() => {
        const dy = tf.tensor2d(seed, [shape[0], shape[3]]);
        return tf
          .grad((x: TfTensor) => tf.sum(tf.mul(tf.mean(x, [1, 2]), dy)))(tf.tensor4d(xv, shape))
          .dataSync();
      });
      expectClose(ours, theirs, 1e-5, 1e-6, 'vs tf.grad');
    });

    it(`globalMaxPool ${JSON.stringify(shape)}: central differences and tf.grad of tf.max (rtol 1e-5, atol 1e-6)`, async () => {
      const tf = await tfjs();
      const xv = distinctArray(sizeOf(shape), rng(63));
      const seed = randomArray(shape[0] * shape[3], 64);
      const ours = await backward(globalMaxPool, xv, shape, seed);
      expectClose(
        ours,
        numericGradient((x) => globalMaxPoolRef(x, shape), xv, seed),
        1e-5,
        1e-6,
        'vs central differences',
      );
      const theirs = tf.tidy(() => {
        const dy = tf.tensor2d(seed, [shape[0], shape[3]]);
        return tf
          .grad((x: TfTensor) => tf.sum(tf.mul(tf.max(x, [1, 2]), dy)))(tf.tensor4d(xv, shape))
          .dataSync();
      });
      expectClose(ours, theirs, 1e-5, 1e-6, 'vs tf.grad');
    });
  }

  it('globalMaxPool ties go to the first cell in row-major order (hand-derived, exact)', async () => {
    const ours = await backward(globalMaxPool, new Float32Array(2 * 2 * 3 * 4).fill(1), [2, 2, 3, 4], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const expected = new Float32Array(48);
    expected.set([1, 2, 3, 4], 0);
    expected.set([5, 6, 7, 8], 24);
    expect(Array.from(ours)).toEqual(Array.from(expected));
  });
});

describe('pooling on the tape', () => {
  it('records kinds maxpool, avgpool, globalavgpool, globalmaxpool', () => {
    const tape = new Tape();
    const x = watch(tensor(randomArray(2 * 4 * 4 * 4, 71), [2, 4, 4, 4]));
    tape.record(() => {
      maxPool(x, { kernel: [2, 2] });
      avgPool(x, { kernel: [2, 2], countIncludePad: false });
      globalAvgPool(x);
      globalMaxPool(x);
    });
    expect(tape.entries.map((e) => e.kind)).toEqual(['maxpool', 'avgpool', 'globalavgpool', 'globalmaxpool']);
    tape.dispose();
  });

  it('repeated forward + backward does not grow live GPU memory (the arg-max scratch is released)', async () => {
    const x = watch(tensor(randomArray(2 * 9 * 7 * 8, 72), [2, 9, 7, 8]));
    const step = () => {
      const tape = new Tape();
      const grads = tidy(() => {
        const y = tape.record(() => avgPool(maxPool(x, { kernel: [3, 3], strides: [2, 2], padding: 'same' }), { kernel: [2, 2], countIncludePad: true }));
        return tape.backward(y).grads;
      });
      tape.dispose();
      for (const g of grads.values()) g.dispose();
    };
    await expectSteadyMemory(step, { repeats: 20 });
  });
});

describe('pooling errors', () => {
  const x = () => tensor(new Float32Array(2 * 5 * 5 * 3), [2, 5, 5, 3]);

  it('rejects inputs that are not rank 4, naming the op and the shape', () => {
    const t = tensor(new Float32Array(25), [5, 5]);
    expect(() => maxPool(t, { kernel: [2, 2] })).toThrow(ShapeError);
    expect(() => maxPool(t, { kernel: [2, 2] })).toThrow(/maxPool: expected x of rank 4 .* given x of shape \[5, 5\]/);
    expect(() => avgPool(t, { kernel: [2, 2], countIncludePad: true })).toThrow(/avgPool/);
    expect(() => globalAvgPool(t)).toThrow(/globalAvgPool: expected x of rank 4/);
    expect(() => globalMaxPool(t)).toThrow(/globalMaxPool: expected x of rank 4/);
  });

  it('rejects a kernel larger than the padded input', () => {
    expect(() => maxPool(x(), { kernel: [7, 2] })).toThrow(ShapeError);
    expect(() => avgPool(x(), { kernel: [2, 8], padding: { top: 0, bottom: 0, left: 1, right: 1 }, countIncludePad: true })).toThrow(
      /avgPool: expected input of at least/,
    );
  });

  it('rejects negative, fractional or too-large padding', () => {
    expect(() => maxPool(x(), { kernel: [3, 3], padding: { top: -1, bottom: 0, left: 0, right: 0 } })).toThrow(
      /maxPool: expected padding.top a non-negative integer, given -1/,
    );
    expect(() => maxPool(x(), { kernel: [3, 3], padding: { top: 0, bottom: 0.5, left: 0, right: 0 } })).toThrow(ShapeError);
    // A side as wide as the kernel would let a window hold only padding.
    expect(() => maxPool(x(), { kernel: [3, 3], padding: { top: 0, bottom: 0, left: 3, right: 0 } })).toThrow(
      /maxPool: expected padding smaller than the kernel \[3, 3\]/,
    );
  });

  it('dilated windows: padding must be smaller than the dilated span, and every window must reach the input', () => {
    // Span (2 − 1)·2 + 1 = 3: a left padding of 3 is too wide, 2 is fine.
    expect(() => maxPool(x(), { kernel: [2, 2], dilations: [2, 2], padding: { top: 0, bottom: 0, left: 3, right: 0 } })).toThrow(
      /maxPool: expected padding smaller than the dilated kernel span \[3, 3\] on every side/,
    );
    expect(() => maxPool(x(), { kernel: [2, 2], dilations: [2, 2], padding: { top: 0, bottom: 0, left: 2, right: 0 } })).not.toThrow();
    // 2×2 input, taps 5 apart, padding 3 (< span 6): the first window's taps are rows −3 and 2, both outside.
    const small = tensor(new Float32Array(4), [1, 2, 2, 1]);
    expect(() => avgPool(small, { kernel: [2, 2], dilations: [5, 5], padding: { top: 3, bottom: 3, left: 3, right: 3 }, countIncludePad: true })).toThrow(
      /avgPool: expected every window to hold at least one input cell/,
    );
    expect(() => maxPool(x(), { kernel: [2, 2], dilations: [0, 1] })).toThrow(/maxPool: expected dilations of positive integers/);
  });

  it('rejects bad kernels, strides and attributes', () => {
    expect(() => maxPool(x(), { kernel: [0, 2] })).toThrow(/maxPool: expected kernel of positive integers/);
    expect(() => maxPool(x(), { kernel: [2, 2], strides: [1, 0] })).toThrow(/maxPool: expected strides of positive integers/);
    expect(() => maxPool(x(), { kernel: [2] as unknown as [number, number] })).toThrow(/maxPool: expected kernel as \[height, width\]/);
    expect(() => avgPool(x(), { kernel: [2, 2] } as unknown as Parameters<typeof avgPool>[1])).toThrow(/avgPool: expected countIncludePad true or false/);
    expect(() => maxPool(x(), { kernel: [2, 2], padding: 'full' as unknown as 'same' })).toThrow(/maxPool: expected padding 'valid', 'same'/);
  });

  it('rejects empty spatial dimensions', () => {
    const t = tensor(new Float32Array(0), [1, 0, 4, 3]);
    expect(() => globalAvgPool(t)).toThrow(/globalAvgPool: expected x with non-empty spatial dimensions/);
  });
});
