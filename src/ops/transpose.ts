// Transpose (permute axes) of any rank up to 8, e.g. ShuffleNet's channel shuffle on a 5-D
// reshape or NCHW ↔ NHWC: a strided copy whose backward is the inverse permutation.
import { fmt, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { contiguousStrides, stridedMap } from './strided.js';

function checkPerm(x: Tensor, perm: readonly number[]): void {
  const ok = perm.length === x.rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
  if (!ok) throw new ShapeError('transpose', `a permutation of 0..${x.rank - 1} for shape ${fmt(x.shape)}`, `perm [${perm.join(', ')}]`);
}

function permute(x: Tensor, perm: readonly number[]): Tensor {
  const strides = contiguousStrides(x.shape);
  return stridedMap(
    'transpose',
    [{ tensor: x, strides: perm.map((p) => strides[p]) }],
    perm.map((p) => x.shape[p]),
    'v0',
  );
}

/** y.shape[i] = x.shape[perm[i]]; perm defaults to reversing the axes (as NumPy and ONNX). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  checkPerm(x, p);
  const y = permute(x, p);
  const inverse = new Array<number>(p.length);
  p.forEach((axis, i) => {
    inverse[axis] = i;
  });
  recordOp({ kind: 'transpose', inputs: [x], output: y, backward: (gy) => [permute(gy, inverse)] });
  return y;
}
