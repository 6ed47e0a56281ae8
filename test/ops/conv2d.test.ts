import { afterEach, describe, expect, it } from 'vitest';
import { ShapeError, Tape, tensor, watch, type Tensor } from '../../src/tensor/index.js';
import { conv2d, convGeometry, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { samePadding, type Padding } from '../../src/ops/padding.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';
import { conv2dRef, convOutputSize, type ConvRefGeometry } from '../reference/conv.js';
import { numericGradient } from '../reference/grad.js';

interface Case {
  what: string;
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  strides?: [number, number];
  dilations?: [number, number];
  padding: Padding | 'same' | 'valid';
  bias: boolean;
  /** Also check the backward against central differences (kept to the smaller cases). */
  numeric?: boolean;
  /** tfjs has no conv2d gradient for dilation > 1: central differences only. */
  noTfGrads?: boolean;
}

const cases: Case[] = [
  {
    what: '3×3 same, batch 2, odd sizes, Cin 5 / Cout 6 (channel-padded forward, scalar gradients)',
    x: [2, 7, 6, 5],
    k: [3, 3],
    cout: 6,
    padding: 'same',
    bias: true,
    numeric: true,
  },
  {
    what: '3×3 stride 2, asymmetric padding, Cin 8 / Cout 12 (vec4 paths)',
    x: [1, 9, 8, 8],
    k: [3, 3],
    cout: 12,
    strides: [2, 2],
    padding: { top: 0, bottom: 2, left: 1, right: 0 },
    bias: false,
    numeric: true,
  },
  {
    what: '3×3 dilation 2 same, Cin 4 / Cout 3 (vec4 input, scalar output)',
    x: [1, 9, 7, 4],
    k: [3, 3],
    cout: 3,
    dilations: [2, 2],
    padding: 'same',
    bias: true,
    numeric: true,
    noTfGrads: true,
  },
  { what: '1×1 stride 1 unpadded, batch 2 (the GEMM path), Cin 8 / Cout 4', x: [2, 5, 3, 8], k: [1, 1], cout: 4, padding: 'valid', bias: true, numeric: true },
  { what: '1×1 stride 1 unpadded, odd channels Cin 3 / Cout 5 (scalar GEMM)', x: [1, 3, 5, 3], k: [1, 1], cout: 5, padding: 'valid', bias: false },
  { what: '1×1 stride 2 (implicit GEMM), Cin 12 / Cout 8', x: [2, 7, 7, 12], k: [1, 1], cout: 8, strides: [2, 2], padding: 'valid', bias: true },
  {
    what: '3×3 stride 2 same, Cin 2 / Cout 5 (scalar gather and output, narrow N)',
    x: [2, 7, 8, 2],
    k: [3, 3],
    cout: 5,
    strides: [2, 2],
    padding: 'same',
    bias: true,
    numeric: true,
  },
  {
    what: '5×5 stride 2 same on 11×11, Cin 3 / Cout 8 (an RGB first layer, channel-padded)',
    x: [1, 11, 11, 3],
    k: [5, 5],
    cout: 8,
    strides: [2, 2],
    padding: 'same',
    bias: true,
  },
  {
    what: '3×2 kernel, stride [2, 1], Cin 6 / Cout 8 (channel tail in the filter gradient)',
    x: [2, 8, 5, 6],
    k: [3, 2],
    cout: 8,
    strides: [2, 1],
    padding: { top: 1, bottom: 1, left: 0, right: 1 },
    bias: false,
  },
  { what: '2×2 stride 3 valid, Cin 4 / Cout 20 (phases without taps)', x: [1, 10, 8, 4], k: [2, 2], cout: 20, strides: [3, 3], padding: 'valid', bias: true },
  {
    what: '3×3 stride 1 valid, Cin 8 / Cout 12 (dX: the forward kernel over dY padded 2 per side)',
    x: [1, 6, 7, 8],
    k: [3, 3],
    cout: 12,
    padding: 'valid',
    bias: false,
    numeric: true,
  },
  {
    what: '3×3 stride 1 padded 3 top/left, Cin 4 / Cout 8 (padding > K−1: dX by the unit-stride phase kernel)',
    x: [1, 5, 5, 4],
    k: [3, 3],
    cout: 8,
    padding: { top: 3, bottom: 0, left: 3, right: 1 },
    bias: false,
    numeric: true,
  },
  { what: '3×3 same, Cout 72 (more than one column block)', x: [1, 5, 4, 8], k: [3, 3], cout: 72, padding: 'same', bias: true },
];

function refGeometry(c: Case): ConvRefGeometry {
  const strides = c.strides ?? [1, 1];
  const dilations = c.dilations ?? [1, 1];
  const pad =
    c.padding === 'valid'
      ? { top: 0, bottom: 0, left: 0, right: 0 }
      : c.padding === 'same'
        ? samePadding(c.x[1], c.x[2], c.k[0], c.k[1], strides[0], strides[1], dilations[0], dilations[1])
        : c.padding;
  return { strides, dilations, pad };
}

function data(c: Case, seed: number) {
  const g = refGeometry(c);
  const wShape = [c.k[0], c.k[1], c.x[3], c.cout];
  const [oh, ow] = convOutputSize(c.x, wShape, g);
  const yShape = [c.x[0], oh, ow, c.cout];
  return {
    g,
    wShape,
    yShape,
    xv: randomArray(
      c.x.reduce((a, b) => a * b),
      seed,
    ),
    wv: randomArray(
      wShape.reduce((a, b) => a * b),
      seed + 1,
    ),
    bv: c.bias ? randomArray(c.cout, seed + 2) : undefined,
    sv: randomArray(
      yShape.reduce((a, b) => a * b),
      seed + 3,
    ),
  };
}

type Data = ReturnType<typeof data>;
type TfTensor = ReturnType<Tf['tensor']>;

function tfConv(tf: Tf, _c: Case, d: Data, x: TfTensor, w: TfTensor, b?: TfTensor) {
  const { pad, strides, dilations } = d.g;
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pad.top, pad.bottom],
    [pad.left, pad.right],
    [0, 0],
  ];
  const y = tf.conv2d(x as Parameters<Tf['conv2d']>[0], w as Parameters<Tf['conv2d']>[1], strides, explicit, 'NHWC', dilations);
  return b ? tf.add(y, b) : y;
}

