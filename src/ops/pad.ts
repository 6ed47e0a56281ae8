// Constant padding of the spatial axes of an NHWC tensor, each side explicit. The backward crops
// the gradient back to the input window with the same kernel and the opposite offsets.
import { dispatch, empty, fmt, groupsFor, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { checkPadding, type Padding } from './padding.js';
import * as k from './wgsl/pad.js';

/** dst[n, y, x, c] = src[n, y + offY, x + offX, c], or value outside src. */
function copyWindow(src: Tensor, dst: Tensor, offY: number, offX: number, value: number): void {
  if (dst.size === 0) return;
  const [, outH, outW, c] = dst.shape;
  const [, inH, inW] = src.shape;
  const vec4 = c % 4 === 0;
  const pixels = dst.size / c;
  dispatch({
    wgsl: vec4 ? k.copyWindowVec4 : k.copyWindow,
    bindings: [src.buffer, dst.buffer],
    ints: [pixels, outH, outW, vec4 ? c / 4 : c, inH, inW, offY, offX],
    floats: [value],
    workgroups: groupsFor(pixels, k.PIXELS_PER_WORKGROUP),
    flops: dst.size,
  });
}

/** Pads H and W of an NHWC tensor by the given rows/columns per side with a constant (default 0). */
export function pad(x: Tensor, padding: Padding, value = 0): Tensor {
  if (x.rank !== 4) throw new ShapeError('pad', 'an NHWC tensor of rank 4', `shape ${fmt(x.shape)}`);
  checkPadding('pad', padding);
  if (!Number.isFinite(value)) throw new ShapeError('pad', 'a finite padding value', `${value}`);
  const { top, bottom, left, right } = padding;
  const [n, h, w, c] = x.shape;
  const y = empty([n, h + top + bottom, w + left + right, c]);
  copyWindow(x, y, -top, -left, value);
  recordOp({
    kind: 'pad',
    inputs: [x],
    output: y,
    backward: (gy) => {
      const gx = empty(x.shape);
      copyWindow(gy, gx, top, left, 0);
      return [gx];
    },
  });
  return y;
}
