// Normalised map → coloured picture, and its blend over the photo.
import { ShapeError } from '../tensor/shape.js';
import { lookupTable, indexOf, type ColormapName } from './colormap.js';
import { assertRgbImage, assertSize, type RgbImage } from './rgb-image.js';

/** Colours a [0, 1] map of width × height values (row-major) with colormap(cmap); values outside are clamped. */
export function heatmapImage(map01: Float32Array, width: number, height: number, cmap: ColormapName): RgbImage {
  assertSize('heatmapImage', width, height);
  if (map01.length !== width * height) {
    throw new ShapeError('heatmapImage', `a map of ${width}x${height} = ${width * height} values`, `${map01.length} values`);
  }
  const lut = lookupTable(cmap);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < map01.length; p++) {
    const i = indexOf(map01[p]) * 3;
    data[p * 3] = lut[i];
    data[p * 3 + 1] = lut[i + 1];
    data[p * 3 + 2] = lut[i + 2];
  }
  return { width, height, data };
}

/** out = round((1 − alpha)·base + alpha·heat) per channel (halves up); both images the same size, alpha in [0, 1]. */
export function overlay(base: RgbImage, heat: RgbImage, alpha: number): RgbImage {
  assertRgbImage('overlay', base);
  assertRgbImage('overlay', heat);
  if (base.width !== heat.width || base.height !== heat.height) {
    throw new ShapeError('overlay', `a heat map of the base's size ${base.width}x${base.height}`, `${heat.width}x${heat.height}`);
  }
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`overlay: alpha must be in [0, 1], given ${alpha}`);
  const data = new Uint8Array(base.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round((1 - alpha) * base.data[i] + alpha * heat.data[i]);
  }
  return { width: base.width, height: base.height, data };
}
