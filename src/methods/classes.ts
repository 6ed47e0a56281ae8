// Which class to explain, and the scores reported with it. Probabilities are the softmax of the
// logits, computed in float64 on the CPU.
import { nearestNames } from '../models/targets.js';
import type { ClassScore } from './types.js';

export class UnknownClassError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownClassError';
  }
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function labelOf(labels: readonly string[], index: number): string {
  return labels[index] ?? `class ${index}`;
}

/**
 * A class index from an index, a label (exact, then case-insensitive) or a string of digits;
 * undefined means the top-1 class of `logits`. Out-of-range indices and unknown labels throw
 * UnknownClassError naming the range or the nearest labels.
 */
export function resolveClass(requested: number | string | undefined, labels: readonly string[], classes: number, logits?: ArrayLike<number>): number {
  if (requested === undefined) {
    if (!logits) throw new Error('resolveClass: the default class needs the logits');
    return argmax(logits);
  }
  if (typeof requested === 'number') {
    if (!Number.isInteger(requested) || requested < 0 || requested >= classes) {
      throw new UnknownClassError(`class index ${requested} is out of range: the model has classes 0..${classes - 1}`);
    }
    return requested;
  }
  const exact = labels.indexOf(requested);
  if (exact >= 0) return exact;
  const lower = requested.toLowerCase();
  const loose = labels.findIndex((l) => l.toLowerCase() === lower);
  if (loose >= 0) return loose;
  if (/^\d+$/.test(requested)) return resolveClass(Number(requested), labels, classes);
  const nearest = nearestNames(requested, labels, 5).map((l) => `'${l}' (${labels.indexOf(l)})`);
  throw new UnknownClassError(`no class labelled '${requested}'; nearest labels: ${nearest.join(', ')}`);
}

export function topClasses(probabilities: ArrayLike<number>, labels: readonly string[], k: number): ClassScore[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, Math.max(0, Math.min(k, order.length))).map((index) => ({ index, label: labelOf(labels, index), probability: probabilities[index] }));
}

export { labelOf };
