// Unary activations and elementwise functions: one op over the table in wgsl/activations.ts.
// A clip whose lower bound is 0 (ReLU6, Keras ReLU(max_value)) is recorded as kind 'relu6' and
// accepts relu's backward overrides ('guided', 'deconvnet'), so guided backprop covers MobileNet's
// ReLU6 when the overrides name it ({ relu: 'guided', relu6: 'guided' }); each kind is counted apart.
import { recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { launchBinary, launchUnary } from './launch.js';
import { relu } from './relu.js';
import { activationKernels, clipOverrides, type ActivationKind } from './wgsl/activations.js';

export type { ActivationKind } from './wgsl/activations.js';

/** Runs table entry `kind` with parameters α, β (their meaning is the entry's). */
export function activation(kind: ActivationKind, x: Tensor, alpha = 0, beta = 0, recordAs: string = kind): Tensor {
  if (!Number.isFinite(alpha) && kind !== 'clip') throw new ShapeError(kind, 'a finite parameter', `${alpha}`);
  const params = [alpha, beta];
  const kernels = activationKernels(kind);
  const y = launchUnary(kernels.forward, x, params);
  const overrides = recordAs === 'relu6' ? clipOverrides : undefined;
  recordOp({
    kind: recordAs,
    inputs: [x],
    output: y,
    saved: [x],
    overrides: overrides ? Object.keys(overrides) : undefined,
    backward: (gy, { override }) => {
      const k = override && overrides ? overrides[override as keyof typeof overrides] : kernels.backward;
      return [launchBinary(k, x, gy, 4, params)];
    },
  });
  return y;
}

export const sigmoid = (x: Tensor) => activation('sigmoid', x);
export const tanh = (x: Tensor) => activation('tanh', x);
/** SiLU = swish = x·σ(x). */
export const silu = (x: Tensor) => activation('silu', x);
/** clamp(αx + β, 0, 1). ONNX HardSigmoid defaults to α 0.2, β 0.5 (so did Keras 2); Keras 3 and PyTorch use α 1/6. */
export const hardSigmoid = (x: Tensor, alpha = 0.2, beta = 0.5) => activation('hardSigmoid', x, alpha, beta);
/** x·clamp(x/6 + 1/2, 0, 1) (ONNX HardSwish, PyTorch Hardswish, Keras hard_swish). */
export const hardSwish = (x: Tensor) => activation('hardSwish', x, 1 / 6, 0.5);
export const erf = (x: Tensor) => activation('erf', x);
export const sqrt = (x: Tensor) => activation('sqrt', x);
export const exp = (x: Tensor) => activation('exp', x);
export const log = (x: Tensor) => activation('log', x);
export const abs = (x: Tensor) => activation('abs', x);
export const neg = (x: Tensor) => activation('neg', x);
export const reciprocal = (x: Tensor) => activation('reciprocal', x);
/** max(x, 0) + log(1 + e^−|x|). */
export const softplus = (x: Tensor) => activation('softplus', x);
/** x / (1 + |x|). */
export const softsign = (x: Tensor) => activation('softsign', x);
/** max(0, x) + min(0, α(e^(x/α) − 1)), ONNX default α = 1. */
export const celu = (x: Tensor, alpha = 1) => activation('celu', x, alpha);
/** x where x > α (ONNX default 1), else 0. */
export const thresholdedRelu = (x: Tensor, alpha = 1) => activation('thresholdedRelu', x, alpha);
/** ONNX Shrink: x + bias below −λ, x − bias above λ, 0 between (defaults λ 0.5, bias 0). */
export const shrink = (x: Tensor, lambd = 0.5, bias = 0) => activation('shrink', x, lambd, bias);
/** Trigonometric and hyperbolic functions and their inverses; piecewise-constant floor, ceil, round (half to even), sign (gradient 0). */
export const sin = (x: Tensor) => activation('sin', x);
export const cos = (x: Tensor) => activation('cos', x);
export const tan = (x: Tensor) => activation('tan', x);
export const asin = (x: Tensor) => activation('asin', x);
export const acos = (x: Tensor) => activation('acos', x);
export const atan = (x: Tensor) => activation('atan', x);
export const sinh = (x: Tensor) => activation('sinh', x);
export const cosh = (x: Tensor) => activation('cosh', x);
export const asinh = (x: Tensor) => activation('asinh', x);
export const acosh = (x: Tensor) => activation('acosh', x);
export const atanh = (x: Tensor) => activation('atanh', x);
export const floor = (x: Tensor) => activation('floor', x);
export const ceil = (x: Tensor) => activation('ceil', x);
export const round = (x: Tensor) => activation('round', x);
export const sign = (x: Tensor) => activation('sign', x);

/** min(max(x, lo), hi); either bound may be infinite. A lower bound of 0 records as 'relu6' (see above). */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new ShapeError('clip', 'bounds lo <= hi', `lo ${lo}, hi ${hi}`);
  return activation('clip', x, lo, hi, lo === 0 ? 'relu6' : 'clip');
}

export const relu6 = (x: Tensor) => clip(x, 0, 6);

/** x for x > 0, αx otherwise. */
export function leakyRelu(x: Tensor, alpha: number): Tensor {
  return activation('leakyRelu', x, alpha);
}

/** x for x > 0, α(eˣ − 1) otherwise (ONNX and Keras default α = 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  return activation('elu', x, alpha, 1);
}

/** SELU with the constants of Klambauer et al. (as ONNX, Keras and PyTorch). */
export function selu(x: Tensor): Tensor {
  return activation('elu', x, 1.6732632423543772, 1.0507009873554805, 'selu');
}

/** GELU: exact ('none', with erf) or the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new ShapeError('gelu', "approximate 'none' or 'tanh'", `'${String(approximate)}'`);
  return activation(approximate === 'tanh' ? 'geluTanh' : 'geluErf', x);
}

/** An activation a convolution can apply in its store: a table entry or 'relu', with α, β. */
export interface FusedActivation {
  kind: ActivationKind | 'relu';
  /** Defaults: hardSigmoid 0.2, 0.5; hardSwish 1/6, 0.5; elu 1, 1; clip 0, 6 (ReLU6); leakyRelu 0.01; otherwise unused. */
  alpha?: number;
  beta?: number;
}

const defaultParams: Partial<Record<ActivationKind, [number, number]>> = {
  hardSigmoid: [0.2, 0.5],
  hardSwish: [1 / 6, 0.5],
  elu: [1, 1],
  clip: [0, 6],
  leakyRelu: [0.01, 0],
};

export function activationParams(spec: FusedActivation): [number, number] {
  const [a, b] = spec.kind === 'relu' ? [0, 0] : (defaultParams[spec.kind] ?? [0, 0]);
  return [spec.alpha ?? a, spec.beta ?? b];
}

/** Runs `spec` as its own recorded op: relu as relu, a clip at zero as 'relu6' (both overridable). */
export function applyActivation(spec: FusedActivation, x: Tensor): Tensor {
  if (spec.kind === 'relu') return relu(x);
  const [alpha, beta] = activationParams(spec);
  return spec.kind === 'clip' ? clip(x, alpha, beta) : activation(spec.kind, x, alpha, beta);
}
