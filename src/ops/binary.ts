// Elementwise binary ops with NumPy broadcasting, as one table: each entry is its forward WGSL
// expression of a (v0) and b (v1) (of type T: f32, or vec4<f32> where strided.ts runs 4 lanes), and the gradient with respect to each operand as an
// expression of a, b and the upstream gradient g (v2), all read through broadcast views of the
// output's shape. A gradient is then summed over the axes its operand was broadcast along
// (e.g. over H and W for the [N, 1, 1, C] gate of squeeze-excitation).
// add and mul in arithmetic.ts keep their faster same-shape and per-channel kernels and come here
// for every other broadcast.
import { recordOp, sameShape, type Shape, type Tensor } from '../tensor/index.js';
import { sumAxes } from './reduce.js';
import { broadcastAxes, broadcastShapes, broadcastStrides, stridedMap, type View } from './strided.js';

interface BinaryEntry {
  forward: string;
  gradA: string;
  gradB: string;
}

/**
 * Signed power: |a|^b with a's sign for odd integer b, NaN for a < 0 and fractional b (as
 * NumPy and ONNX), and a⁰ = 1; WGSL's pow is undefined for a < 0 (decomposed LayerNorm squares
 * centred, negative values). Written with select so it holds for T = f32 and vec4<f32>; the NaN
 * goes through a var because WGSL rejects a NaN constant expression.
 */
const helpers = /* wgsl */ `
fn spow(a: T, b: T) -> T {
  var nanBits = 0x7fc00000u;
  let m = pow(abs(a), b);
  let negative = a < T(0.0);
  var r = select(m, -m, negative & (abs(b % T(2.0)) == T(1.0)));
  r = select(r, T(bitcast<f32>(nanBits)), negative & (b != floor(b)));
  return select(r, T(1.0), b == T(0.0));
}`;

export const binaryTable = {
  add: { forward: 'v0 + v1', gradA: 'v2', gradB: 'v2' },
  sub: { forward: 'v0 - v1', gradA: 'v2', gradB: '-v2' },
  mul: { forward: 'v0 * v1', gradA: 'v2 * v1', gradB: 'v2 * v0' },
  div: { forward: 'v0 / v1', gradA: 'v2 / v1', gradB: '-v2 * v0 / (v1 * v1)' },
  /** The gradient for b uses log a where a > 0 and 0 elsewhere, as tfjs. */
  pow: { forward: 'spow(v0, v1)', gradA: 'v2 * v1 * spow(v0, v1 - 1.0)', gradB: 'select(T(0.0), v2 * spow(v0, v1) * log(v0), v0 > T(0.0))' },
  /** Ties send the gradient to a (as tfjs and PyTorch's maximum). */
  max: { forward: 'max(v0, v1)', gradA: 'select(T(0.0), v2, v0 >= v1)', gradB: 'select(T(0.0), v2, v0 < v1)' },
  min: { forward: 'min(v0, v1)', gradA: 'select(T(0.0), v2, v0 <= v1)', gradB: 'select(T(0.0), v2, v0 > v1)' },
  /** PReLU: a the input, b the slope (per channel, or anything that broadcasts to a). */
  prelu: { forward: 'select(v0 * v1, v0, v0 > T(0.0))', gradA: 'select(v2 * v1, v2, v0 > T(0.0))', gradB: 'select(v2 * v0, T(0.0), v0 > T(0.0))' },
} satisfies Record<string, BinaryEntry>;

export type BinaryKind = keyof typeof binaryTable;

const view = (t: Tensor, outShape: Shape): View => ({ tensor: t, strides: broadcastStrides(t.shape, outShape) });

/** Which of a (v0), b (v1), g (v2) an expression reads. */
const reads = (expr: string) => [0, 1, 2].filter((j) => new RegExp(`\\bv${j}\\b`).test(expr));

/**
 * The gradient `expr` over the output's shape, summed back to x's shape. Only the operands the
 * expression reads are bound (renumbered v0, v1, … in that order).
 */
function operandGradient(x: Tensor, outShape: Shape, operands: readonly Tensor[], expr: string): Tensor {
  const used = reads(expr);
  const views = used.map((j) => view(operands[j], outShape));
  const renamed = expr.replace(/\bv([0-2])\b/g, (_, j: string) => `v${used.indexOf(Number(j))}`);
  const axes = broadcastAxes(x.shape, outShape);
  if (axes.length === 0) return stridedMap('binary gradient', views, x.shape, renamed, helpers, outShape);
  const full = stridedMap('binary gradient', views, outShape, renamed, helpers);
  const g = sumAxes(full, axes, 1, x.shape);
  full.dispose();
  return g;
}

/** y = a ∘ b with NumPy broadcasting; records `kind` for autodiff. */
export function binary(kind: BinaryKind, a: Tensor, b: Tensor): Tensor {
  const e: BinaryEntry = binaryTable[kind];
  const outShape = broadcastShapes(kind, a.shape, b.shape);
  const y = stridedMap(kind, [view(a, outShape), view(b, outShape)], outShape, e.forward, helpers);
  const passThrough = (x: Tensor, expr: string) => expr === 'v2' && sameShape(x.shape, outShape);
  // The tape keeps only the operands a gradient reads (add and sub keep none).
  const needed = new Set([...reads(e.gradA), ...reads(e.gradB)]);
  recordOp({
    kind,
    inputs: [a, b],
    output: y,
    saved: [a, b].filter((_, j) => needed.has(j)),
    backward: (gy, { needs }) => {
      const operands = [a, b, gy];
      return [
        needs[0] ? (passThrough(a, e.gradA) ? gy : operandGradient(a, outShape, operands, e.gradA)) : null,
        needs[1] ? (passThrough(b, e.gradB) ? gy : operandGradient(b, outShape, operands, e.gradB)) : null,
      ];
    },
  });
  return y;
}

export const sub = (a: Tensor, b: Tensor) => binary('sub', a, b);
export const div = (a: Tensor, b: Tensor) => binary('div', a, b);
export const pow = (a: Tensor, b: Tensor) => binary('pow', a, b);
export const maximum = (a: Tensor, b: Tensor) => binary('max', a, b);
export const minimum = (a: Tensor, b: Tensor) => binary('min', a, b);
/** x for x > 0, slope·x otherwise; slope broadcasts to x (e.g. [C] per channel) and gets a gradient. */
export const prelu = (x: Tensor, slope: Tensor) => binary('prelu', x, slope);
