// Image file → upright RGB pixels, with one clear error for anything that is not a readable picture.
import { readFile } from 'node:fs/promises';
import { decodeImage } from './decode-image.js';
import { ImageError } from './image-error.js';
import { decodePng } from './png-decode.js';
import type { RgbImage } from './rgb-image.js';

/**
 * Decodes PNG (1–16-bit; gray, gray+alpha, RGB, RGBA, palette with tRNS; interlaced) or JPEG (baseline,
 * progressive; gray, RGB, Adobe CMYK) chosen by content, not by extension. Alpha is composited on white
 * at the file's bit depth and rounded once to 8 bits. A JPEG's EXIF orientation (1–8, mirrored ones
 * included) is applied; PNG eXIf orientation is not (viewers disagree on it). Gamma and colour profiles
 * are ignored: pixels are taken as sRGB, as Keras' loaders do.
 * A missing, empty, truncated, corrupt or unsupported file throws ImageError, one line naming the file.
 */
export async function readImage(path: string): Promise<RgbImage> {
  return decodeImage(path, await readBytes(path), decodePng);
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
