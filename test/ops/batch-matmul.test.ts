// batchMatmul: NumPy/ONNX MatMul on ranks >= 2. References: a float64 product written as the
// definition and tfjs-core's matMul (which broadcasts batch axes), tf.grads for both gradients.
import { describe, expect, it } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { ShapeError, Tape, tensor, tidy, watch } from '../../src/tensor/index.js';
import { batchMatmul } from '../../src/ops/batch-matmul.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { broadcastShapeRef } from '../reference/broadcast.js';
import { forEachIndex, stridesOf } from '../reference/shape.js';

const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);

function matmulRef(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): Float64Array {
  const [M, K] = aShape.slice(-2);
  const N = bShape[bShape.length - 1];
  const batch = broadcastShapeRef(aShape.slice(0, -2), bShape.slice(0, -2));
  const at = (idx: number[], shape: number[]) => {
    const bs = shape.slice(0, -2);
    const s = stridesOf(bs);
    const lead = idx.length - bs.length;
    return bs.reduce((o, d, i) => o + (d === 1 ? 0 : idx[i + lead]) * s[i], 0);
  };
  const y = new Float64Array(size(batch) * M * N);
  forEachIndex(batch, (idx, flat) => {
    const ao = at(idx, aShape) * M * K;
    const bo = at(idx, bShape) * K * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + m * K + k] * b[bo + k * N + n];
        y[flat * M * N + m * N + n] = s;
      }
    }
  });
  return y;
}

/**
 * tfjs 4.22's matMul cannot be the reference as it is on broadcast batches: [2, 1, 4, 5]·[3, 5, 6]
 * gives 72 values where NumPy gives [2, 3, 4, 6] (144), and the BatchMatMul gradient does not sum over broadcast axes (a [7, 6] operand gets a [2, 3, 7, 6]
 * gradient). So both operands are broadcast to the full batch with tf.broadcastTo first (whose
 * gradient does the summing) and then multiplied batch for batch.
 */
function tfBatchMatmul(tf: typeof tfc, a: tfc.Tensor, b: tfc.Tensor): tfc.Tensor {
  const batch = broadcastShapeRef(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return tf.matMul(tf.broadcastTo(a, [...batch, ...a.shape.slice(-2)]), tf.broadcastTo(b, [...batch, ...b.shape.slice(-2)]));
}

describe('batchMatmul', () => {
  it.each([
    { what: 'ConvNeXt pointwise [2, 3, 5, 7]·[7, 6] (one folded GEMM)', a: [2, 3, 5, 7], b: [7, 6] },
    { what: 'same batch [2, 4, 5]·[2, 5, 3]', a: [2, 4, 5], b: [2, 5, 3] },
    { what: 'both broadcast [2, 1, 4, 5]·[3, 5, 6]', a: [2, 1, 4, 5], b: [3, 5, 6] },
    { what: "2-D a broadcast over b's batch [4, 5]·[3, 5, 2]", a: [4, 5], b: [3, 5, 2] },
    { what: 'plain matrices [6, 9]·[9, 8]', a: [6, 9], b: [9, 8] },
  ])('$what: forward vs float64 and tf.matMul, gradients vs tf.grads (rtol 1e-5, atol 1e-5·max(1, max|ref|))', async ({ a: aShape, b: bShape }) => {
    const tf = await tfjs();
    const av = randomArray(size(aShape), 71);
    const bv = randomArray(size(bShape), 72);
    const a = watch(tensor(av, aShape));
    const b = watch(tensor(bv, bShape));
    const tape = new Tape();
    const y = tape.record(() => batchMatmul(a, b));
    const seed = randomArray(y.size, 73);
    const { grads } = tape.backward(y, tensor(seed, y.shape));
    const [ta, tb] = [tf.tensor(av, aShape), tf.tensor(bv, bShape)];
    const ty = tfBatchMatmul(tf, ta, tb);
    expect([...y.shape]).toEqual(ty.shape);
    const ref = matmulRef(av, aShape, bv, bShape);
    const tol = (r: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(r));
    const value = await y.read();
    expectClose(value, ref, 1e-5, tol(ref), 'forward vs float64');
    expectClose(value, ty.dataSync(), 1e-5, tol(ref), 'forward vs tfjs');
    const [tga, tgb] = tf.grads((x: tfc.Tensor, w: tfc.Tensor) => tfBatchMatmul(tf, x, w))([ta, tb], tf.tensor(seed, ty.shape));
    expectClose(await grads.get(a)!.read(), tga.dataSync(), 1e-5, tol(tga.dataSync()), 'gradient of a vs tf.grads');
    expectClose(await grads.get(b)!.read(), tgb.dataSync(), 1e-5, tol(tgb.dataSync()), 'gradient of b vs tf.grads');
    tape.dispose();
  });

  it('rejects rank 1 and mismatched inner sizes', () => {
    expect(() => batchMatmul(tensor([1, 2], [2]), tensor([1, 2], [2, 1]))).toThrow(ShapeError);
    expect(() => batchMatmul(tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(8), [4, 2]))).toThrow(/3 rows/);
  });

  it('forward and backward leave GPU memory steady (10 steps)', async () => {
    const a = tensor(randomArray(2 * 3 * 4 * 5, 1), [2, 3, 4, 5]);
    const b = tensor(randomArray(3 * 5 * 6, 2), [3, 5, 6]);
    const step = () => {
      const tape = new Tape();
      tidy(() => {
        const [aa, bb] = [watch(a), watch(b)];
        const y = tape.record(() => batchMatmul(aa, bb));
        return tape.backward(y).grads.size;
      });
      tape.dispose();
    };
    await expectSteadyMemory(step, { repeats: 10 });
  });
});
