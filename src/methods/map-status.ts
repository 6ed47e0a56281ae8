// The final ReLU of a method and the verdict on its result: a map with nothing positive in it is
// reported as such, never handed on to be drawn as a blank picture.
import type { MapStatus } from './types.js';

export interface RectifiedMap {
  map: Float32Array;
  status: MapStatus;
  /** The values before the ReLU (the signed map). */
  signed: Float32Array;
}

/**
 * ReLU of the method's pre-activation values and the status judged on those values (see MapStatus).
 * Non-finite values are a bug upstream (a blown-up gradient) and throw.
 */
export function rectify(preRelu: ArrayLike<number>, what: string): RectifiedMap {
  const map = new Float32Array(preRelu.length);
  let anyNegative = false;
  let anyPositive = false;
  for (let i = 0; i < preRelu.length; i++) {
    const v = preRelu[i];
    if (!Number.isFinite(v)) throw new RangeError(`${what}: the map holds ${v} at position ${i}; it must be finite`);
    if (v > 0) {
      anyPositive = true;
      map[i] = v;
    } else if (v < 0) {
      anyNegative = true;
    }
  }
  return { map, status: statusOf(map, anyPositive, anyNegative), signed: Float32Array.from(preRelu) };
}

function statusOf(map: Float32Array, anyPositive: boolean, anyNegative: boolean): MapStatus {
  if (!anyPositive) return anyNegative ? 'all-negative' : 'all-zero';
  const first = map[0];
  return map.every((v) => v === first) ? 'constant' : 'ok';
}

export function statusMessage(status: MapStatus, what: string): string | undefined {
  switch (status) {
    case 'ok':
      return undefined;
    case 'all-zero':
      return (
        `${what} is zero everywhere: no evidence for the class reaches this point (its gradients or weighted ` +
        'activations are exactly zero), so there is nothing to draw.'
      );
    case 'all-negative':
      return `${what} is negative everywhere before its ReLU, so nothing is left after it: here the network sees only evidence against the class.`;
    case 'constant':
      return `${what} has the same value everywhere, so it does not say where to look.`;
  }
}
