// Output comparison: |ours − expected| ≤ atol + rtol·|expected| elementwise, shapes equal; NaN
// matches NaN only (sqrt or a fractional power of a negative value, as ONNX's reference computes).

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-5 };

/** undefined when the outputs agree, else one line saying where and by how much they differ. */
export function compareOutputs(
  ours: Float32Array,
  ourDims: readonly number[],
  expected: Float32Array,
  expectedDims: readonly number[],
  tol: Tolerance,
): string | undefined {
  const same = ourDims.length === expectedDims.length && ourDims.every((d, i) => d === expectedDims[i]);
  if (!same) return `output shape [${ourDims.join(', ')}], expected [${expectedDims.join(', ')}]`;
  if (ours.length !== expected.length) return `${ours.length} output values, expected ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(ours[i]) && Number.isNaN(expected[i])) continue;
    const err = Math.abs(ours[i] - expected[i]);
    const allowed = tol.atol + tol.rtol * Math.abs(expected[i]);
    if (err <= allowed) continue;
    bad++;
    const excess = Number.isNaN(err) ? Infinity : err - allowed;
    if (worst < 0 || excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return undefined;
  return (
    `${bad} of ${expected.length} values differ; worst at element ${worst}: ${ours[worst]} vs expected ` +
    `${expected[worst]} (rtol ${tol.rtol}, atol ${tol.atol})`
  );
}
