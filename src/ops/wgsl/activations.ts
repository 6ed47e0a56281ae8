// The unary activation family as one table (tinygrad style): each entry is its forward WGSL
// expression and its derivative dy/dx, both in terms of the input `x` (type `T`, f32 or vec4<f32>)
// and the op's two parameters `p.alpha`, `p.beta`. Derivatives recompute from x so the backward
// saves only the input. One generator turns every entry into a forward and a backward kernel pair.
import { flatKernelMain } from '../../tensor/flat-kernel.js';
import type { KernelPair } from './elementwise.js';

export interface ActivationEntry {
  /** y as a WGSL expression of x. */
  forward: string;
  /** dy/dx as a WGSL expression of x. */
  derivative: string;
}

// Overflow-safe helpers, defined for the alias T. tanh is clamped because tanh(±15) is ±1 in
// float32 anyway and some drivers compute it as a ratio of exponentials that overflows to NaN.
// erf: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), WGSL has no erf.
export const activationHelpers = /* wgsl */ `
fn sig(x: T) -> T { return 1.0 / (1.0 + exp(-x)); }
fn tanh_(x: T) -> T { return tanh(clamp(x, T(-15.0), T(15.0))); }
/** 1 − tanh², as 1/cosh² (no cancellation near ±1). */
fn sech2(x: T) -> T { let c = cosh(clamp(x, T(-15.0), T(15.0))); return 1.0 / (c * c); }
fn erf_(x: T) -> T {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-a * a));
}
fn inside(x: T, lo: T, hi: T) -> T { return select(T(0.0), T(1.0), (x > lo) & (x < hi)); }
fn geluTanhInner(x: T) -> T { return 0.7978845608028654 * (x + 0.044715 * x * x * x); }
`;

const hardSigmoidArg = '(p.alpha * x + p.beta)';

export const activationTable = {
  sigmoid: { forward: 'sig(x)', derivative: 'sig(x) * (1.0 - sig(x))' },
  tanh: { forward: 'tanh_(x)', derivative: 'sech2(x)' },
  /** SiLU / swish: x·σ(x). */
  silu: { forward: 'x * sig(x)', derivative: 'sig(x) * (1.0 + x * (1.0 - sig(x)))' },
  /** clamp(αx + β, 0, 1): ONNX α 0.2, β 0.5; Keras 3 / PyTorch α 1/6, β 0.5. */
  hardSigmoid: {
    forward: `clamp(${hardSigmoidArg}, T(0.0), T(1.0))`,
    derivative: `p.alpha * inside(${hardSigmoidArg}, T(0.0), T(1.0))`,
  },
  /** x·hardSigmoid(x) with α, β (ONNX HardSwish: 1/6, 0.5). */
  hardSwish: {
    forward: `x * clamp(${hardSigmoidArg}, T(0.0), T(1.0))`,
    derivative: `clamp(${hardSigmoidArg}, T(0.0), T(1.0)) + x * p.alpha * inside(${hardSigmoidArg}, T(0.0), T(1.0))`,
  },
  /** min(max(x, α), β); the gradient passes strictly inside (as ReLU's at 0). */
  clip: { forward: 'min(max(x, T(p.alpha)), T(p.beta))', derivative: 'inside(x, T(p.alpha), T(p.beta))' },
  leakyRelu: { forward: 'select(p.alpha * x, x, x > T(0.0))', derivative: 'select(T(p.alpha), T(1.0), x > T(0.0))' },
  /** β·ELU_α(x): ELU with β = 1, SELU with its two constants. */
  elu: {
    forward: 'p.beta * select(p.alpha * (exp(min(x, T(0.0))) - 1.0), x, x > T(0.0))',
    derivative: 'p.beta * select(p.alpha * exp(min(x, T(0.0))), T(1.0), x > T(0.0))',
  },
  /** log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^−|x|). */
  softplus: { forward: 'max(x, T(0.0)) + log(1.0 + exp(-abs(x)))', derivative: 'sig(x)' },
  geluErf: {
    forward: '0.5 * x * (1.0 + erf_(x * 0.7071067811865476))',
    derivative: '0.5 * (1.0 + erf_(x * 0.7071067811865476)) + x * exp(-0.5 * x * x) * 0.3989422804014327',
  },
  /** 0.5x(1 + tanh u) written as x·σ(2u), so neither it nor its derivative cancels where tanh u ≈ −1. */
  geluTanh: {
    forward: 'x * sig(2.0 * geluTanhInner(x))',
    derivative:
      'sig(2.0 * geluTanhInner(x)) + 2.0 * x * sig(2.0 * geluTanhInner(x)) * sig(-2.0 * geluTanhInner(x))' + ' * 0.7978845608028654 * (1.0 + 0.134145 * x * x)',
  },
  erf: { forward: 'erf_(x)', derivative: '1.1283791670955126 * exp(-x * x)' },
  sqrt: { forward: 'sqrt(x)', derivative: '0.5 / sqrt(x)' },
  exp: { forward: 'exp(x)', derivative: 'exp(x)' },
  log: { forward: 'log(x)', derivative: '1.0 / x' },
  abs: { forward: 'abs(x)', derivative: 'sign(x)' },
  neg: { forward: '-x', derivative: 'T(-1.0)' },
  reciprocal: { forward: '1.0 / x', derivative: '-1.0 / (x * x)' },
  softsign: { forward: 'x / (1.0 + abs(x))', derivative: '1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))' },
  /** CELU: max(0, x) + min(0, α(e^(x/α) − 1)). */
  celu: {
    forward: 'max(x, T(0.0)) + min(T(0.0), p.alpha * (exp(min(x, T(0.0)) / p.alpha) - 1.0))',
    derivative: 'select(exp(min(x, T(0.0)) / p.alpha), T(1.0), x > T(0.0))',
  },
  /** x where x > α, else 0. */
  thresholdedRelu: { forward: 'select(T(0.0), x, x > T(p.alpha))', derivative: 'select(T(0.0), T(1.0), x > T(p.alpha))' },
  /** ONNX Shrink with λ = α, bias = β: x + β below −λ, x − β above λ, 0 between. */
  shrink: {
    forward: 'select(select(T(0.0), x - p.beta, x > T(p.alpha)), x + p.beta, x < T(-p.alpha))',
    derivative: 'select(T(0.0), T(1.0), abs(x) > T(p.alpha))',
  },
  sin: { forward: 'sin(x)', derivative: 'cos(x)' },
  cos: { forward: 'cos(x)', derivative: '-sin(x)' },
  tan: { forward: 'tan(x)', derivative: '1.0 / (cos(x) * cos(x))' },
  /** Through atan2: lavapipe's asin and acos err by ~3e-4. */
  asin: { forward: 'atan2(x, sqrt(1.0 - x * x))', derivative: 'inverseSqrt(1.0 - x * x)' },
  acos: { forward: 'atan2(sqrt(1.0 - x * x), x)', derivative: '-inverseSqrt(1.0 - x * x)' },
  atan: { forward: 'atan(x)', derivative: '1.0 / (1.0 + x * x)' },
  sinh: { forward: 'sinh(x)', derivative: 'cosh(x)' },
  cosh: { forward: 'cosh(x)', derivative: 'sinh(x)' },
  asinh: { forward: 'asinh(x)', derivative: 'inverseSqrt(x * x + 1.0)' },
  acosh: { forward: 'acosh(x)', derivative: 'inverseSqrt(x * x - 1.0)' },
  atanh: { forward: 'atanh(x)', derivative: '1.0 / (1.0 - x * x)' },
  /** Piecewise constant: derivative 0 (as tfjs and PyTorch). round is half to even (ONNX, WGSL). */
  floor: { forward: 'floor(x)', derivative: 'T(0.0)' },
  ceil: { forward: 'ceil(x)', derivative: 'T(0.0)' },
  round: { forward: 'round(x)', derivative: 'T(0.0)' },
  sign: { forward: 'sign(x)', derivative: 'T(0.0)' },
} satisfies Record<string, ActivationEntry>;

