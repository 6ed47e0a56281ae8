// Explicit per-side padding shared by convolution and pooling, and the output-size rules that
// go with it. TF 'same' puts the odd pixel at the bottom/right; ONNX SAME_LOWER at the top/left.
import { ShapeError } from '../tensor/index.js';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export const NO_PADDING: Padding = Object.freeze({ top: 0, bottom: 0, left: 0, right: 0 });

/** TensorFlow/Keras 'same' (== ONNX SAME_UPPER): total padding split with the extra pixel after. */
export function samePadding(
  inH: number,
  inW: number,
  kernelH: number,
  kernelW: number,
  strideH: number,
  strideW: number,
  dilationH = 1,
  dilationW = 1,
  extraAtStart = false,
): Padding {
  const total = (inSize: number, k: number, s: number, d: number) => {
    const effective = (k - 1) * d + 1;
    const out = Math.ceil(inSize / s);
    return Math.max(0, (out - 1) * s + effective - inSize);
  };
  const th = total(inH, kernelH, strideH, dilationH);
  const tw = total(inW, kernelW, strideW, dilationW);
  const small = (t: number) => Math.floor(t / 2);
  const big = (t: number) => t - Math.floor(t / 2);
  return extraAtStart
    ? { top: big(th), bottom: small(th), left: big(tw), right: small(tw) }
    : { top: small(th), bottom: big(th), left: small(tw), right: big(tw) };
}

/** Output length of a sliding window; ceil mode (pooling) lets the last window start inside the padded input. */
export function windowOutputSize(
  op: string,
  inSize: number,
  padBefore: number,
  padAfter: number,
  kernel: number,
  stride: number,
  dilation = 1,
  ceilMode = false,
): number {
  const effective = (kernel - 1) * dilation + 1;
  const span = inSize + padBefore + padAfter - effective;
  if (span < 0) throw new ShapeError(op, `input of at least ${effective - padBefore - padAfter} pixels along this axis`, `${inSize}`);
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // A window must start inside the input or its leading padding (PyTorch/ONNX rule for ceil mode).
  if (ceilMode && (out - 1) * stride >= inSize + padBefore) out--;
  return out;
}

export function checkPadding(op: string, p: Padding): void {
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    if (!Number.isInteger(p[side]) || p[side] < 0) throw new ShapeError(op, `padding.${side} a non-negative integer`, `${p[side]}`);
  }
}
