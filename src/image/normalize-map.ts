// Min-max normalisation of an explanation map, with the degenerate case made visible rather than
// turned into NaN: a class with no positive evidence gives an all-zero Grad-CAM map.
import { ShapeError } from '../tensor/shape.js';

export interface NormalizedMap {
  /** (v − min) / (max − min) in [0, 1]; all zeros when the map is constant. */
  map: Float32Array;
  min: number;
  max: number;
  /** True when every value is equal (e.g. all zero): the map says nothing about where to look. */
  constant: boolean;
}

export function normalizeMap(map: Float32Array): NormalizedMap {
  if (map.length === 0) throw new ShapeError('normalizeMap', 'a non-empty map', 'an empty map');
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    // A NaN or infinity here is a bug upstream (a blown-up gradient); hiding it would draw a wrong picture.
    if (!Number.isFinite(v)) throw new RangeError(`normalizeMap: the map holds ${v} at index ${i}; it must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(map.length);
  const constant = max === min;
  if (!constant) {
    const range = max - min;
    for (let i = 0; i < map.length; i++) out[i] = (map[i] - min) / range;
  }
  return { map: out, min, max, constant };
}