export type ActivationKind = keyof typeof activationTable;

const header = (t: string, bindings: string) => /* wgsl */ `
alias T = ${t};
struct Params { n: i32, c: i32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${activationHelpers}`;

const unary = `
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read_write> ys: array<T>;`;

/** a = the forward input, b = the upstream gradient. */
const binary = `
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read> gs: array<T>;
@group(0) @binding(3) var<storage, read_write> ys: array<T>;`;

function kernelPair(bindings: string, body: string): KernelPair {
  return { scalar: header('f32', bindings) + flatKernelMain(body), vec4: header('vec4<f32>', bindings) + flatKernelMain(body) };
}

const cache = new Map<string, { forward: KernelPair; backward: KernelPair }>();

/** Forward (x → y) and backward ((x, gy) → gx) kernels for one table entry. */
export function activationKernels(kind: ActivationKind): { forward: KernelPair; backward: KernelPair } {
  let k = cache.get(kind);
  if (!k) {
    const e: ActivationEntry = activationTable[kind];
    k = {
      forward: kernelPair(unary, `let x = xs[i];\n  ys[i] = ${e.forward};`),
      backward: kernelPair(binary, `let x = xs[i];\n  ys[i] = gs[i] * (${e.derivative});`),
    };
    cache.set(kind, k);
  }
  return k;
}

/**
 * Backward overrides of a clip at zero (ReLU6, ReLU with a max value), as relu's: 'guided' passes
 * only positive gradients where the input was inside (0, β); 'deconvnet' rectifies the gradient.
 */
export const clipOverrides: Record<'guided' | 'deconvnet', KernelPair> = {
  guided: kernelPair(binary, 'let x = xs[i];\n  ys[i] = max(gs[i], T(0.0)) * inside(x, T(p.alpha), T(p.beta));'),
  deconvnet: kernelPair(binary, 'ys[i] = max(gs[i], T(0.0));'),
};
