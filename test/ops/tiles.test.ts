// The GEMM and convolution kernels at the extreme workgroup widths tiles.ts may choose (4 and 64 lanes; a
// real GPU gets 64, lavapipe 16), checked against float64 loops (here and test/reference/conv.ts). Tolerance:
// rtol 1e-4, atol 1e-5·max(1, max|ref|) (float32 sums of at most a few hundred products in [-1, 1]).
import { afterEach, describe, expect, it } from 'vitest';
import { Tape, tensor, watch } from '../../src/tensor/index.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { matmul } from '../../src/ops/matmul.js';
import { CPU_WIDTH, setWorkgroupWidthForTests, widthFor } from '../../src/ops/tiles.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { symmetricConvRef } from '../reference/conv.js';

const RTOL = 1e-4;
const atolFor = (ref: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(ref));

describe('workgroup width from the adapter', () => {
  it('lavapipe gets the measured 16; another adapter 64; both clamped to the limits as a power of two', () => {
    const big = { maxComputeWorkgroupSizeX: 256, maxComputeInvocationsPerWorkgroup: 256 };
    expect(widthFor('llvmpipe: Mesa 25.0.7 (mesa)', big)).toBe(CPU_WIDTH);
    expect(widthFor('NVIDIA H100 80GB HBM3 (nvidia)', big)).toBe(64);
    expect(widthFor('NVIDIA H100 80GB HBM3 (nvidia)', { maxComputeWorkgroupSizeX: 48, maxComputeInvocationsPerWorkgroup: 256 })).toBe(32);
  });
});

describe.each([4, 64])('kernels at workgroup width %i (vs float64, rtol 1e-4, atol 1e-5·max(1, max|ref|))', (width) => {
  afterEach(() => setWorkgroupWidthForTests(undefined));

  it('matmul 13×20 · 20×36', async () => {
    setWorkgroupWidthForTests(width);
    const [M, K, N] = [13, 20, 36];
    const a = randomArray(M * K, 1),
      b = randomArray(K * N, 2);
    const ref = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) ref[i * N + j] += a[i * K + k] * b[k * N + j];
    const y = matmul(tensor(a, [M, K]), tensor(b, [K, N]));
    expectClose(await y.read(), ref, RTOL, atolFor(ref), 'y');
  });

  for (const [s, p, cout] of [
    [1, 1, 12],
    [2, 1, 72],
  ] as const) {
    it(`conv 3×3 stride ${s} pad ${p}, Cin 8 / Cout ${cout}: y, dX, dW`, async () => {
      setWorkgroupWidthForTests(width);
      const xs = [2, 7, 6, 8],
        ws = [3, 3, 8, cout];
      const xv = randomArray(
          xs.reduce((m, v) => m * v),
          3,
        ),
        wv = randomArray(
          ws.reduce((m, v) => m * v),
          4,
        );
      const probe = symmetricConvRef(xv, xs, wv, ws, new Float32Array(0), s, p);
      const gyv = randomArray(probe.y.length, 5);
      const ref = symmetricConvRef(xv, xs, wv, ws, gyv, s, p);
      const x = watch(tensor(xv, xs));
      const w = tensor(wv, ws);
      w.requiresGrad = true;
      const tape = new Tape();
      const opts = { strides: [s, s] as [number, number], padding: { top: p, bottom: p, left: p, right: p } };
      const y = tape.record(() => conv2d(x, w, opts));
      expect(y.shape).toEqual(ref.yShape);
      const { grads } = tape.backward(y, tensor(gyv, ref.yShape));
      expectClose(await y.read(), ref.y, RTOL, atolFor(ref.y), 'y');
      expectClose(await grads.get(x)!.read(), ref.dx, RTOL, atolFor(ref.dx), 'dX');
      expectClose(await grads.get(w)!.read(), ref.dw, RTOL, atolFor(ref.dw), 'dW');
      tape.dispose();
    });
  }
});
