// Picture → the pixels a model's own preprocessing starts from.
import { resizeRgb } from './resize.js';
import type { RgbImage } from './rgb-image.js';

/**
 * Resizes (stretching, with resizeRgb's filter) to the model's input width × height and returns RGB
 * uint8 in HWC order — data[(y·width + x)·3 + c] — for the model's preprocessing (scaling, mean/std,
 * channel order) to turn into its input tensor. Always a new array, never the caller's.
 */
export function modelInputPixels(img: RgbImage, width: number, height: number): RgbImage {
  return resizeRgb(img, width, height);
}
