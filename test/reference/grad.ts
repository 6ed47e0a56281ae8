// Central differences on float64 reference functions: the independent check of every backward.
import { randomArray } from '../helpers.js';

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

/** A gradient checked along one direction: ours = g·v, fd = the float64 central difference of f along v. */
export interface DirectionalCheck {
  readonly what: string;
  readonly ours: number;
  readonly fd: number;
}

/**
 * Our gradient `g` of the scalar `f` at `x` against float64 central differences (step h): along `directions`
 * seeded directions v = g ⊙ r (r uniform in [0, 1], scaled to max|v| = 1, so the derivative stands far above
 * rounding even where gradients are tiny), then along the `coordinates` input elements of largest |g|.
 */
export function directionalChecks(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  g: ArrayLike<number>,
  o: { h: number; seed: number; directions: number; coordinates?: number },
): DirectionalCheck[] {
  const along = (v: ArrayLike<number>) => {
    const at = (sign: number) => f(Float64Array.from(x, (xi, i) => xi + sign * o.h * v[i]));
    return (at(1) - at(-1)) / (2 * o.h);
  };
  const out: DirectionalCheck[] = [];
  for (let k = 0; k < o.directions; k++) {
    const r = randomArray(g.length, o.seed + k, 0, 1);
    let top = 0;
    for (let i = 0; i < g.length; i++) top = Math.max(top, Math.abs(g[i] * r[i]));
    const v = Float64Array.from(r, (ri, i) => (ri * g[i]) / top);
    let ours = 0;
    for (let i = 0; i < v.length; i++) ours += g[i] * v[i];
    out.push({ what: `direction ${k}`, ours, fd: along(v) });
  }
  const largest = Array.from(g, (_, i) => i)
    .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
    .slice(0, o.coordinates ?? 0);
  for (const i of largest) {
    const e = new Float64Array(g.length);
    e[i] = 1;
    out.push({ what: `input element ${i}`, ours: g[i], fd: along(e) });
  }
  return out;
}
