import { afterEach, describe, expect, it } from 'vitest';
import { empty, ShapeError, Tape, tensor, watch } from '../../src/tensor/index.js';
import { gemm, matmul, setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { matmulRef } from '../reference/matmul.js';
import { numericGradient } from '../reference/grad.js';

interface Case {
  M: number;
  K: number;
  N: number;
  transposeA: boolean;
  transposeB: boolean;
}

const shapesOf = (c: Case) => ({
  aShape: c.transposeA ? [c.K, c.M] : [c.M, c.K],
  bShape: c.transposeB ? [c.N, c.K] : [c.K, c.N],
});

const name = (c: Case) => `[${c.M}×${c.K}]·[${c.K}×${c.N}]${c.transposeA ? ' aᵀ' : ''}${c.transposeB ? ' bᵀ' : ''}`;

const transposes = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

// Odd sizes take the scalar kernels with K tails; multiples of 4 the vec4 kernels; M < 8 the
// narrower row tiles (1, 2 and 4 rows per invocation).
const cases: Case[] = [];
for (const [transposeA, transposeB] of transposes) {
  cases.push({ M: 13, K: 7, N: 10, transposeA, transposeB });
  cases.push({ M: 20, K: 12, N: 24, transposeA, transposeB });
  cases.push({ M: 3, K: 9, N: 8, transposeA, transposeB });
}
cases.push({ M: 1, K: 16, N: 12, transposeA: false, transposeB: false });
cases.push({ M: 2, K: 5, N: 3, transposeA: false, transposeB: true });
cases.push({ M: 4, K: 8, N: 68, transposeA: true, transposeB: false });
cases.push({ M: 12, K: 9, N: 8, transposeA: true, transposeB: false });

async function forwardOf(c: Case, seed: number) {
  const { aShape, bShape } = shapesOf(c);
  const av = randomArray(c.M * c.K, seed);
  const bv = randomArray(c.K * c.N, seed + 1);
  const y = matmul(tensor(av, aShape), tensor(bv, bShape), { transposeA: c.transposeA, transposeB: c.transposeB });
  expect(y.shape).toEqual([c.M, c.N]);
  return { av, bv, aShape, bShape, got: await y.read() };
}

describe('matmul forward', () => {
  for (const c of cases) {
    it(`${name(c)} matches the float64 reference and tf.matMul (rtol 1e-5, atol 1e-5)`, async () => {
      const { av, bv, aShape, bShape, got } = await forwardOf(c, c.M * 100 + c.K);
      expectClose(got, matmulRef(av, aShape, bv, bShape, c.transposeA, c.transposeB), 1e-5, 1e-5, 'vs float64');
      const tf = await tfjs();
      const expected = tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), c.transposeA, c.transposeB).dataSync();
      expectClose(got, expected, 1e-5, 1e-5, 'vs tfjs');
    });
  }
});

describe('matmul backward', () => {
  for (const [transposeA, transposeB] of transposes) {
    for (const [M, K, N] of [
      [5, 3, 6],
      [8, 4, 12],
    ]) {
      const c: Case = { M, K, N, transposeA, transposeB };
      it(`${name(c)}: dA, dB match tf.grads (rtol 1e-5, atol 1e-5) and central differences on float64 (rtol 1e-5, atol 1e-5)`, async () => {
        const { aShape, bShape } = shapesOf(c);
        const av = randomArray(M * K, 7 + M),
          bv = randomArray(K * N, 8 + N),
          sv = randomArray(M * N, 9);
        const a = watch(tensor(av, aShape));
        const b = watch(tensor(bv, bShape));
        const tape = new Tape();
        const y = tape.record(() => matmul(a, b, { transposeA, transposeB }));
        const { grads } = tape.backward(y, tensor(sv, [M, N]));
        const ga = await grads.get(a)!.read();
        const gb = await grads.get(b)!.read();
        tape.dispose();

        const tf = await tfjs();
        const [ta, tb] = tf.grads((x: ReturnType<typeof tf.tensor>, w: ReturnType<typeof tf.tensor>) => tf.matMul(x, w, transposeA, transposeB))(
          [tf.tensor(av, aShape), tf.tensor(bv, bShape)],
          tf.tensor(sv, [M, N]),
        );
        expectClose(ga, ta.dataSync(), 1e-5, 1e-5, 'dA vs tfjs');
        expectClose(gb, tb.dataSync(), 1e-5, 1e-5, 'dB vs tfjs');
        const na = numericGradient((x) => matmulRef(x, aShape, bv, bShape, transposeA, transposeB), av, sv);
        const nb = numericGradient((x) => matmulRef(av, aShape, x, bShape, transposeA, transposeB), bv, sv);
        expectClose(ga, na, 1e-5, 1e-5, 'dA vs central differences');
        expectClose(gb, nb, 1e-5, 1e-5, 'dB vs central differences');
      });
    }
  }

  it('computes only the gradient that is needed', () => {
    const a = watch(tensor(randomArray(6, 1), [2, 3]));
    const b = tensor(randomArray(12, 2), [3, 4]);
    const tape = new Tape();
    const y = tape.record(() => matmul(a, b));
    const { grads } = tape.backward(y);
    expect([...grads.keys()]).toEqual([a]);
    tape.dispose();
  });
});

