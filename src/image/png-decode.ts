// PNG → RGB via pngjs, at the file's own bit depth (skipRescale) so that 16-bit colour and alpha are
// composited on white before the single rounding to 8 bits.
import { PNG } from 'pngjs';
import { ImageError, describeError } from './image-error.js';
import { checkPng } from './png-chunks.js';
import type { RgbImage } from './rgb-image.js';

export function decodePng(file: string, bytes: Uint8Array): RgbImage {
  checkPng(file, bytes);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (err) {
    throw new ImageError(file, `corrupt PNG data (${describeError(err)})`);
  }
  // skipRescale leaves samples in [0, 2^depth − 1]; palette entries are always 8-bit.
  const sampleMax = png.palette ? 255 : 2 ** png.depth - 1;
  return compositeOnWhite(png.width, png.height, png.data, sampleMax);
}

/** Straight (non-premultiplied) alpha over white: v = c·a + (1 − a), in [0, 1], rounded once to 8 bits. */
function compositeOnWhite(width: number, height: number, rgba: ArrayLike<number>, sampleMax: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  const scale = 255 / (sampleMax * sampleMax);
  for (let p = 0; p < n; p++) {
    const a = rgba[p * 4 + 3];
    const white = sampleMax * (sampleMax - a);
    for (let c = 0; c < 3; c++) {
      data[p * 3 + c] = Math.round((rgba[p * 4 + c] * a + white) * scale);
    }
  }
  return { width, height, data };
}
