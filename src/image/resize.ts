// Picture → model input size. The filter is stated exactly because a model's answer (and so its
// explanation) shifts with it.
import { areaWeights, bilinearWeights, resample2d, type AxisWeights } from './resample-axis.js';
import { assertRgbImage, assertSize, type RgbImage } from './rgb-image.js';

/**
 * Resizes each axis on its own (separable), in float64, rounding once to 8 bits at the end
 * (Math.round, i.e. halves up):
 * - where the axis grows or shrinks by at most 2× (in ≤ 2·out): bilinear with half-pixel centres
 *   (align_corners = false), source coordinate s = (i + 0.5)·in/out − 0.5 clamped to [0, in − 1];
 * - where it shrinks by more than 2× (in > 2·out): area averaging, output i = mean of the source over
 *   [i·in/out, (i + 1)·in/out) with fractional edge pixels weighted by their overlap. This is the
 *   "area-average to 2·out, then bilinear" antialias done in one step: bilinear from 2·out to out puts
 *   each output exactly between two samples (weights ½, ½), and the mean of two equal-length area
 *   averages is the area average over their union. At exactly 2× the two rules coincide, so the
 *   filter does not jump where it switches.
 * Aspect ratio is not preserved: the picture is stretched to width × height, as Keras' loaders do.
 */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  assertRgbImage('resizeRgb', img);
  assertSize('resizeRgb', width, height);
  if (width === img.width && height === img.height) {
    return { width, height, data: img.data.slice() };
  }
  const xw = axisWeights(img.width, width);
  const yw = axisWeights(img.height, height);
  const values = resample2d(img.data, img.width, img.height, 3, xw, yw);
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(values[i])));
  return { width, height, data };
}

function axisWeights(inSize: number, outSize: number): AxisWeights {
  return inSize > 2 * outSize ? areaWeights(inSize, outSize) : bilinearWeights(inSize, outSize);
}