describe('matmul operands larger than one storage binding', () => {
  afterEach(() => setMaxBindingBytesForTests(undefined));

  // A 4 KiB binding limit (1024 floats) forces chunks along M, N and K for these shapes, with
  // row lengths that are not multiples of the 64-float offset alignment.
  for (const [transposeA, transposeB] of transposes) {
    for (const [M, K, N] of [
      [40, 100, 36],
      [19, 70, 13],
    ]) {
      const c: Case = { M, K, N, transposeA, transposeB };
      it(`${name(c)} with a 4 KiB binding limit matches the float64 reference (rtol 1e-5, atol 1e-4)`, async () => {
        setMaxBindingBytesForTests(4096);
        const { av, bv, aShape, bShape, got } = await forwardOf(c, 31 + M);
        expectClose(got, matmulRef(av, aShape, bv, bShape, transposeA, transposeB), 1e-5, 1e-4, 'chunked vs float64');
      });
    }
  }
});

describe('batched gemm (workgroup z picks the product)', () => {
  afterEach(() => setMaxBindingBytesForTests(undefined));
  // [M, K, N, binding limit]: vec4 strides in one dispatch; odd strides and a binding too small
  // for the whole span, one product at a time.
  const shapes: [number, number, number, number | undefined][] = [
    [9, 8, 12, undefined],
    [5, 7, 3, undefined],
    [9, 8, 12, 1024],
  ];
  shapes.forEach(([M, K, N, limit]) => {
    it(`3 products [${M}×${K}]·[${K}×${N}]${limit ? `, bindings of ${limit} bytes` : ''} vs float64 (rtol 1e-5, atol 1e-6·max(1, max|ref|))`, async () => {
      setMaxBindingBytesForTests(limit);
      const count = 3;
      const av = randomArray(count * M * K, 1),
        bv = randomArray(count * K * N, 2);
      const a = tensor(av, [count * M, K]),
        b = tensor(bv, [count * K, N]),
        y = empty([count * M, N]);
      gemm({
        a: { buffer: a.buffer, rows: M, cols: K },
        transposeA: false,
        b: { buffer: b.buffer, rows: K, cols: N },
        transposeB: false,
        y: { buffer: y.buffer, rows: M, cols: N },
        batch: { count, aStride: M * K, bStride: K * N, yStride: M * N },
      });
      const got = await y.read();
      for (let i = 0; i < count; i++) {
        const ref = matmulRef(av.subarray(i * M * K, (i + 1) * M * K), [M, K], bv.subarray(i * K * N, (i + 1) * K * N), [K, N]);
        expectClose(got.subarray(i * M * N, (i + 1) * M * N), ref, 1e-5, 1e-6 * Math.max(1, maxAbs(ref)), `product ${i}`);
      }
      for (const t of [a, b, y]) t.dispose();
    });
  });
});

describe('matmul bad inputs', () => {
  it('rejects operands that are not matrices, naming both shapes', () => {
    const a = tensor(randomArray(24, 1), [2, 3, 4]);
    const b = tensor(randomArray(12, 2), [4, 3]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow(/matmul.*\[2, 3, 4\].*\[4, 3\]/);
  });

  it('rejects mismatched inner dimensions, naming both shapes', () => {
    const a = tensor(randomArray(6, 1), [2, 3]);
    const b = tensor(randomArray(8, 2), [4, 2]);
    expect(() => matmul(a, b)).toThrow(/matmul: expected .*given a \[2, 3\], b \[4, 2\]/);
    expect(() => matmul(a, b, { transposeA: true })).toThrow(ShapeError);
    expect(() => matmul(a, b, { transposeA: true, transposeB: true })).not.toThrow();
  });
});

describe('matmul empty inner dimension', () => {
  it('[2×0]·[0×3] is all zeros (the empty sum; exact)', async () => {
    const y = matmul(tensor([], [2, 0]), tensor([], [0, 3]));
    expect(Array.from(await y.read())).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('matmul scale', () => {
  it('keeps float32 accuracy over K = 1000 (vs float64, rtol 1e-4, atol 1e-4·max|y|)', async () => {
    const c: Case = { M: 9, K: 1000, N: 20, transposeA: false, transposeB: false };
    const { av, bv, aShape, bShape, got } = await forwardOf(c, 5);
    const ref = matmulRef(av, aShape, bv, bShape);
    expectClose(got, ref, 1e-4, 1e-4 * maxAbs(ref), 'K = 1000');
  });
});
