// Softmax and log-softmax along the last axis, a workgroup or a thread per row (see rowMode).
// Both backwards read the saved output only: softmax' = y·(gy − Σ gy·y), log-softmax' = gy − exp(y)·Σ gy.
import { dispatch, empty, groupsFor, recordOp, ShapeError, fmt, type Tensor } from '../tensor/index.js';
import * as k from './wgsl/softmax.js';

/**
 * Measured on lavapipe (2 cores): a workgroup per 1000-class row takes 0.056 ms for one row and
 * 0.21 ms for 8, a thread per row 0.065 and 0.08 ms; barriers cost llvmpipe ~20 µs per
 * workgroup. So the workgroup variant only serves one or two long rows (the usual logits of an
 * explanation), where it spreads the row over 128 invocations as a real GPU wants.
 */
export function rowMode(rows: number, classes: number): k.RowMode {
  return rows <= 2 && classes >= 256 ? 'workgroup' : 'thread';
}

function rowsOf(op: string, x: Tensor): { rows: number; classes: number } {
  if (x.rank < 1) throw new ShapeError(op, 'a tensor of rank >= 1 (softmax runs along the last axis)', `shape ${fmt(x.shape)}`);
  const classes = x.shape[x.rank - 1];
  return { rows: classes === 0 ? 0 : x.size / classes, classes };
}

function rowwise(op: 'softmax' | 'logsoftmax', forwardWgsl: Record<k.RowMode, string>, backwardWgsl: Record<k.RowMode, string>, x: Tensor): Tensor {
  const { rows, classes } = rowsOf(op, x);
  const y = empty(x.shape);
  const flops = 4 * x.size;
  const mode = rowMode(rows, classes);
  const workgroups = groupsFor(rows, k.rowsPerWorkgroup(mode));
  if (rows > 0) dispatch({ wgsl: forwardWgsl[mode], bindings: [x.buffer, y.buffer], ints: [rows, classes], workgroups, flops });
  recordOp({
    kind: op,
    inputs: [x],
    output: y,
    saved: [y],
    backward: (gy) => {
      const gx = empty(x.shape);
      if (rows > 0) dispatch({ wgsl: backwardWgsl[mode], bindings: [y.buffer, gy.buffer, gx.buffer], ints: [rows, classes], workgroups, flops });
      return [gx];
    },
  });
  return y;
}

/** exp(x − max) / Σ exp(x − max) along the last axis. */
export function softmax(x: Tensor): Tensor {
  return rowwise('softmax', k.softmaxForward, k.softmaxBackward, x);
}

/** x − max − log Σ exp(x − max) along the last axis. */
export function logSoftmax(x: Tensor): Tensor {
  return rowwise('logsoftmax', k.logSoftmaxForward, k.logSoftmaxBackward, x);
}
