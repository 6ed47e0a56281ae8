// Float64 reference for sums and means over any axis set, by plain index arithmetic.
import { forEachIndex, stridesOf } from './shape.js';

/** Σ (or mean) over `axes` of x with `shape`; returns the values in the order of the kept axes. */
export function reduceRef(x: ArrayLike<number>, shape: readonly number[], axes: readonly number[], kind: 'sum' | 'mean'): Float64Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(kept);
  const out = new Float64Array(kept.reduce((n, d) => n * d, 1));
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    idx.forEach((v, d) => (o += (axes.includes(d) ? 0 : v) * keptStrides[d]));
    out[o] += x[flat];
  });
  const count = axes.reduce((n, a) => n * shape[a], 1);
  return kind === 'mean' ? out.map((v) => v / count) : out;
}
