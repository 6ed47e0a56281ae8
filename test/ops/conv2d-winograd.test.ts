// Winograd F(2×2, 3×3) and F(4×4, 3×3) (src/ops/conv2d-winograd.ts), each forced on: forward (with every epilogue part)
// and input gradient against the float64 references in test/reference/conv.ts;
// a ResNet50V2-shaped bottleneck (forward and backward to the input) against the direct kernels;
// the transformed-filter cache (released with its weight, never reused for a new weight in a
// recycled buffer); steady memory.
//
// Tolerance: Winograd adds and subtracts inputs (input transform) and GEMM results (output
// transform) around α² GEMMs of K = Cin, where the direct kernel sums K = 9·Cin products in one
// chain. Measured here (x in [−1, 1], filter in ±1/√(9·C)), max |error| / max |float64 reference| at
// 14×14×256 and 7×7×512: F(2×2) 5.6e-7 and 8.8e-7, F(4×4) 9.2e-6 and 1.3e-5, the direct kernel
// 1.6e-6 and 2.2e-6 — F(2×2)'s shorter sums more than make up for its transforms; F(4×4)'s larger
// transform coefficients (up to 8, and G's 1/6, 1/24) cost it ~6× the direct error. The small
// cases allow rtol 1e-4 plus 2e-6 of max |reference|; the accuracy test bounds F(2×2) by 2e-6 and
// F(4×4) by 3e-5 of max |reference|.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStats, Tape, tensor, tidy, watch, type Tensor } from '../../src/tensor/index.js';
import { conv2d, conv2dInputGradient, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { SgdMomentum } from '../../src/train/optimizer.js';
import { setWinogradMode, winogradRuns } from '../../src/ops/conv2d-winograd.js';
import { samePadding } from '../../src/ops/padding.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { conv2dInputGradientRef, conv2dRef, convOutputSize, type ConvRefGeometry } from '../reference/conv.js';

afterEach(() => setWinogradMode('auto'));

const RTOL = 1e-4;
const atolFor = (ref: ArrayLike<number>) => 2e-6 * Math.max(1, maxAbs(ref));
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function geometry(x: readonly number[], padding: 'same' | 'valid'): ConvRefGeometry {
  const pad = padding === 'same' ? samePadding(x[1], x[2], 3, 3, 1, 1, 1, 1) : { top: 0, bottom: 0, left: 0, right: 0 };
  return { strides: [1, 1], dilations: [1, 1], pad };
}

interface Case {
  what: string;
  x: [number, number, number, number];
  cout: number;
  padding: 'same' | 'valid';
}

const cases: Case[] = [
  { what: 'batch 2, odd 7×9, same, Cin 8 / Cout 12 (vec4 transforms)', x: [2, 7, 9, 8], cout: 12, padding: 'same' },
  { what: 'batch 2, 6×5, valid, Cin 4 / Cout 8 (odd output 4×3: partial tiles)', x: [2, 6, 5, 4], cout: 8, padding: 'valid' },
  { what: 'batch 2, 5×7, same, Cin 2 / Cout 6 (channels not a multiple of 4: scalar transforms both ways)', x: [2, 5, 7, 2], cout: 6, padding: 'same' },
  { what: '1×1 image, same, Cin 4 / Cout 4 (one tile, mostly padding)', x: [1, 1, 1, 4], cout: 4, padding: 'same' },
];

const ALGORITHMS = [
  { mode: 'f2', name: 'F(2×2, 3×3)', bound: 2e-6 },
  { mode: 'f4', name: 'F(4×4, 3×3)', bound: 3e-5 },
] as const;

describe.each(ALGORITHMS)('conv2d by Winograd $name', ({ mode: algorithm, bound }) => {
  cases.forEach((c, i) => {
    it(`${c.what}: y and dX vs float64 (rtol 1e-4, atol 2e-6·max(1, max|ref|))`, async () => {
      setWinogradMode(algorithm);
      const g = geometry(c.x, c.padding);
      const wShape = [3, 3, c.x[3], c.cout];
      const [oh, ow] = convOutputSize(c.x, wShape, g);
      const xv = randomArray(prod(c.x), 100 + i),
        wv = randomArray(prod(wShape), 200 + i),
        gyv = randomArray(c.x[0] * oh * ow * c.cout, 300 + i);
      const x = tensor(xv, c.x),
        w = tensor(wv, wShape),
        gy = tensor(gyv, [c.x[0], oh, ow, c.cout]);
      const before = winogradRuns();
      const y = conv2d(x, w, { padding: c.padding });
      const dx = conv2dInputGradient(c.x, w, gy, { padding: c.padding });
      expect(winogradRuns() - before, 'Winograd ran for the forward and the input gradient').toBe(2);
      const yRef = conv2dRef(xv, c.x, wv, wShape, g);
      expectClose(await y.read(), yRef, RTOL, atolFor(yRef), 'y vs float64');
      const dxRef = conv2dInputGradientRef(gyv, c.x, wv, wShape, g);
      expectClose(await dx.read(), dxRef, RTOL, atolFor(dxRef), 'dX vs float64');
      for (const t of [x, w, gy, y, dx]) t.dispose();
    });
  });

  it('epilogue bias → affine → residual → relu, batch 2, 5×6, Cin 8 / Cout 8, vs float64 (rtol 1e-4, atol 2e-6·max(1, max|ref|))', async () => {
    setWinogradMode(algorithm);
    const xs = [2, 5, 6, 8],
      wShape = [3, 3, 8, 8];
    const g = geometry(xs, 'same');
    const xv = randomArray(prod(xs), 1),
      wv = randomArray(prod(wShape), 2),
      bv = randomArray(8, 3),
      rv = randomArray(2 * 5 * 6 * 8, 4);
    const coef = Float32Array.from([...randomArray(8, 5), ...randomArray(8, 6, 0.5, 2), ...randomArray(8, 7)]);
    const before = winogradRuns();
    const y = tidy(() =>
      conv2d(tensor(xv, xs), tensor(wv, wShape), {
        padding: 'same',
        bias: tensor(bv, [8]),
        epilogue: { affine: tensor(coef, [3, 8]), residual: tensor(rv, [2, 5, 6, 8]), relu: true },
      }),
    );
    expect(winogradRuns() - before).toBe(1);
    const ref = conv2dRef(xv, xs, wv, wShape, g, bv).map((v, i) => {
      const ch = i % 8;
      return Math.max(0, (v - coef[ch]) * coef[8 + ch] + coef[16 + ch] + rv[i]);
    });
    expectClose(await y.read(), ref, RTOL, atolFor(ref), 'y vs float64');
    y.dispose();
  });

  it('accuracy at ResNet50V2 sizes 14×14×256→256 and 7×7×512→512: Winograd vs float64 within the stated bound of max|ref| (F(2×2) 2e-6, F(4×4) 3e-5)', async () => {
    for (const [h, ch] of [
      [14, 256],
      [7, 512],
    ]) {
      const xs = [1, h, h, ch],
        wShape = [3, 3, ch, ch];
      const g = geometry(xs, 'same');
      // He-style scale: the filter sums 9·C products without growing.
      const xv = randomArray(prod(xs), h),
        wv = randomArray(prod(wShape), ch, -1 / Math.sqrt(9 * ch), 1 / Math.sqrt(9 * ch));
      const ref = conv2dRef(xv, xs, wv, wShape, g);
      const errors: Record<string, number> = {};
      for (const mode of [algorithm, 'off'] as const) {
        setWinogradMode(mode);
        const y = tidy(() => conv2d(tensor(xv, xs), tensor(wv, wShape), { padding: 'same' }));
        const got = await y.read();
        y.dispose();
        let err = 0;
        for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
        errors[mode] = err / maxAbs(ref);
      }
      expect(errors[algorithm], `Winograd relative error at ${h}×${h}×${ch} (direct: ${errors.off.toExponential(2)})`).toBeLessThan(bound);
    }
  });
});

/**
 * A ResNet50V2 bottleneck at conv4's shape, scaled down in width: pre-activation, 1×1 → 3×3 (the
 * Winograd conv, batchnorm + relu folded into each conv's epilogue) → 1×1 + shortcut.
 */
function bottleneck(x: Tensor, p: Record<string, Tensor>): Tensor {
  const a = conv2d(x, p.w1, { epilogue: { affine: p.bn1, relu: true } });
  const b = conv2d(a, p.w2, { padding: 'same', epilogue: { affine: p.bn2, relu: true } });
  return conv2d(b, p.w3, { bias: p.b3, epilogue: { residual: x } });
}

describe.each(ALGORITHMS)('Winograd $name inside a ResNet50V2-shaped block', ({ mode: algorithm }) => {
  it('14×14×128 → 32 → 32 → 128, batch 2: output and dL/dx with Winograd on vs off within rtol 1e-4, atol 2e-6·max(1, max|off|)', async () => {
    const xs = [2, 14, 14, 128];
    const shapes: Record<string, number[]> = { w1: [1, 1, 128, 32], bn1: [3, 32], w2: [3, 3, 32, 32], bn2: [3, 32], w3: [1, 1, 32, 128], b3: [128] };
    const values = Object.fromEntries(
      Object.entries(shapes).map(([k, s], i) => [k, randomArray(prod(s), 40 + i, k.startsWith('bn') ? 0.5 : -0.3, k.startsWith('bn') ? 1.5 : 0.3)]),
    );
    const xv = randomArray(prod(xs), 50);
    const results: Record<string, { y: Float32Array; dx: Float32Array }> = {};
    for (const mode of [algorithm, 'off'] as const) {
      setWinogradMode(mode);
      const before = winogradRuns();
      const p = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tensor(values[k], s)]));
      const x = watch(tensor(xv, xs));
      const tape = new Tape();
      const y = tape.record(() => bottleneck(x, p));
      const { grads } = tape.backward(y, tensor(randomArray(y.size, 51), y.shape));
      results[mode] = { y: await y.read(), dx: await grads.get(x)!.read() };
      tape.dispose();
      for (const t of [x, y, ...Object.values(p)]) t.dispose();
      expect(winogradRuns() - before, `Winograd runs with mode ${mode}`).toBe(mode === 'off' ? 0 : 2);
    }
    expectClose(results[algorithm].y, results.off.y, RTOL, atolFor(results.off.y), 'block output, Winograd vs direct');
    expectClose(results[algorithm].dx, results.off.dx, RTOL, atolFor(results.off.dx), 'dL/dx, Winograd vs direct');
  });
});

