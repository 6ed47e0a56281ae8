// The gradient-weighted CAM formulas, on the CPU in float64 over activations A and gradients
// G = ∂y/∂A read back from the GPU (NHWC, batch 1: element (i, k) at i·C + k for position i).
// Node maps are small (7×7×2048 = 100 k values at most for the usual targets), so one pass in
// float64 costs well under a millisecond and no rounding depends on GPU reduction order.
import { ShapeError } from '../tensor/index.js';

export interface NodeValues {
  /** Spatial positions (H·W). */
  positions: number;
  channels: number;
  data: Float32Array;
}

function checkPair(method: string, a: NodeValues, g: NodeValues): void {
  if (a.positions !== g.positions || a.channels !== g.channels || a.data.length !== a.positions * a.channels || g.data.length !== a.data.length) {
    throw new ShapeError(method, `activations and gradients of ${a.positions}×${a.channels} values`, `${a.data.length} and ${g.data.length} values`);
  }
}

/** Σ_k w_k A_k at every position. */
export function weightedSum(a: NodeValues, weights: Float64Array): Float64Array {
  const { positions: n, channels: c, data } = a;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * c;
    for (let k = 0; k < c; k++) s += weights[k] * data[row + k];
    out[i] = s;
  }
  return out;
}

/** Grad-CAM: α_k = spatial mean of ∂y/∂A_k. */
export function gradcamWeights(g: NodeValues): Float64Array {
  const { positions: n, channels: c, data } = g;
  const w = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) w[k] += data[i * c + k];
  for (let k = 0; k < c; k++) w[k] /= n;
  return w;
}

/**
 * Grad-CAM++ (Chattopadhay et al. 2018, eq. 19 with the exponential score S = exp(y)): the higher
 * derivatives of exp(y) are exp(y)·g², exp(y)·g³ when y is piecewise linear in A, so
 * a_ij^k = g² / (2g² + Σ_ab A_ab^k · g³) (0 where g = 0 or the denominator vanishes) and
 * w_k = Σ_ij a_ij^k · ReLU(g_ij). The positive factor exp(y), common to all channels, is dropped.
 */
export function gradcamPlusPlusWeights(a: NodeValues, g: NodeValues): Float64Array {
  checkPair('gradcam++', a, g);
  const { positions: n, channels: c } = a;
  const sumA = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) sumA[k] += a.data[i * c + k];
  const w = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const gk = g.data[i * c + k];
      if (gk === 0) continue;
      const g2 = gk * gk;
      const denominator = 2 * g2 + sumA[k] * g2 * gk;
      if (denominator === 0) continue;
      w[k] += (g2 / denominator) * Math.max(gk, 0);
    }
  }
  return w;
}

/** XGrad-CAM (Fu et al. 2020): α_k = Σ_ij A_ij^k g_ij^k / Σ_ij A_ij^k (0 for a channel whose activations sum to 0). */
export function xgradcamWeights(a: NodeValues, g: NodeValues): Float64Array {
  checkPair('xgradcam', a, g);
  const { positions: n, channels: c } = a;
  const num = new Float64Array(c);
  const den = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const av = a.data[i * c + k];
      num[k] += av * g.data[i * c + k];
      den[k] += av;
    }
  }
  const w = new Float64Array(c);
  for (let k = 0; k < c; k++) w[k] = den[k] === 0 ? 0 : num[k] / den[k];
  return w;
}

/** Σ_k f(g_ij^k)·A_ij^k per position: HiResCAM with f = identity, LayerCAM with f = ReLU. */
function elementwiseSum(a: NodeValues, g: NodeValues, positiveGradientsOnly: boolean): Float64Array {
  const { positions: n, channels: c } = a;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) {
      const gk = g.data[i * c + k];
      s += (positiveGradientsOnly ? Math.max(gk, 0) : gk) * a.data[i * c + k];
    }
    out[i] = s;
  }
  return out;
}

/** Grad-CAM before its ReLU: Σ_k α_k A_k with α_k the spatial mean of ∂y/∂A_k. */
export function gradcamPreRelu(a: NodeValues, g: NodeValues): Float64Array {
  checkPair('gradcam', a, g);
  return weightedSum(a, gradcamWeights(g));
}

export function gradcamPlusPlusPreRelu(a: NodeValues, g: NodeValues): Float64Array {
  return weightedSum(a, gradcamPlusPlusWeights(a, g));
}

export function xgradcamPreRelu(a: NodeValues, g: NodeValues): Float64Array {
  return weightedSum(a, xgradcamWeights(a, g));
}

/** HiResCAM: Σ_k g_k ⊙ A_k. */
export function hirescamPreRelu(a: NodeValues, g: NodeValues): Float64Array {
  checkPair('hirescam', a, g);
  return elementwiseSum(a, g, false);
}

/** LayerCAM: Σ_k ReLU(g_k) ⊙ A_k. */
export function layercamPreRelu(a: NodeValues, g: NodeValues): Float64Array {
  checkPair('layercam', a, g);
  return elementwiseSum(a, g, true);
}
