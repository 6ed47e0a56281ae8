// Float64 references for transpose, slice and reductions to extremes, with explicit index arithmetic.
import { forEachIndex, stridesOf } from './shape.js';

export function transposeRef(x: ArrayLike<number>, shape: number[], perm: number[]): Float64Array {
  const out = perm.map((p) => shape[p]);
  const s = stridesOf(shape);
  const y = new Float64Array(x.length);
  forEachIndex(out, (idx, flat) => {
    y[flat] = x[idx.reduce((at, c, i) => at + c * s[perm[i]], 0)];
  });
  return y;
}

/** Python/NumPy slicing per axis: indices start, start+step, … while inside [0, dim) and before end. */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
  const out: number[] = [];
  if (step > 0) for (let i = norm(start, 0, dim); i < norm(end, 0, dim); i += step) out.push(i);
  else for (let i = norm(start, 0, dim - 1); i > norm(end, -1, dim - 1); i += step) out.push(i);
  return out;
}

/** x[...] with per-axis index lists (every axis listed). */
export function gatherRef(x: ArrayLike<number>, shape: number[], picks: number[][]): Float64Array {
  const out = picks.map((p) => p.length);
  const s = stridesOf(shape);
  const y = new Float64Array(out.reduce((n, d) => n * d, 1));
  forEachIndex(out, (idx, flat) => {
    y[flat] = x[idx.reduce((at, c, i) => at + picks[i][c] * s[i], 0)];
  });
  return y;
}

export function extremeRef(fn: (a: number, b: number) => number, x: ArrayLike<number>, shape: number[], axes: number[]): Float64Array {
  const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const so = stridesOf(out);
  const y = new Float64Array(out.reduce((n, d) => n * d, 1)).fill(NaN);
  forEachIndex(shape, (idx, flat) => {
    const at = idx.reduce((a, c, i) => a + (axes.includes(i) ? 0 : c * so[i]), 0);
    y[at] = Number.isNaN(y[at]) ? x[flat] : fn(y[at], x[flat]);
  });
  return y;
}
