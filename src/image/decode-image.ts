// Image bytes → upright RGB pixels, chosen by content: JPEG with jpeg-js and its EXIF orientation,
// PNG with the decoder the platform gives (pngjs in Node, the browser's own in a page — PNG is
// lossless, so both give the same 8-bit pixels). One clear ImageError for anything unreadable.
import { ImageError } from './image-error.js';
import { decodeJpeg } from './jpeg-decode.js';
import { applyOrientation, exifOrientation } from './orientation.js';
import type { RgbImage } from './rgb-image.js';
import { sniff } from './sniff.js';

export type PngDecoder = (file: string, bytes: Uint8Array) => RgbImage | Promise<RgbImage>;

export async function decodeImage(file: string, bytes: Uint8Array, decodePng: PngDecoder): Promise<RgbImage> {
  if (bytes.length === 0) throw new ImageError(file, 'empty file');
  const format = sniff(bytes);
  switch (format.kind) {
    case 'png':
      return decodePng(file, bytes);
    case 'jpeg':
      return applyOrientation(decodeJpeg(file, bytes), await exifOrientation(bytes));
    case 'truncated':
      throw new ImageError(file, `truncated ${format.format} data`);
    case 'unsupported':
      throw new ImageError(file, `unsupported image format ${format.format} (only PNG and JPEG are read; convert it first)`);
    case 'text':
      throw new ImageError(file, `not a PNG or JPEG file (it holds text: "${format.start}")`);
    case 'unknown':
      throw new ImageError(file, `not a PNG or JPEG file (unrecognised content starting ${format.firstBytes})`);
  }
}
