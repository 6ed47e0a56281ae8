// How alike two explanations of one image are, as Adebayo et al. 2018 measure it: Spearman rank
// correlation of the maps as drawn and of the signed maps, SSIM and HOG similarity of the drawn
// maps. Every map is first brought to the model's input resolution exactly as explain draws it
// (bilinear, half-pixel centres); SSIM and HOG see the maps min-max normalised to [0, 1].
import { normalizeMap, upsampleMap } from '../image/index.js';
import type { Map2d } from '../methods/types.js';
import { hogSimilarity } from './hog.js';
import { spearman } from './rank-correlation.js';
import { ssim } from './ssim.js';

/** One map prepared for comparison, at the input resolution. */
export interface ComparableMap {
  width: number;
  height: number;
  /** The map as drawn (after the method's ReLU or absolute value). */
  drawn: Float32Array;
  /** The same normalised to [0, 1] (all zeros when constant). */
  unit: Float32Array;
  /** Before the ReLU / absolute value, where the method has such a map. */
  signed?: Float32Array;
}

export interface MapSimilarity {
  /** Spearman rank correlation of the drawn maps (NaN when one is constant). */
  rank: number;
  /** Spearman rank correlation of the signed maps; null when the method has none. */
  signedRank: number | null;
  /** SSIM of the normalised maps (7×7 window, data range 1). */
  ssim: number;
  /** Pearson correlation of the normalised maps' HOG features. */
  hog: number;
}

function atSize(map: Map2d, width: number, height: number): Float32Array {
  return map.width === width && map.height === height ? map.data : upsampleMap(map.data, map.height, map.width, width, height);
}

export function comparable(map: Map2d, signed: Map2d | undefined, width: number, height: number): ComparableMap {
  const drawn = atSize(map, width, height);
  return { width, height, drawn, unit: normalizeMap(drawn).map, ...(signed ? { signed: atSize(signed, width, height) } : {}) };
}

export function mapSimilarity(a: ComparableMap, b: ComparableMap): MapSimilarity {
  const { width, height } = a;
  return {
    rank: spearman(a.drawn, b.drawn),
    signedRank: a.signed && b.signed ? spearman(a.signed, b.signed) : null,
    ssim: ssim(a.unit, b.unit, width, height),
    hog: hogSimilarity(a.unit, b.unit, width, height),
  };
}
