// Float64 batch normalisation over the last axis, written plainly as the definition reads.
// x is (rows, c) row-major; absent gamma means 1, absent beta 0.

export function batchNormInferenceRef(
  x: ArrayLike<number>,
  c: number,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  gamma: ArrayLike<number> | undefined,
  beta: ArrayLike<number> | undefined,
  epsilon: number,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const g = gamma ? gamma[ch] : 1;
    const b = beta ? beta[ch] : 0;
    y[i] = ((x[i] - mean[ch]) / Math.sqrt(variance[ch] + epsilon)) * g + b;
  }
  return y;
}

/** Mean and biased variance (divided by the row count) of each channel. */
export function momentsRef(x: ArrayLike<number>, c: number): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i];
  for (let ch = 0; ch < c; ch++) mean[ch] /= rows;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2;
  for (let ch = 0; ch < c; ch++) variance[ch] /= rows;
  return { mean, variance };
}

/** Training mode: normalise with the batch's own mean and biased variance. */
export function batchNormTrainingRef(
  x: ArrayLike<number>,
  c: number,
  gamma: ArrayLike<number> | undefined,
  beta: ArrayLike<number> | undefined,
  epsilon: number,
): { y: Float64Array; mean: Float64Array; variance: Float64Array } {
  const { mean, variance } = momentsRef(x, c);
  return { y: batchNormInferenceRef(x, c, mean, variance, gamma, beta, epsilon), mean, variance };
}
