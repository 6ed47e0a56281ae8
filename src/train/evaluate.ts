// Held-out evaluation of a classifier on generated scenes, in inference mode.
import { sceneBatch } from '../data/batch.js';
import { argmaxRows } from './trainer.js';

export interface Evaluation {
  accuracy: number;
  count: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Accuracy per true class. */
  perClass: number[];
}

/**
 * Accuracy on scenes first … first+count−1 of `seed`; `predict` returns logits [batch, classes]
 * for NHWC inputs. `onBatch` reports progress (scenes done).
 */
export async function evaluateScenes(
  predict: (inputs: Float32Array, batch: number) => Promise<Float32Array>,
  seed: number,
  count: number,
  classes: number,
  batchSize = 50,
  onBatch?: (done: number) => void,
): Promise<Evaluation> {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let first = 0; first < count; first += batchSize) {
    const n = Math.min(batchSize, count - first);
    const b = sceneBatch(seed, first, n);
    const predicted = argmaxRows(await predict(b.inputs, n), classes);
    predicted.forEach((p, i) => {
      confusion[b.labels[i]][p]++;
      if (p === b.labels[i]) correct++;
    });
    onBatch?.(first + n);
  }
  const perClass = confusion.map(
    (row, c) =>
      row[c] /
      Math.max(
        1,
        row.reduce((a, v) => a + v, 0),
      ),
  );
  return { accuracy: correct / count, count, confusion, perClass };
}
