// Grouped and depthwise convolution. References: the float64 definition (test/reference/conv.ts
// with groups), tfjs-core's depthwiseConv2d (depthwise) and a split–conv2d–concat composition in
// tfjs (grouped; tfjs has no grouped convolution), tf.grads of those for the input and filter
// gradients, and central differences on the float64 definition.
import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { Tape, tensor, tidy, watch, withOverrides, type Tensor } from '../../src/tensor/index.js';
import { depthwiseConv2d, groupedConv2d, type GroupedConvEpilogue } from '../../src/ops/grouped-conv2d.js';
import { batchNormCoefficients } from '../../src/ops/batchnorm.js';
import { samePadding, type Padding } from '../../src/ops/padding.js';
import { setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { conv2dRef, convOutputSize } from '../reference/conv.js';
import { numericGradient } from '../reference/grad.js';

type Tf = typeof tfc;
type T4 = tfc.Tensor4D;
const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

interface Case {
  what: string;
  x: number[];
  k: [number, number];
  /** Depthwise multiplier, or groups and Cout for a grouped case. */
  multiplier?: number;
  groups?: number;
  cout?: number;
  strides?: [number, number];
  dilations?: [number, number];
  padding: Padding | 'same' | 'valid';
  /** Why tf.grads cannot be the gradient reference here (central differences check it instead). */
  noTfGrad?: string;
}

function resolvePad(c: Case): Padding {
  const [sh, sw] = c.strides ?? [1, 1];
  const [dh, dw] = c.dilations ?? [1, 1];
  if (c.padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (c.padding === 'same') return samePadding(c.x[1], c.x[2], c.k[0], c.k[1], sh, sw, dh, dw);
  return c.padding;
}

/** Filter in our grouped layout [KH, KW, Cin/groups, Cout], and the groups. */
function layout(c: Case): { wShape: number[]; groups: number } {
  const cin = c.x[3];
  if (c.multiplier !== undefined) return { wShape: [c.k[0], c.k[1], 1, cin * c.multiplier], groups: cin };
  return { wShape: [c.k[0], c.k[1], cin / c.groups!, c.cout!], groups: c.groups! };
}

const explicit = (p: Padding): [[number, number], [number, number], [number, number], [number, number]] => [
  [0, 0],
  [p.top, p.bottom],
  [p.left, p.right],
  [0, 0],
];

/** The tfjs reference: depthwiseConv2d, or conv2d per group on split channels, concatenated. */
function tfConv(tf: Tf, c: Case, x: tfc.Tensor, w: tfc.Tensor): tfc.Tensor {
  const pad = explicit(resolvePad(c));
  const strides = c.strides ?? [1, 1];
  const dil = c.dilations ?? [1, 1];
  if (c.multiplier !== undefined) {
    const wd = tf.reshape(w, [c.k[0], c.k[1], c.x[3], c.multiplier]);
    return tf.depthwiseConv2d(x as T4, wd as T4, strides, pad, 'NHWC', dil);
  }
  const g = c.groups!;
  const xs = tf.split(x, g, 3);
  const ws = tf.split(w, g, 3);
  return tf.concat(
    xs.map((xi, i) => tf.conv2d(xi as T4, ws[i] as T4, strides, pad, 'NHWC', dil)),
    3,
  );
}

const cases: Case[] = [
  { what: 'depthwise 3×3 same, batch 2, odd 7×5, C 8 (vec4)', x: [2, 7, 5, 8], k: [3, 3], multiplier: 1, padding: 'same' },
  { what: 'depthwise 3×3 stride 2 same, batch 2, 9×8, C 6 (scalar)', x: [2, 9, 8, 6], k: [3, 3], multiplier: 1, strides: [2, 2], padding: 'same' },
  {
    what: 'depthwise 5×5 stride 2, asymmetric padding, C 12 (vec4)',
    x: [1, 11, 9, 12],
    k: [5, 5],
    multiplier: 1,
    strides: [2, 2],
    padding: { top: 1, bottom: 2, left: 2, right: 1 },
  },
  {
    what: 'depthwise multiplier 2, 3×3 valid dilation 2, C 3',
    x: [2, 9, 7, 3],
    k: [3, 3],
    multiplier: 2,
    dilations: [2, 2],
    padding: 'valid',
    noTfGrad: 'tfjs 4.22 has no depthwise gradient for dilation > 1',
  },
  { what: 'grouped 3×3 same, groups 2, Cin 6 / Cout 10, batch 2', x: [2, 7, 6, 6], k: [3, 3], groups: 2, cout: 10, padding: 'same' },
  {
    what: 'grouped 3×3 stride 2, groups 4 of 4 channels (ResNeXt-like), Cout 8',
    x: [1, 9, 7, 16],
    k: [3, 3],
    groups: 4,
    cout: 8,
    strides: [2, 2],
    padding: { top: 1, bottom: 1, left: 1, right: 1 },
  },
  { what: 'grouped 1×1, groups 3, Cin 9 / Cout 6 (ShuffleNet-style)', x: [2, 5, 4, 9], k: [1, 1], groups: 3, cout: 6, padding: 'valid' },
  { what: 'grouped 3×3 same, groups 2 of 8 channels, Cout 16 (channel quads), batch 2', x: [2, 7, 5, 16], k: [3, 3], groups: 2, cout: 16, padding: 'same' },
  {
    what: 'grouped 3×3 stride 2, groups 4 of 4 channels, Cout 16 (channel quads, ResNeXt-like)',
    x: [1, 9, 8, 16],
    k: [3, 3],
    groups: 4,
    cout: 16,
    strides: [2, 2],
    padding: 'same',
  },
];

/** Filter shape as the op takes it: TF's depthwise [KH, KW, C, M] (same memory as the grouped layout) or grouped. */
function opFilterShape(c: Case): number[] {
  return c.multiplier !== undefined ? [c.k[0], c.k[1], c.x[3], c.multiplier] : layout(c).wShape;
}

function run(c: Case, x: Tensor, w: Tensor, epilogue?: GroupedConvEpilogue, bias?: Tensor): Tensor {
  const opts = { strides: c.strides, dilations: c.dilations, padding: c.padding, bias, epilogue };
  return c.multiplier !== undefined ? depthwiseConv2d(x, w, opts) : groupedConv2d(x, w, { ...opts, groups: c.groups });
}

function refForward(c: Case, xv: ArrayLike<number>, wv: ArrayLike<number>): Float64Array {
  const { wShape, groups } = layout(c);
  return conv2dRef(xv, c.x, wv, wShape, { strides: c.strides ?? [1, 1], dilations: c.dilations ?? [1, 1], pad: resolvePad(c) }, undefined, groups);
}

function outShapeOf(c: Case): number[] {
  const { wShape } = layout(c);
  const [oh, ow] = convOutputSize(c.x, wShape, { strides: c.strides ?? [1, 1], dilations: c.dilations ?? [1, 1], pad: resolvePad(c) });
  return [c.x[0], oh, ow, wShape[3]];
}

async function forwardBackward(
  c: Case,
  xv: Float32Array,
  wv: Float32Array,
  seedNum: number,
  epilogue?: (yShape: number[]) => GroupedConvEpilogue,
  overrides: Record<string, string> = {},
) {
  const x = watch(tensor(xv, c.x));
  const w = watch(tensor(wv, opFilterShape(c)));
  const tape = new Tape();
  const yShape = outShapeOf(c);
  const y = tape.record(() => run(c, x, w, epilogue?.(yShape)));
  const seed = randomArray(y.size, seedNum);
  const { grads, overridden } = withOverrides(overrides, () => tape.backward(y, tensor(seed, y.shape)));
  const out = { shape: [...y.shape], value: await y.read(), seed, gx: await grads.get(x)!.read(), gw: await grads.get(w)!.read(), overridden };
  tape.dispose();
  return out;
}

const tol = (ref: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(ref));

describe.each(cases)('$what', (c) => {
  it('forward vs float64 and tfjs, input and filter gradients vs tf.grads (rtol 1e-4, atol 1e-5·max(1, max|ref|))', async () => {
    const tf = await tfjs();
    const { wShape } = layout(c);
    const xv = randomArray(size(c.x), 31);
    const wv = randomArray(size(wShape), 32);
    const r = await forwardBackward(c, xv, wv, 33);
    expect(r.shape).toEqual(outShapeOf(c));
    const ref = refForward(c, xv, wv);
    expectClose(r.value, ref, 1e-4, tol(ref), 'forward vs float64');
    const [tx, tw] = [tf.tensor(xv, c.x), tf.tensor(wv, wShape)];
    const ty = tfConv(tf, c, tx, tw);
    expectClose(r.value, ty.dataSync(), 1e-4, tol(ref), 'forward vs tfjs');
    if (c.noTfGrad) return;
    const [tgx, tgw] = tf.grads((a: tfc.Tensor, b: tfc.Tensor) => tfConv(tf, c, a, b))([tx, tw], tf.tensor(r.seed, ty.shape));
    expectClose(r.gx, tgx.dataSync(), 1e-4, tol(tgx.dataSync()), 'input gradient vs tf.grads');
    expectClose(r.gw, tgw.dataSync(), 1e-4, tol(tgw.dataSync()), 'filter gradient vs tf.grads');
  });
});

describe('grouped convolution gradients vs central differences', () => {
  it.each([cases[1], cases[3], cases[5], cases[8]])('$what (rtol 1e-4, atol 1e-5·max(1, max|ref|))', async (c) => {
    const { wShape } = layout(c);
    const xv = randomArray(size(c.x), 41);
    const wv = randomArray(size(wShape), 42);
    const r = await forwardBackward(c, xv, wv, 43);
    const nx = numericGradient((v) => refForward(c, v, wv), xv, r.seed);
    const nw = numericGradient((v) => refForward(c, xv, v), wv, r.seed);
    expectClose(r.gx, nx, 1e-4, tol(nx), 'input gradient');
    expectClose(r.gw, nw, 1e-4, tol(nw), 'filter gradient');
  });
});

describe.each([cases[0], cases[7]])('fused epilogue on $what: bias, folded batchnorm, residual, activation', (c) => {
  const acts = [
    { kind: 'clip' as const, name: 'ReLU6', tf: (tf: Tf, t: tfc.Tensor) => tf.relu6(t) },
    { kind: 'silu' as const, name: 'SiLU', tf: (tf: Tf, t: tfc.Tensor) => tf.mul(t, tf.sigmoid(t)) },
    { kind: 'hardSwish' as const, name: 'hard-swish', tf: (tf: Tf, t: tfc.Tensor) => tf.mul(t, tf.clipByValue(tf.add(tf.div(t, 6), 0.5), 0, 1)) },
    { kind: 'relu' as const, name: 'ReLU', tf: (tf: Tf, t: tfc.Tensor) => tf.relu(t) },
  ];
  it.each(acts)(
    '$name: fused (not recording) and recorded (activation as its own op) vs the tfjs composition; ' +
      'gradients vs tf.grads (rtol 1e-4, atol 1e-5·max(1, max|ref|))',
    async (a) => {
      const tf = await tfjs();
      const { wShape } = layout(c);
      const yShape = outShapeOf(c);
      const cout = yShape[3];
      const xv = randomArray(size(c.x), 51, -2, 2);
      const wv = randomArray(size(wShape), 52);
      const bv = randomArray(cout, 53);
      const rv = randomArray(size(yShape), 54);
      const mean = randomArray(cout, 55, -0.5, 0.5);
      const variance = randomArray(cout, 56, 0.5, 1.5);
      const gamma = randomArray(cout, 57, 0.5, 1.5);
      const beta = randomArray(cout, 58, -0.5, 0.5);
      const bn = { mean: tensor(mean, [cout]), variance: tensor(variance, [cout]), gamma: tensor(gamma, [cout]), beta: tensor(beta, [cout]), epsilon: 1e-3 };
      const affine = batchNormCoefficients(bn);
      const bias = tensor(bv, [cout]);
      const residual = tensor(rv, yShape);
      const epilogue: GroupedConvEpilogue = { affine, residual, activation: { kind: a.kind } };
      const tfRef = (x: tfc.Tensor, w: tfc.Tensor) => {
        const z = tf.add(tfConv(tf, c, x, w), tf.tensor(bv));
        const n = tf.batchNorm(z, tf.tensor(mean), tf.tensor(variance), tf.tensor(beta), tf.tensor(gamma), 1e-3);
        return a.tf(tf, tf.add(n, tf.tensor(rv, yShape)));
      };
      const [tx, tw] = [tf.tensor(xv, c.x), tf.tensor(wv, wShape)];
      const ty = tfRef(tx, tw).dataSync();
      const fused = await run(c, tensor(xv, c.x), tensor(wv, opFilterShape(c)), epilogue, bias).read();
      expectClose(fused, ty, 1e-4, tol(ty), 'fused forward vs tfjs');
      const x = watch(tensor(xv, c.x));
      const w = watch(tensor(wv, opFilterShape(c)));
      const tape = new Tape();
      const y = tape.record(() => run(c, x, w, epilogue, bias));
      const seed = randomArray(y.size, 59);
      const { grads } = tape.backward(y, tensor(seed, y.shape));
      expectClose(await y.read(), ty, 1e-4, tol(ty), 'recorded forward vs tfjs');
      const [tgx, tgw] = tf.grads(tfRef)([tx, tw], tf.tensor(seed, yShape));
      expectClose(await grads.get(x)!.read(), tgx.dataSync(), 1e-4, tol(tgx.dataSync()), 'input gradient vs tf.grads');
      expectClose(await grads.get(w)!.read(), tgw.dataSync(), 1e-4, tol(tgw.dataSync()), 'filter gradient vs tf.grads');
      tape.dispose();
    },
  );

  it('a fused ReLU6 takes the guided override, counted as relu6', async () => {
    const { wShape } = layout(c);
    const xv = randomArray(size(c.x), 61, -2, 2);
    const wv = randomArray(size(wShape), 62);
    const plain = await forwardBackward(c, xv, wv, 63, () => ({ activation: { kind: 'clip' } }));
    const guided = await forwardBackward(c, xv, wv, 63, () => ({ activation: { kind: 'clip' } }), { relu6: 'guided' });
    expect(plain.overridden).toEqual({});
    expect(guided.overridden).toEqual({ relu6: 1 });
    expect(guided.gx).not.toEqual(plain.gx);
  });
});

describe('grouped convolution limits', () => {
  it(
    'a wide depthwise filter is checked at its own size, not as a dense C×C filter (binding limit 1 MiB; ' + 'forward vs float64, rtol 1e-4, atol 1e-5)',
    async () => {
      const c: Case = { what: 'wide', x: [1, 3, 3, 256], k: [3, 3], multiplier: 1, padding: 'same' };
      const xv = randomArray(size(c.x), 71);
      const wv = randomArray(9 * 256, 72);
      setMaxBindingBytesForTests(1 << 20);
      try {
        const y = await run(c, tensor(xv, c.x), tensor(wv, opFilterShape(c))).read();
        expectClose(y, refForward(c, xv, wv), 1e-4, 1e-5, 'forward vs float64');
      } finally {
        setMaxBindingBytesForTests(undefined);
      }
    },
  );
});

describe('batches beyond one storage binding run in chunks of whole images', () => {
  it.each([cases[0], cases[1], cases[7]])(
    '$what with one image per binding: forward vs float64, gradients vs tf.grads (rtol 1e-4, atol 1e-5·max(1, max|ref|))',
    async (c) => {
      const tf = await tfjs();
      const { wShape } = layout(c);
      const xv = randomArray(size(c.x), 81);
      const wv = randomArray(size(wShape), 82);
      const perImage = Math.max(size(c.x.slice(1)), size(outShapeOf(c).slice(1)));
      // Room for one image (and the 64-float alignment slack) and the filter, but not for two images.
      const limit = Math.max(size(wShape) * 4, (perImage + 64) * 4 + 16);
      expect(limit).toBeLessThan((2 * perImage + 64) * 4);
      setMaxBindingBytesForTests(limit);
      let r: Awaited<ReturnType<typeof forwardBackward>>;
      try {
        r = await forwardBackward(c, xv, wv, 83, (yShape) => ({ residual: tensor(randomArray(size(yShape), 84), yShape) }));
      } finally {
        setMaxBindingBytesForTests(undefined);
      }
      const yShape = outShapeOf(c);
      const rv = randomArray(size(yShape), 84);
      const ref = refForward(c, xv, wv).map((v, i) => v + rv[i]);
      expectClose(r.value, ref, 1e-4, tol(ref), 'forward vs float64');
      const [tx, tw] = [tf.tensor(xv, c.x), tf.tensor(wv, wShape)];
      const [tgx, tgw] = tf.grads((a: tfc.Tensor, b: tfc.Tensor) => tfConv(tf, c, a, b))([tx, tw], tf.tensor(r.seed, yShape));
      expectClose(r.gx, tgx.dataSync(), 1e-4, tol(tgx.dataSync()), 'input gradient vs tf.grads');
      expectClose(r.gw, tgw.dataSync(), 1e-4, tol(tgw.dataSync()), 'filter gradient vs tf.grads');
    },
  );
});

describe('grouped convolution memory', () => {
  it('depthwise + grouped forward and backward leave GPU memory steady (10 steps)', async () => {
    const x = tensor(randomArray(2 * 7 * 5 * 8, 3), [2, 7, 5, 8]);
    const wd = tensor(randomArray(9 * 8, 4), [3, 3, 8, 1]);
    const wg = tensor(randomArray(9 * 4 * 6, 5), [3, 3, 4, 6]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const [xx, a, b] = [watch(x), watch(wd), watch(wg)];
        const y = tape.record(() =>
          groupedConv2d(depthwiseConv2d(xx, a, { padding: 'same', epilogue: { activation: { kind: 'clip' } } }), b, { groups: 2, strides: [2, 2] }),
        );
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
