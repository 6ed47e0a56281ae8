// Image file → upright RGB pixels, with one clear error for anything that is not a readable picture.
import { readFile } from 'node:fs/promises';
import { ImageError } from './image-error.js';
import { decodeJpeg } from './jpeg-decode.js';
import { applyOrientation, exifOrientation } from './orientation.js';
import { decodePng } from './png-decode.js';
import type { RgbImage } from './rgb-image.js';
import { sniff } from './sniff.js';

/**
 * Decodes PNG (1–16-bit; gray, gray+alpha, RGB, RGBA, palette with tRNS; interlaced) or JPEG (baseline,
 * progressive; gray, RGB, Adobe CMYK) chosen by content, not by extension. Alpha is composited on white
 * at the file's bit depth and rounded once to 8 bits. A JPEG's EXIF orientation (1–8, mirrored ones
 * included) is applied; PNG eXIf orientation is not (viewers disagree on it). Gamma and colour profiles
 * are ignored: pixels are taken as sRGB, as Keras' loaders do.
 * A missing, empty, truncated, corrupt or unsupported file throws ImageError, one line naming the file.
 */
export async function readImage(path: string): Promise<RgbImage> {
  const bytes = await readBytes(path);
  if (bytes.length === 0) throw new ImageError(path, 'empty file');
  const format = sniff(bytes);
  switch (format.kind) {
    case 'png':
      return decodePng(path, bytes);
    case 'jpeg':
      return applyOrientation(decodeJpeg(path, bytes), await exifOrientation(bytes));
    case 'truncated':
      throw new ImageError(path, `truncated ${format.format} data`);
    case 'unsupported':
      throw new ImageError(path, `unsupported image format ${format.format} (only PNG and JPEG are read; convert it first)`);
    case 'text':
      throw new ImageError(path, `not a PNG or JPEG file (it holds text: "${format.start}")`);
    case 'unknown':
      throw new ImageError(path, `not a PNG or JPEG file (unrecognised content starting ${format.firstBytes})`);
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageError(path, 'no such file');
    if (code === 'EISDIR') throw new ImageError(path, 'is a directory, not an image file');
    if (code === 'EACCES' || code === 'EPERM') throw new ImageError(path, 'permission denied');
    throw new ImageError(path, `cannot read the file (${code ?? String(err)})`);
  }
}
