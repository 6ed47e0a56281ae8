// Addition and multiplication, and multiplication by a number. Same shapes and a per-channel
// operand (shape [C], or [1, …, 1, C] such as a one-image squeeze-excitation gate [1, 1, 1, C],
// on either side) have their own vec4 kernels; every other NumPy broadcast goes to binary.ts.
import { recordOp, sameShape, type Tensor } from '../tensor/index.js';
import { binary } from './binary.js';
import { launchBinary, launchUnary } from './launch.js';
import * as k from './wgsl/elementwise.js';
import { sumAxes } from './reduce.js';

/** Whether b is one value per channel of a: [C] or [1, …, 1, C], of rank at most a's. */
function isChannelVector(a: Tensor, b: Tensor): boolean {
  if (a.rank < 1 || b.rank < 1 || b.rank > a.rank) return false;
  return b.shape[b.rank - 1] === a.shape[a.rank - 1] && b.shape.slice(0, -1).every((d) => d === 1);
}

function broadcastKind(a: Tensor, b: Tensor): 'same' | 'channel' | 'swapped' | 'general' {
  if (sameShape(a.shape, b.shape)) return 'same';
  if (isChannelVector(a, b)) return 'channel';
  if (isChannelVector(b, a)) return 'swapped';
  return 'general';
}

/** Sums a gradient over all but the last axis, shaped `shape` (default [C]): the gradient of a per-channel broadcast. */
export function sumToChannels(g: Tensor, shape: readonly number[] = [g.shape[g.rank - 1]]): Tensor {
  return sumAxes(
    g,
    g.shape.slice(0, -1).map((_, i) => i),
    1,
    shape,
  );
}

export function add(a: Tensor, b: Tensor): Tensor {
  const kind = broadcastKind(a, b);
  if (kind === 'general') return binary('add', a, b);
  if (kind === 'swapped') return add(b, a);
  const c = kind === 'same' ? 4 : a.shape[a.rank - 1];
  const y = launchBinary(kind === 'same' ? k.add : k.addChannel, a, b, c);
  recordOp({
    kind: 'add',
    inputs: [a, b],
    output: y,
    backward: (gy, { needs }) => [needs[0] ? gy : null, needs[1] ? (kind === 'same' ? gy : sumToChannels(gy, b.shape)) : null],
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
  if (kind === 'swapped') return mul(b, a);
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
        gb = kind === 'same' ? prod : sumToChannels(prod, b.shape);
        if (kind !== 'same') prod.dispose();
      }
      return [ga, gb];
    },
  });
  return y;
}
