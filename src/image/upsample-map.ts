// Low-resolution explanation map → picture size.
import { ShapeError } from '../tensor/shape.js';
import { bilinearWeights, resample2d } from './resample-axis.js';
import { assertSize } from './rgb-image.js';

/**
 * Bilinear resampling with half-pixel centres (align_corners = false, the Grad-CAM convention in
 * DESIGN.md): output (x, y) samples the map at ((x + 0.5)·w/width − 0.5, (y + 0.5)·h/height − 0.5),
 * clamped to the map's extent, so border cells extend flat to the picture's edges. Computed in float64,
 * returned as float32. Meant for enlarging; a smaller target is still plain bilinear (no antialias).
 */
export function upsampleMap(map: Float32Array, h: number, w: number, width: number, height: number): Float32Array {
  assertSize('upsampleMap', w, h);
  assertSize('upsampleMap', width, height);
  if (map.length !== h * w) throw new ShapeError('upsampleMap', `a map of ${h}x${w} = ${h * w} values`, `${map.length} values`);
  return Float32Array.from(resample2d(map, w, h, 1, bilinearWeights(w, width), bilinearWeights(h, height)));
}
