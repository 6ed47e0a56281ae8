// JPEG → RGB via jpeg-js (baseline and progressive, 1 or 3 components, Adobe CMYK/YCCK).
import jpeg from 'jpeg-js';
import { ImageError, MAX_PIXELS, describeError } from './image-error.js';
import type { RgbImage } from './rgb-image.js';

export function decodeJpeg(file: string, bytes: Uint8Array): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: 2048,
    });
  } catch (err) {
    // jpeg-js says "marker was not found" for a short file; the markers tell truncated from corrupt.
    if (isTruncated(bytes)) throw new ImageError(file, 'truncated JPEG data');
    const message = describeError(err);
    if (/color mode|components/i.test(message)) throw new ImageError(file, `unsupported JPEG colour mode (${message})`);
    throw new ImageError(file, `corrupt JPEG data (${message})`);
  }
  if (decoded.data.length !== decoded.width * decoded.height * 3 || decoded.width === 0 || decoded.height === 0) {
    throw new ImageError(file, `corrupt JPEG data (decoded ${decoded.width}x${decoded.height} with ${decoded.data.length} bytes)`);
  }
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

/**
 * A complete JPEG has an EOI marker (FF D9) after its last start-of-scan (FF DA). Entropy-coded data
 * never contains FF DA or FF D9 (0xFF is stuffed), and an EXIF thumbnail's own markers come before the
 * main image's scans, so "no EOI after the last SOS" means the file was cut.
 */
function isTruncated(bytes: Uint8Array): boolean {
  let lastSos = -1;
  let lastEoi = -1;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    if (bytes[i + 1] === 0xda) lastSos = i;
    else if (bytes[i + 1] === 0xd9) lastEoi = i;
  }
  return lastSos < 0 || lastEoi < lastSos;
}