describe('the transformed-filter cache', () => {
  it('a new weight in a recycled buffer gets its own transform (y vs float64), and disposing a weight frees its transform', async () => {
    setWinogradMode('f2');
    const xs = [1, 6, 6, 4],
      wShape = [3, 3, 4, 4];
    const g = geometry(xs, 'same');
    const xv = randomArray(prod(xs), 7);
    const x = tensor(xv, xs);
    for (const seed of [8, 9]) {
      // The second weight takes the first one's pooled buffer: a cache keyed by buffer would be stale.
      const wv = randomArray(prod(wShape), seed);
      const w = tensor(wv, wShape);
      const y = conv2d(x, w, { padding: 'same' });
      const ref = conv2dRef(xv, xs, wv, wShape, g);
      expectClose(await y.read(), ref, RTOL, atolFor(ref), `y with weight ${seed}`);
      y.dispose();
      const live = memoryStats().liveBytes;
      w.dispose();
      // The weight (size class 576 B → 640 B) and its 16×4×4 transform (1 KiB) both go.
      expect(live - memoryStats().liveBytes, 'bytes freed with the weight').toBe(640 + 1024);
    }
    x.dispose();
  });

  it('an in-place write to the weight (an optimizer step) drops its transforms: y and dX after the step vs float64 with the new weight', async () => {
    setWinogradMode('f4');
    const xs = [1, 6, 5, 4],
      wShape = [3, 3, 4, 8];
    const g = geometry(xs, 'same');
    const xv = randomArray(prod(xs), 21);
    const x = tensor(xv, xs);
    const w = tensor(randomArray(prod(wShape), 22), wShape);
    const gyv = randomArray(6 * 5 * 8, 23);
    const gy = tensor(gyv, [1, 6, 5, 8]);
    const check = async (what: string) => {
      const wv = await w.read();
      const y = conv2d(x, w, { padding: 'same' });
      const dx = conv2dInputGradient(xs, w, gy, { padding: 'same' });
      const yRef = conv2dRef(xv, xs, wv, wShape, g);
      expectClose(await y.read(), yRef, RTOL, atolFor(yRef), `y ${what}`);
      const dxRef = conv2dInputGradientRef(gyv, xs, wv, wShape, g);
      expectClose(await dx.read(), dxRef, RTOL, atolFor(dxRef), `dX ${what}`);
      y.dispose();
      dx.dispose();
    };
    await check('before the step');
    const optimizer = new SgdMomentum([{ params: [w], weightDecay: 0 }], { momentum: 0 });
    const step = tensor(randomArray(prod(wShape), 24), wShape);
    optimizer.step(new Map([[w, step]]), 0.5);
    await check('after the step');
    optimizer.dispose();
    for (const t of [x, w, gy, step]) t.dispose();
  });

  it('memory stays flat when a model recomputes its folded batchnorm affine every run (one weight, forward + backward)', async () => {
    setWinogradMode('f2');
    const xs = [1, 6, 6, 8];
    const w = tensor(randomArray(9 * 64, 11), [3, 3, 8, 8]);
    const x = watch(tensor(randomArray(prod(xs), 12), xs));
    const before = winogradRuns();
    await expectSteadyMemory(
      async () => {
        const affine = tensor(randomArray(24, 13, 0.5, 1.5), [3, 8]);
        const tape = new Tape();
        const y = tape.record(() => conv2d(x, w, { padding: 'same', epilogue: { affine } }));
        const seed = tensor(randomArray(y.size, 14), y.shape);
        const { grads } = tape.backward(y, seed);
        const dx = grads.get(x)!;
        await dx.read();
        tape.dispose();
        for (const t of [y, affine, seed, dx]) t.dispose();
      },
      { repeats: 3, pooled: true },
    );
    expect(winogradRuns() - before, 'forward and input gradient by Winograd, 4 runs').toBe(8);
    w.dispose();
    x.dispose();
  });

  it('memory stays flat over repeated forward + input gradient with a fresh weight each time', async () => {
    setWinogradMode('f2');
    const xs = [1, 8, 8, 8];
    const x = tensor(randomArray(prod(xs), 1), xs);
    const gy = tensor(randomArray(prod(xs), 2), xs);
    const opts: Conv2dOptions = { padding: 'same' };
    await expectSteadyMemory(
      async () => {
        const w = tensor(randomArray(9 * 64, 3), [3, 3, 8, 8]);
        const y = conv2d(x, w, opts);
        const dx = conv2dInputGradient(xs, w, gy, opts);
        await y.read();
        await dx.read();
        for (const t of [w, y, dx]) t.dispose();
      },
      { repeats: 3, pooled: true },
    );
    x.dispose();
    gy.dispose();
  });
});
