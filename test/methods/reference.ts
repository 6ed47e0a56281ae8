// References for the explanation tests: the gradient-weighted CAM formulas written with tfjs-core
// ops over tfjs' own activations and tf.grad gradients, the guided ReLU as a tf.customGrad, and
// Eigen-CAM through a full Jacobi eigendecomposition in float64 (not power iteration).
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import type { GradientCamMethod } from '../../src/methods/types.js';
import type { Tf } from '../tfjs.js';

/** Map [h·w] of each gradient CAM method from A and g ([1, h, w, c] tfjs tensors). */
export function referenceCam(tf: Tf, method: GradientCamMethod, a: TfTensor, g: TfTensor): Float32Array {
  const weighted = (w: TfTensor) => tf.relu(tf.sum(tf.mul(w, a), -1));
  let map: TfTensor;
  switch (method) {
    case 'gradcam':
      map = weighted(tf.mean(g, [1, 2], true));
      break;
    case 'hirescam':
      map = weighted(g);
      break;
    case 'layercam':
      map = weighted(tf.relu(g));
      break;
    case 'xgradcam': {
      const sumA = tf.sum(a, [1, 2], true);
      const ratio = tf.div(tf.sum(tf.mul(a, g), [1, 2], true), sumA);
      map = weighted(tf.where(tf.equal(sumA, 0), tf.zerosLike(ratio), ratio));
      break;
    }
    case 'gradcam++': {
      const g2 = tf.square(g);
      const g3 = tf.mul(g2, g);
      const sumA = tf.sum(a, [1, 2], true);
      const denominator = tf.add(tf.mul(g2, 2), tf.mul(sumA, g3));
      const valid = tf.logicalAnd(tf.notEqual(g, 0), tf.notEqual(denominator, 0));
      const aij = tf.where(valid, tf.div(g2, denominator), tf.zerosLike(g));
      map = weighted(tf.sum(tf.mul(aij, tf.relu(g)), [1, 2], true));
      break;
    }
  }
  return map.dataSync() as Float32Array;
}

/** ReLU whose backward is the guided rule: dy where x > 0 and dy > 0, else 0. */
export function guidedRelu(tf: Tf): (x: TfTensor) => TfTensor {
  return tf.customGrad((x, save) => {
    (save as (tensors: TfTensor[]) => void)([x as TfTensor]);
    return {
      value: tf.relu(x as TfTensor),
      gradFunc: (dy: TfTensor, saved: TfTensor[]) => tf.mul(tf.mul(dy, tf.step(saved[0])), tf.step(dy)),
    };
  }) as (x: TfTensor) => TfTensor;
}

/** Eigenvalues and eigenvectors (columns of v) of a symmetric n×n matrix by cyclic Jacobi rotations. */
export function jacobiEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p],
            akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k],
            aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * Eigen-CAM reference: M = A centred per channel; the projection on the first right singular
 * vector is σ₁·u₁ with u₁ the top eigenvector of M·Mᵀ (positions × positions) and σ₁² its
 * eigenvalue; sign so that it correlates positively with Σ_k A_k; then ReLU.
 */
export function referenceEigencam(a: Float32Array, positions: number, channels: number): Float64Array {
  const m = new Float64Array(positions * channels);
  for (let k = 0; k < channels; k++) {
    let mean = 0;
    for (let i = 0; i < positions; i++) mean += a[i * channels + k] / positions;
    for (let i = 0; i < positions; i++) m[i * channels + k] = a[i * channels + k] - mean;
  }
  const gram = new Float64Array(positions * positions);
  for (let i = 0; i < positions; i++) {
    for (let j = 0; j < positions; j++) {
      let s = 0;
      for (let k = 0; k < channels; k++) s += m[i * channels + k] * m[j * channels + k];
      gram[i * positions + j] = s;
    }
  }
  const { values, vectors } = jacobiEigen(gram, positions);
  let top = 0;
  for (let i = 1; i < positions; i++) if (values[i] > values[top]) top = i;
  const sigma = Math.sqrt(Math.max(values[top], 0));
  const projection = new Float64Array(positions);
  for (let i = 0; i < positions; i++) projection[i] = sigma * vectors[i * positions + top];
  const total = new Float64Array(positions);
  let mean = 0;
  for (let i = 0; i < positions; i++) {
    for (let k = 0; k < channels; k++) total[i] += a[i * channels + k];
    mean += total[i] / positions;
  }
  let correlation = 0;
  for (let i = 0; i < positions; i++) correlation += projection[i] * (total[i] - mean);
  return projection.map((v) => Math.max(correlation < 0 ? -v : v, 0));
}
