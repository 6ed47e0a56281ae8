// Float64 activations written plainly from their definitions: the reference for ops/activations.

/** erf by its Maclaurin series (|x| < 6; beyond, ±1 to float64 precision): ~1e-9 absolute at |x| = 6. */
export function erf64(x: number): number {
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** y = f(x; α, β) per activation kind, as in activations.ts's table. */
export const activationRef: Record<string, (x: number, alpha: number, beta: number) => number> = {
  sigmoid,
  tanh: Math.tanh,
  silu: (x) => x * sigmoid(x),
  hardSigmoid: (x, a, b) => clamp(a * x + b, 0, 1),
  hardSwish: (x, a, b) => x * clamp(a * x + b, 0, 1),
  clip: (x, a, b) => clamp(x, a, b),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  elu: (x, a, b) => b * (x > 0 ? x : a * (Math.exp(x) - 1)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  geluErf: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  erf: erf64,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  abs: Math.abs,
  neg: (x) => -x,
  reciprocal: (x) => 1 / x,
  softsign: (x) => x / (1 + Math.abs(x)),
  celu: (x, a) => Math.max(0, x) + Math.min(0, a * (Math.exp(x / a) - 1)),
  thresholdedRelu: (x, a) => (x > a ? x : 0),
  shrink: (x, l, b) => (x < -l ? x + b : x > l ? x - b : 0),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  floor: Math.floor,
  ceil: Math.ceil,
  /** Half to even, as ONNX and WGSL. */
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sign: Math.sign,
};

export function mapRef(f: (x: number) => number, xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs, f);
}
