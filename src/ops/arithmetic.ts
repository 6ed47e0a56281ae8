// Addition (same shape, or a per-channel vector broadcast along the last axis) and
// multiplication by a scalar, a same-shape tensor or a per-channel vector.
import { recordOp, ShapeError, fmt, sameShape, type Tensor } from '../tensor/index.js';
import { launchBinary, launchUnary } from './launch.js';
import * as k from './wgsl/elementwise.js';
import { sumAxes } from './reduce.js';

function broadcastKind(op: string, a: Tensor, b: Tensor): 'same' | 'channel' {
  if (sameShape(a.shape, b.shape)) return 'same';
  const c = a.shape[a.rank - 1];
  if (b.rank === 1 && b.shape[0] === c) return 'channel';
  throw new ShapeError(op, `b of shape ${fmt(a.shape)} or [${c}] (per channel)`, `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
}

/** Sums a gradient over all but the last axis: the gradient of a per-channel broadcast. */
export function sumToChannels(g: Tensor): Tensor {
  const c = g.shape[g.rank - 1];
  return sumAxes(g, g.shape.slice(0, -1).map((_, i) => i), 1, [c]);
}

export function add(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind('add', a, b);
  const c = kind === 'same' ? 4 : a.shape[a.rank - 1];
  const y = launchBinary(kind === 'same' ? k.add : k.addChannel, a, b, c);
  recordOp({
    kind: 'add',
    inputs: [a, b],
    output: y,
    backward: (gy, { needs }) => [needs[0] ? gy : null, needs[1] ? (kind === 'same' ? gy : sumToChannels(gy)) : null],
  });
  return y;
}

export function mulScalar(x: Tensor, s: number): Tensor {
  const y = launchUnary(k.scale, x, [s]);
  recordOp({ kind: 'mul', inputs: [x], output: y, backward: (gy) => [launchUnary(k.scale, gy, [s])] });
  return y;
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind('mul', a, b);
  const c = kind === 'same' ? 4 : a.shape[a.rank - 1];
  const kernel = kind === 'same' ? k.mul : k.mulChannel;
  const y = launchBinary(kernel, a, b, c);
  recordOp({
    kind: 'mul',
    inputs: [a, b],
    output: y,
    saved: [a, b],
    backward: (gy, { needs }) => {
      const ga = needs[0] ? launchBinary(kernel, gy, b, c) : null;
      let gb: Tensor | null = null;
      if (needs[1]) {
        const prod = launchBinary(k.mul, gy, a);
        gb = kind === 'same' ? prod : sumToChannels(prod);
        if (kind !== 'same') prod.dispose();
      }
      return [ga, gb];
    },
  });
  return y;
}
