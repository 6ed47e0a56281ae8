// Localisation scores against an object mask: the pointing game's hit (pointing-game.ts), the
// energy-based pointing game (Wang et al. 2020, Score-CAM: the share of the min-max-normalised map's
// energy on the object) and relevance mass accuracy (Arras et al. 2022: the share of the map's
// relevance, as drawn and so non-negative, on the object). All at the input size, maps upsampled as drawn.
import { normalizeMap } from '../image/index.js';
import { isOnObject, peakOf, type ObjectMask } from './pointing-game.js';

function shareOnObject(values: ArrayLike<number>, mask: ObjectMask): number {
  let inside = 0,
    total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i];
    if (mask.data[i] !== 0) inside += values[i];
  }
  return total > 0 ? inside / total : 0;
}

export interface LocalisationScores {
  /** The first maximum lies on the object (a constant map points nowhere: false). */
  pointing: boolean;
  energy: number;
  mass: number;
}

/** `drawn`: the map at the mask's size, as drawn (non-negative). */
export function localisation(drawn: Float32Array, mask: ObjectMask): LocalisationScores {
  const unit = normalizeMap(drawn);
  return {
    pointing: !unit.constant && isOnObject(peakOf(drawn, mask.width, mask.height), mask),
    energy: shareOnObject(unit.map, mask),
    mass: shareOnObject(
      drawn.map((v) => Math.max(v, 0)),
      mask,
    ),
  };
}