/** Runs our conv2d with gradients for x, w (and bias); returns output and gradients. */
async function run(c: Case, d: Data) {
  const x = watch(tensor(d.xv, c.x));
  const w = tensor(d.wv, d.wShape);
  w.requiresGrad = true;
  let bias: Tensor | undefined;
  if (d.bv) {
    bias = tensor(d.bv, [c.cout]);
    bias.requiresGrad = true;
  }
  const opts: Conv2dOptions = { strides: c.strides, dilations: c.dilations, padding: c.padding, bias };
  const tape = new Tape();
  const y = tape.record(() => conv2d(x, w, opts));
  expect(y.shape).toEqual(d.yShape);
  const { grads } = tape.backward(y, tensor(d.sv, d.yShape));
  const out = {
    y: await y.read(),
    gx: await grads.get(x)!.read(),
    gw: await grads.get(w)!.read(),
    gb: bias ? await grads.get(bias)!.read() : undefined,
  };
  tape.dispose();
  return out;
}

// Tolerances: float32 sums of at most a few hundred products of values in [-1, 1].
const RTOL = 1e-4;
const atolFor = (expected: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(expected));

describe('conv2d forward and backward', () => {
  cases.forEach((c, i) => {
    const checks = [...(c.noTfGrads ? [] : ['tf.grads']), ...(c.numeric ? ['central differences on float64'] : [])].join(' and ');
    it(`${c.what}: y vs float64 and tf.conv2d; dX, dW${c.bias ? ', db' : ''} vs ${checks} (rtol 1e-4, atol 1e-5·max(1, max|ref|))`, async () => {
      const d = data(c, 1000 + 10 * i);
      const got = await run(c, d);
      const yRef = conv2dRef(d.xv, c.x, d.wv, d.wShape, d.g, d.bv);
      expectClose(got.y, yRef, RTOL, atolFor(yRef), 'y vs float64');

      const tf = await tfjs();
      const tx = tf.tensor(d.xv, c.x),
        tw = tf.tensor(d.wv, d.wShape),
        seed = tf.tensor(d.sv, d.yShape);
      const tb = d.bv ? tf.tensor(d.bv, [c.cout]) : undefined;
      expectClose(got.y, tfConv(tf, c, d, tx, tw, tb).dataSync(), RTOL, atolFor(yRef), 'y vs tfjs');
      if (!c.noTfGrads) {
        const tg = tb
          ? tf.grads((x: TfTensor, w: TfTensor, b: TfTensor) => tfConv(tf, c, d, x, w, b))([tx, tw, tb], seed)
          : tf.grads((x: TfTensor, w: TfTensor) => tfConv(tf, c, d, x, w))([tx, tw], seed);
        const [gx, gw, gb] = tg.map((t) => t.dataSync());
        expectClose(got.gx, gx, RTOL, atolFor(gx), 'dX vs tfjs');
        expectClose(got.gw, gw, RTOL, atolFor(gw), 'dW vs tfjs');
        if (gb) expectClose(got.gb!, gb, RTOL, atolFor(gb), 'db vs tfjs');
      }

      if (c.numeric) {
        const nx = numericGradient((x) => conv2dRef(x, c.x, d.wv, d.wShape, d.g, d.bv), d.xv, d.sv);
        const nw = numericGradient((w) => conv2dRef(d.xv, c.x, w, d.wShape, d.g, d.bv), d.wv, d.sv);
        expectClose(got.gx, nx, RTOL, atolFor(nx), 'dX vs central differences');
        expectClose(got.gw, nw, RTOL, atolFor(nw), 'dW vs central differences');
        if (d.bv) {
          const nb = numericGradient((b) => conv2dRef(d.xv, c.x, d.wv, d.wShape, d.g, b), d.bv, d.sv);
          expectClose(got.gb!, nb, RTOL, atolFor(nb), 'db vs central differences');
        }
      }
    });
  });

  it('computes only the input gradient when the weights do not require one', () => {
    const x = watch(tensor(randomArray(2 * 5 * 5 * 4, 1), [2, 5, 5, 4]));
    const w = tensor(randomArray(3 * 3 * 4 * 4, 2), [3, 3, 4, 4]);
    const tape = new Tape();
    const y = tape.record(() => conv2d(x, w, { padding: 'same', bias: tensor(randomArray(4, 3), [4]) }));
    expect(tape.entries[0].saved).toEqual([w]);
    const { grads } = tape.backward(y);
    expect([...grads.keys()]).toEqual([x]);
    tape.dispose();
  });
});

