// The class probability of many perturbed versions of one input, batchSize images per forward
// (tens per dispatch, not one at a time): the perturbation metrics' only use of the GPU.
import { tensor, tidy } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { softmax } from '../methods/classes.js';

export const PERTURBATION_DEFAULT_BATCH = 16;

/** A stack of model inputs, NHWC, count × height × width × channels values. */
export interface InputStack {
  data: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface BatchedScores {
  /** Softmax probability of the class for each input, in order. */
  probabilities: Float64Array;
  forwards: number;
}

export async function classProbabilities(model: Model, stack: InputStack, classIndex: number, batchSize = PERTURBATION_DEFAULT_BATCH): Promise<BatchedScores> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, given ${batchSize}`);
  const { count, height, width, channels } = stack;
  const size = height * width * channels;
  const probabilities = new Float64Array(count);
  let forwards = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const logits = tidy(() => model.run(tensor(stack.data.subarray(start * size, (start + n) * size), [n, height, width, channels])).logits);
    let rows: Float32Array;
    try {
      rows = await logits.read();
    } finally {
      logits.dispose();
    }
    forwards++;
    const classes = logits.shape[1];
    for (let b = 0; b < n; b++) probabilities[start + b] = softmax(rows.subarray(b * classes, (b + 1) * classes))[classIndex];
  }
  return { probabilities, forwards };
}
