// Central differences on float64 reference functions: the independent check of every backward.

/**
 * d(Σ seed·f(x))/dx by central differences, in float64. f must be a plain float64 function.
 */
export function numericGradient(f: (x: Float64Array) => Float64Array, x: ArrayLike<number>, seed: ArrayLike<number>, h = 1e-5): Float64Array {
  const xs = Float64Array.from(x);
  const g = new Float64Array(xs.length);
  const dot = (y: Float64Array) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * seed[i];
    return s;
  };
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    xs[i] = v + h;
    const up = dot(f(xs));
    xs[i] = v - h;
    const down = dot(f(xs));
    xs[i] = v;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
