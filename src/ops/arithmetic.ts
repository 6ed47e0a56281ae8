// Addition (same shape, or a per-channel vector broadcast along the last axis) and
// multiplication by a scalar, a same-shape tensor or a per-channel vector.
import { dispatch, empty, groupsFor, recordOp, ShapeError, fmt, sameShape, type Tensor } from '../tensor/index.js';
import { launchBinary } from './launch.js';
import * as k from './wgsl/elementwise.js';

function broadcastKind(op: string, a: Tensor, b: Tensor): 'same' | 'channel' {
  if (sameShape(a.shape, b.shape)) return 'same';
  const c = a.shape[a.rank - 1];
  if (b.rank === 1 && b.shape[0] === c) return 'channel';
  throw new ShapeError(op, `b of shape ${fmt(a.shape)} or [${c}] (per channel)`, `a ${fmt(a.shape)}, b ${fmt(b.shape)}`);
}

/** Sums a gradient over all but the last axis: the gradient of a per-channel broadcast. */
export function sumToChannels(g: Tensor): Tensor {
  const c = g.shape[g.rank - 1];
  const y = empty([c]);
  dispatch({ wgsl: k.sumOverRows, bindings: [g.buffer, y.buffer], ints: [g.size / c, c], workgroups: [Math.ceil(c / 64)], flops: g.size });
  return y;
}

export function add(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind('add', a, b);
  const c = a.shape[a.rank - 1] ?? 1;
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
  const y = empty(x.shape);
  const run = (t: Tensor, out: Tensor) =>
    dispatch({ wgsl: k.scale, bindings: [t.buffer, out.buffer], ints: [t.size, 1], floats: [s], workgroups: groupsFor(t.size, 256), flops: t.size });
  run(x, y);
  recordOp({
    kind: 'mul',
    inputs: [x],
    output: y,
    backward: (gy) => {
      const gx = empty(gy.shape);
      run(gy, gx);
      return [gx];
    },
  });
  return y;
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind('mul', a, b);
  const c = a.shape[a.rank - 1] ?? 1;
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
