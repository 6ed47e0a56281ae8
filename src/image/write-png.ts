// RGB → PNG file, never leaving a half-written file at the destination (a crash or a full disk must
// not leave a broken picture that looks like a result).
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { ImageError, describeError } from './image-error.js';
import { assertRgbImage, type RgbImage } from './rgb-image.js';

/** Encodes 8-bit RGB (colour type 2), writes it to a temp file in the same directory, then renames it over path. */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  assertRgbImage('writePng', img);
  const encoded = encodePng(img);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, encoded);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new ImageError(path, `cannot write the PNG (${describeError(err)})`);
  }
}

export function encodePng(img: RgbImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
