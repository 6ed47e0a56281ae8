// Plain float64 matrix products for the tests: the triple loop, nothing clever.

/** op(A)·op(B) with A stored [M,K] (or [K,M] when transposeA) and B stored [K,N] (or [N,K]). */
export function matmulRef(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  transposeA = false,
  transposeB = false,
): Float64Array {
  const [M, K] = transposeA ? [aShape[1], aShape[0]] : [aShape[0], aShape[1]];
  const N = transposeB ? bShape[0] : bShape[1];
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = transposeA ? a[k * M + m] : a[m * K + k];
        const bv = transposeB ? b[n * K + k] : b[k * N + n];
        s += av * bv;
      }
      y[m * N + n] = s;
    }
  }
  return y;
}

/** x [N, In] · w [In, Out] + bias [Out]. */
export function denseRef(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  bias?: ArrayLike<number>,
): Float64Array {
  const y = matmulRef(x, xShape, w, wShape);
  const out = wShape[1];
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[i % out];
  return y;
}
