// Float64 references for softmax, log-softmax and softmax cross-entropy along the last axis.

export function logSoftmaxRef(x: ArrayLike<number>, classes: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / classes; r++) {
    let m = -Infinity;
    for (let j = 0; j < classes; j++) m = Math.max(m, x[r * classes + j]);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(x[r * classes + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < classes; j++) out[r * classes + j] = x[r * classes + j] - lse;
  }
  return out;
}

export function softmaxRef(x: ArrayLike<number>, classes: number): Float64Array {
  return logSoftmaxRef(x, classes).map(Math.exp);
}

/** Mean over rows of −Σ labels·logSoftmax(logits). */
export function softmaxCrossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const ls = logSoftmaxRef(logits, classes);
  const rows = logits.length / classes;
  let total = 0;
  for (let i = 0; i < ls.length; i++) total -= labels[i] * ls[i];
  return total / rows;
}
