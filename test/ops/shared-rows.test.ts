// Shared-row GEMM tiles (src/ops/tiles.ts: rows loaded once per 8 subgroup lanes and broadcast)
// against the per-lane tiles' fallback, both checked against the float64 references of test/reference:
// matmul (vec4 and element-wise A, a K tail, transposed operands, bias), the direct convolution
// forward (padded, unpadded, pointwise, strided, with an epilogue) and its input gradient (stride
// 1 and the stride-2 phases). Shapes are chosen so that rows do not fill whole 16-row tiles, with
// columns on both sides of the 12 from which shared tiles are used. Each test also checks which kernels ran.
// Tolerance: rtol 1e-4, atol 1e-5·max(1, max|ref|) (float32 sums of at most a few hundred products in [-1, 1]).
import { afterEach, describe, expect, it } from 'vitest';
import { gpu, Tape, tensor, watch, type Tensor } from '../../src/tensor/index.js';
import { conv2d, convGeometry, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { columnsPay } from '../../src/ops/conv2d-columns.js';
import { setWinogradMode } from '../../src/ops/conv2d-winograd.js';
import { gemmTensor, setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { SHARE_GROUP, setSharedRowsForTests, sharedRowsAvailable } from '../../src/ops/tiles.js';
import { dispatchedKernel, expectClose, maxAbs, randomArray } from '../helpers.js';
import { symmetricConvRef } from '../reference/conv.js';
import { denseRef } from '../reference/matmul.js';

const RTOL = 1e-4;
const atolFor = (ref: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(ref));

/** Runs `fn` and says whether any of its kernels broadcast across a subgroup. */
function broadcasts<T>(fn: () => T): { result: T; shared: boolean } {
  const { result, ran } = dispatchedKernel('subgroupBroadcast', fn);
  return { result, shared: ran };
}

const transpose = (m: Float32Array, rows: number, cols: number) => {
  const t = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
};

describe('shared-row tiles on this adapter', () => {
  it('are offered exactly when the device runs subgroups of at least 8 lanes (lavapipe: 8)', () => {
    const size = gpu().subgroupMinSize;
    expect(sharedRowsAvailable()).toBe(size !== undefined && size >= SHARE_GROUP);
    if (/llvmpipe/i.test(gpu().adapterDescription)) expect(sharedRowsAvailable()).toBe(true);
  });
});

describe.each([
  ['shared-row tiles', undefined],
  ['per-lane tiles (forced)', false],
] as const)('%s vs float64 (rtol 1e-4, atol 1e-5·max(1, max|ref|))', (_name, override) => {
  const expectShared = () => override === undefined && sharedRowsAvailable();
  afterEach(() => {
    setSharedRowsForTests(undefined);
    setWinogradMode('auto');
  });

  for (const [M, K, N, how] of [
    [37, 20, 72, 'vec4 A'],
    [21, 13, 36, 'K tail, element-wise A'],
    [45, 24, 40, 'A and B given transposed'],
    [19, 8, 33, 'odd N (scalar store), bias'],
  ] as const) {
    it(`matmul ${M}×${K} · ${K}×${N} (${how})`, async () => {
      setSharedRowsForTests(override);
      const a = randomArray(M * K, 1),
        b = randomArray(K * N, 2),
        bias = how.includes('bias') ? randomArray(N, 3) : undefined;
      const ref = denseRef(a, [M, K], b, [K, N], bias);
      const transposed = how.includes('transposed');
      const { result: y, shared } = broadcasts(() =>
        transposed
          ? gemmTensor(tensor(transpose(a, M, K), [K, M]), true, tensor(transpose(b, K, N), [N, K]), true)
          : gemmTensor(tensor(a, [M, K]), false, tensor(b, [K, N]), false, bias && tensor(bias, [N])),
      );
      expect(shared).toBe(expectShared());
      expectClose(await y.read(), ref, RTOL, atolFor(ref), 'y');
    });
  }

  const convCases: { name: string; xs: number[]; ws: number[]; s: number; p: number; d?: number }[] = [
    { name: '3×3 pad 1, batch 2, odd 7×6', xs: [2, 7, 6, 8], ws: [3, 3, 8, 36], s: 1, p: 1 },
    { name: '5×5 unpadded', xs: [1, 9, 8, 4], ws: [5, 5, 4, 32], s: 1, p: 0 },
    { name: '1×1 pointwise, batch 3', xs: [3, 5, 3, 12], ws: [1, 1, 12, 40], s: 1, p: 0 },
    { name: '1×1 pointwise, wide input', xs: [1, 5, 7, 36], ws: [1, 1, 36, 40], s: 1, p: 0 },
    { name: '3×3 pad 1, wide input (input gradient as a forward over the flipped filter)', xs: [1, 6, 7, 36], ws: [3, 3, 36, 32], s: 1, p: 1 },
    { name: '3×3 stride 2 pad 1 (input gradient by phases)', xs: [2, 9, 7, 32], ws: [3, 3, 32, 36], s: 2, p: 1 },
    { name: '3×3 dilation 2 pad 2', xs: [1, 8, 9, 32], ws: [3, 3, 32, 32], s: 1, p: 2, d: 2 },
  ];
  for (const c of convCases) {
    it(`conv ${c.name}, Cin ${c.xs[3]} / Cout ${c.ws[3]}: y and dX (direct kernels)`, async () => {
      setSharedRowsForTests(override);
      setWinogradMode('off');
      const xv = randomArray(
          c.xs.reduce((m, v) => m * v),
          4,
        ),
        wv = randomArray(
          c.ws.reduce((m, v) => m * v),
          5,
        );
      const d = c.d ?? 1;
      const probe = symmetricConvRef(xv, c.xs, wv, c.ws, new Float32Array(0), c.s, c.p, d);
      const gyv = randomArray(probe.y.length, 6);
      const ref = symmetricConvRef(xv, c.xs, wv, c.ws, gyv, c.s, c.p, d);
      const x = watch(tensor(xv, c.xs));
      const w = tensor(wv, c.ws);
      const tape = new Tape();
      const opts: Conv2dOptions = { strides: [c.s, c.s], dilations: [d, d], padding: { top: c.p, bottom: c.p, left: c.p, right: c.p } };
      const { result: y, shared: forwardShared } = broadcasts(() => tape.record(() => conv2d(x, w, opts)));
      expect(y.shape).toEqual(ref.yShape);
      const { result, shared: backwardShared } = broadcasts(() => tape.backward(y, tensor(gyv, ref.yShape)));
      // The input gradient's columns are Cin: with fewer than 3 groups of 4 its GEMM has too few for
      // shared tiles, unless it runs through the convolution's columns (conv2d-columns.ts), whose GEMM has more.
      const throughColumns = columnsPay(convGeometry(c.xs, c.ws, opts));
      expect(forwardShared).toBe(expectShared());
      expect(backwardShared).toBe(expectShared() && (Math.ceil(c.xs[3] / 4) >= 3 || throughColumns));
      expectClose(await y.read(), ref.y, RTOL, atolFor(ref.y), 'y');
      expectClose(await result.grads.get(x)!.read(), ref.dx, RTOL, atolFor(ref.dx), 'dX');
      tape.dispose();
    });
  }

  for (const [s, cin] of [
    [1, 32],
    [2, 32],
    [1, 3],
  ] as const) {
    it(`conv 3×3 stride ${s}, batch 3, Cin ${cin} / Cout 36, 20×20 in one-image chunks (60 kB bindings): y and dX`, async () => {
      setSharedRowsForTests(override);
      setWinogradMode('off');
      // The filter fits; two images' activations (or columns) do not.
      setMaxBindingBytesForTests(60_000);
      try {
        const xs = [3, 20, 20, cin],
          ws = [3, 3, cin, 36];
        const xv = randomArray(3 * 20 * 20 * cin, 14),
          wv = randomArray(9 * cin * 36, 15);
        const probe = symmetricConvRef(xv, xs, wv, ws, new Float32Array(0), s, 1);
        const gyv = randomArray(probe.y.length, 16);
        const ref = symmetricConvRef(xv, xs, wv, ws, gyv, s, 1);
        const x = watch(tensor(xv, xs));
        const tape = new Tape();
        const y = tape.record(() => conv2d(x, tensor(wv, ws), { strides: [s, s], padding: { top: 1, bottom: 1, left: 1, right: 1 } }));
        const { grads } = tape.backward(y, tensor(gyv, ref.yShape));
        expectClose(await y.read(), ref.y, RTOL, atolFor(ref.y), 'y');
        expectClose(await grads.get(x)!.read(), ref.dx, RTOL, atolFor(ref.dx), 'dX');
        tape.dispose();
      } finally {
        setMaxBindingBytesForTests(undefined);
      }
    });
  }

  it('conv 3×3 with bias, batchnorm affine, residual and ReLU in the store', async () => {
    setSharedRowsForTests(override);
    setWinogradMode('off');
    const xs = [2, 6, 5, 8],
      ws = [3, 3, 8, 36];
    const xv = randomArray(2 * 6 * 5 * 8, 7),
      wv = randomArray(3 * 3 * 8 * 36, 8),
      bv = randomArray(36, 9),
      center = randomArray(36, 10),
      scale = randomArray(36, 11, 0.5, 1.5),
      offset = randomArray(36, 12);
    const plain = symmetricConvRef(xv, xs, wv, ws, new Float32Array(0), 1, 1);
    const rv = randomArray(plain.y.length, 13);
    const ref = plain.y.map((v, i) => {
      const o = i % 36;
      return Math.max(0, (v + bv[o] - center[o]) * scale[o] + offset[o] + rv[i]);
    });
    const affine = tensor(Float32Array.from([...center, ...scale, ...offset]), [3, 36]);
    const tensors: Tensor[] = [tensor(xv, xs), tensor(wv, ws), tensor(bv, [36]), affine, tensor(rv, plain.yShape)];
    const [x, w, bias, , residual] = tensors;
    const { result: y, shared } = broadcasts(() => conv2d(x, w, { padding: 'same', bias, epilogue: { affine, residual, relu: true } }));
    expect(shared).toBe(expectShared());
    expectClose(await y.read(), ref, RTOL, atolFor(ref), 'y');
    for (const t of [...tensors, y]) t.dispose();
  });
});
