// The one in-memory picture type of src/image: 8-bit RGB, row-major, no alpha (alpha is composited
// away on decode), so every consumer can index data[(y * width + x) * 3 + c] without asking.
import { ShapeError } from '../tensor/shape.js';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes per pixel. */
  data: Uint8Array;
}

export function assertRgbImage(op: string, img: RgbImage): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ShapeError(op, 'an image of positive integer width and height', `${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new ShapeError(op, `${width * height * 3} bytes of RGB for ${width}x${height}`, `${data.length} bytes`);
  }
}

export function assertSize(op: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ShapeError(op, 'a positive integer width and height', `${width}x${height}`);
  }
}

/** The picture as opaque RGBA (alpha 255), the layout canvases take (putImageData, a canvas backend's putRgba). */
export function opaqueRgba(img: RgbImage): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    rgba[p * 4] = img.data[p * 3];
    rgba[p * 4 + 1] = img.data[p * 3 + 1];
    rgba[p * 4 + 2] = img.data[p * 3 + 2];
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
