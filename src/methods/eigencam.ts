// Eigen-CAM (Muhammad & Yeasin 2020): the activations projected on their first principal
// component. No gradient, no class: the map is the same for every class.
import type { NodeValues } from './cam-formulas.js';

const MAX_ITERATIONS = 3000;
const TOLERANCE = 1e-10;

/**
 * Centres each channel over the positions (M = A − mean), finds the top right singular vector v of
 * M by power iteration on MᵀM (started from the all-ones direction plus a fixed perturbation, until
 * the direction moves by less than 1e-10), and returns M·v per position, with the sign chosen so
 * that it correlates positively with the activation sum Σ_k A_k (an SVD's sign is arbitrary).
 * A map of constant activations has no principal component and gives zeros.
 */
export function eigencamProjection(a: NodeValues): Float64Array {
  const { positions: n, channels: c, data } = a;
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) mean[k] += data[i * c + k] / n;
  const m = new Float64Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) m[i * c + k] = data[i * c + k] - mean[k];

  const project = (v: Float64Array): Float64Array => {
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += m[i * c + k] * v[k];
      p[i] = s;
    }
    return p;
  };
  const backProject = (p: Float64Array): Float64Array => {
    const v = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) v[k] += m[i * c + k] * p[i];
    return v;
  };
  const normalise = (v: Float64Array): number => {
    let s = 0;
    for (const x of v) s += x * x;
    const norm = Math.sqrt(s);
    if (norm > 0) for (let k = 0; k < v.length; k++) v[k] /= norm;
    return norm;
  };

  let v: Float64Array = new Float64Array(c);
  for (let k = 0; k < c; k++) v[k] = 1 + 0.5 * Math.sin(k + 1);
  if (normalise(v) === 0) return new Float64Array(n);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const next = backProject(project(v));
    if (normalise(next) === 0) return new Float64Array(n);
    let moved = 0;
    for (let k = 0; k < c; k++) moved = Math.max(moved, Math.abs(next[k] - v[k]));
    v = next;
    if (moved < TOLERANCE) break;
  }
  const projection = project(v);

  const total = new Float64Array(n);
  let totalMean = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) total[i] += data[i * c + k];
    totalMean += total[i] / n;
  }
  let correlation = 0;
  for (let i = 0; i < n; i++) correlation += projection[i] * (total[i] - totalMean);
  if (correlation < 0) for (let i = 0; i < n; i++) projection[i] = -projection[i];
  return projection;
}
