// Float64 NumPy-broadcast binary ops, written plainly with explicit index arithmetic.
import { forEachIndex, stridesOf } from './shape.js';

export function broadcastShapeRef(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, d) => Math.max(a[a.length - rank + d] ?? 1, b[b.length - rank + d] ?? 1));
}

/** Flat index into `shape` of the output multi-index `idx` (broadcast dims read index 0). */
function sourceIndex(idx: readonly number[], shape: readonly number[]): number {
  const strides = stridesOf(shape);
  const lead = idx.length - shape.length;
  let at = 0;
  shape.forEach((d, i) => {
    at += (d === 1 ? 0 : idx[i + lead]) * strides[i];
  });
  return at;
}

export function binaryRef(f: (a: number, b: number) => number, a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): Float64Array {
  const out = broadcastShapeRef(aShape, bShape);
  const y = new Float64Array(out.reduce((n, d) => n * d, 1));
  forEachIndex(out, (idx, flat) => {
    y[flat] = f(a[sourceIndex(idx, aShape)], b[sourceIndex(idx, bShape)]);
  });
  return y;
}
