// Addition and multiplication, and multiplication by a number. Same shapes and a per-channel
// vector b (broadcast along the last axis) have their own vec4 kernels; every other NumPy
// broadcast goes to binary.ts.
import { recordOp, sameShape, type Tensor } from '../tensor/index.js';
import { binary } from './binary.js';
import { launchBinary, launchUnary } from './launch.js';
import * as k from './wgsl/elementwise.js';
import { sumAxes } from './reduce.js';

function broadcastKind(a: Tensor, b: Tensor): 'same' | 'channel' | 'general' {
  if (sameShape(a.shape, b.shape)) return 'same';
  if (a.rank >= 1 && b.rank === 1 && b.shape[0] === a.shape[a.rank - 1]) return 'channel';
  return 'general';
}

/** Sums a gradient over all but the last axis: the gradient of a per-channel broadcast. */
export function sumToChannels(g: Tensor): Tensor {
  const c = g.shape[g.rank - 1];
  return sumAxes(g, g.shape.slice(0, -1).map((_, i) => i), 1, [c]);
}

export function add(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind(a, b);
  if (kind === 'general') return binary('add', a, b);
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
  const kind = broadcastKind(a, b);
  if (kind === 'general') return binary('mul', a, b);
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
