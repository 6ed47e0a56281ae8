// Softmax cross-entropy, mean over the batch, fused: the per-row loss comes from one row kernel
// and the batch mean from the reduction, and the backward needs no saved softmax.
import { dispatch, empty, fmt, groupsFor, recordOp, sameShape, ShapeError, type Tensor } from '../tensor/index.js';
import { sumAxes } from './reduce.js';
import { rowMode } from './softmax.js';
import { rowsPerWorkgroup } from './wgsl/softmax.js';
import * as k from './wgsl/loss.js';

/**
 * Mean over the batch of −Σ labels·logSoftmax(logits); labels one-hot or soft, shape [N, K] like
 * the logits. Result shape []. Backward w.r.t. logits = (softmax − labels)/N; labels get none.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const op = 'softmaxCrossEntropy';
  if (logits.rank !== 2) throw new ShapeError(op, 'logits of shape [N, K]', `logits of shape ${fmt(logits.shape)}`);
  if (!sameShape(logits.shape, labels.shape)) {
    throw new ShapeError(op, `labels of the logits' shape ${fmt(logits.shape)}`, `labels of shape ${fmt(labels.shape)}`);
  }
  const [rows, classes] = logits.shape;
  if (rows === 0 || classes === 0) throw new ShapeError(op, 'at least one example and one class', `logits of shape ${fmt(logits.shape)}`);
  const mode = rowMode(rows, classes);
  const workgroups = groupsFor(rows, rowsPerWorkgroup(mode));
  const rowLoss = empty([rows]);
  dispatch({
    wgsl: k.crossEntropyRows[mode],
    bindings: [logits.buffer, labels.buffer, rowLoss.buffer],
    ints: [rows, classes],
    floats: [1],
    workgroups,
    flops: 6 * logits.size,
  });
  const loss = sumAxes(rowLoss, [0], 1 / rows, []);
  rowLoss.dispose();
  recordOp({
    kind: 'softmaxcrossentropy',
    inputs: [logits, labels],
    output: loss,
    saved: [logits, labels],
    backward: (gy, { needs }) => {
      if (!needs[0]) return [null, null];
      const gx = empty(logits.shape);
      dispatch({
        wgsl: k.crossEntropyBackward[mode],
        bindings: [logits.buffer, labels.buffer, gy.buffer, gx.buffer],
        ints: [rows, classes],
        floats: [1 / rows],
        workgroups,
        flops: 5 * logits.size,
      });
      return [gx, null];
    },
  });
  return loss;
}