describe('conv2d batches larger than one storage binding', () => {
  afterEach(() => setMaxBindingBytesForTests(undefined));

  // A 4 KiB limit holds one 9×8×12 image (3.4 KB) per dispatch: three chunks of whole images,
  // the filter gradient accumulating over them.
  it('3×3 stride 2 same, batch 3 of 9×8×12 → 8, in one-image chunks: y, dX, dW, db vs tfjs (rtol 1e-4, atol 1e-5·max(1, max|ref|))', async () => {
    setMaxBindingBytesForTests(4096);
    const c: Case = { what: 'chunked', x: [3, 9, 8, 12], k: [3, 3], cout: 8, strides: [2, 2], padding: 'same', bias: true };
    const d = data(c, 4242);
    const got = await run(c, d);
    const tf = await tfjs();
    const tx = tf.tensor(d.xv, c.x),
      tw = tf.tensor(d.wv, d.wShape),
      tb = tf.tensor(d.bv!, [c.cout]);
    const y = tfConv(tf, c, d, tx, tw, tb).dataSync();
    expectClose(got.y, y, RTOL, atolFor(y), 'y vs tfjs');
    const [gx, gw, gb] = tf
      .grads((x: TfTensor, w: TfTensor, b: TfTensor) => tfConv(tf, c, d, x, w, b))([tx, tw, tb], tf.tensor(d.sv, d.yShape))
      .map((t) => t.dataSync());
    expectClose(got.gx, gx, RTOL, atolFor(gx), 'dX vs tfjs');
    expectClose(got.gw, gw, RTOL, atolFor(gw), 'dW vs tfjs');
    expectClose(got.gb!, gb, RTOL, atolFor(gb), 'db vs tfjs');
  });
});

