// One grid cell's picture: a low-resolution map over the photo at the cell's size, drawn with the
// explanation conventions (bilinear upsampling with half-pixel centres, then normalisation, colormap,
// alpha blend). Normalisation is per map (min-max after upsampling, as every single explanation)
// or over a range shared by every cell, so that magnitudes can be compared across the grid.
import { heatmapImage, normalizeMap, overlay, resizeRgb, upsampleMap, type ColormapName, type RgbImage } from '../image/index.js';

/** A 2-D map, row-major (the explanation library's Map2d). */
export interface PlainMap {
  height: number;
  width: number;
  data: Float32Array;
}

export interface ValueRange {
  min: number;
  max: number;
}

export interface CellStyle {
  colormap: ColormapName;
  /** Heat-map weight in the overlay, in [0, 1]. */
  alpha: number;
  /** Shared range: v ↦ (v − min)/(max − min), clamped to [0, 1]; absent: the map's own min-max. */
  range?: ValueRange;
}

/** Cell size for a photo: `width` pixels wide, the photo's aspect ratio (height capped at 2× width). */
export function cellSize(original: { width: number; height: number }, width: number): { width: number; height: number } {
  const height = Math.max(1, Math.min(2 * width, Math.round((width * original.height) / original.width)));
  return { width, height };
}

/** The range of several maps together. */
export function sharedRange(maps: readonly PlainMap[]): ValueRange {
  let min = Infinity,
    max = -Infinity;
  for (const m of maps) {
    for (const v of m.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return { min, max };
}

function normaliseInRange(values: Float32Array, range: ValueRange): Float32Array {
  const out = new Float32Array(values.length);
  const span = range.max - range.min;
  if (!(span > 0)) return out;
  for (let i = 0; i < values.length; i++) out[i] = Math.min(1, Math.max(0, (values[i] - range.min) / span));
  return out;
}

/** The map over the photo, both at width × height. */
export function mapOverlay(original: RgbImage, map: PlainMap, size: { width: number; height: number }, style: CellStyle): RgbImage {
  const base = resizeRgb(original, size.width, size.height);
  const up = upsampleMap(map.data, map.height, map.width, size.width, size.height);
  const values = style.range ? normaliseInRange(up, style.range) : normalizeMap(up).map;
  return overlay(base, heatmapImage(values, size.width, size.height, style.colormap), style.alpha);
}