describe('conv2d geometry and bad inputs', () => {
  it("'same' follows TensorFlow (extra pixel bottom/right) and explicit padding is exact", () => {
    const g = convGeometry([1, 8, 8, 3], [3, 3, 3, 4], { strides: [2, 2], padding: 'same' });
    expect(g.pad).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    expect([g.OH, g.OW]).toEqual([4, 4]);
    const e = convGeometry([1, 8, 8, 3], [3, 3, 3, 4], { strides: [2, 2], padding: { top: 2, bottom: 0, left: 0, right: 3 } });
    expect([e.OH, e.OW]).toEqual([4, 5]);
  });

  it('rejects wrong ranks, a Cin mismatch (naming both shapes), bad strides and bias', () => {
    const x = tensor(randomArray(2 * 5 * 5 * 3, 1), [2, 5, 5, 3]);
    const w = tensor(randomArray(3 * 3 * 4 * 2, 2), [3, 3, 4, 2]);
    expect(() => conv2d(x, w)).toThrow(ShapeError);
    expect(() => conv2d(x, w)).toThrow(/conv2d: expected .*given x \[2, 5, 5, 3\], filter \[3, 3, 4, 2\]/);
    const x3 = tensor(randomArray(75, 1), [5, 5, 3]);
    const w3 = tensor(randomArray(54, 2), [3, 3, 3, 2]);
    expect(() => conv2d(x3, w3)).toThrow(/conv2d: expected x of rank 4.*given x \[5, 5, 3\]/);
    expect(() => conv2d(x, tensor(randomArray(18, 1), [3, 3, 2]))).toThrow(/filter of rank 4/);
    expect(() => conv2d(x, w3, { strides: [0, 1] })).toThrow(ShapeError);
    expect(() => conv2d(x, w3, { bias: tensor([1, 2, 3], [3]) })).toThrow(/bias \[2\]/);
    expect(() => conv2d(x, w3, { padding: { top: -1, bottom: 0, left: 0, right: 0 } })).toThrow(ShapeError);
    expect(() => conv2d(tensor(randomArray(12, 1), [1, 2, 2, 3]), w3)).toThrow(ShapeError);
  });

  it('rejects a filter or a single image larger than one storage binding', () => {
    setMaxBindingBytesForTests(1024);
    try {
      const x = tensor(randomArray(4 * 4 * 4, 1), [1, 4, 4, 4]);
      expect(() => conv2d(x, tensor(randomArray(9 * 4 * 8, 2), [3, 3, 4, 8]))).toThrow(/filter within one storage binding/);
      const big = tensor(randomArray(12 * 12 * 4, 3), [1, 12, 12, 4]);
      expect(() => conv2d(big, tensor(randomArray(9 * 4 * 2, 2), [3, 3, 4, 2]), { padding: 'same' })).toThrow(/one image's activations/);
    } finally {
      setMaxBindingBytesForTests(undefined);
    }
  });
});
