// EXIF orientation: what a camera writes instead of rotating the pixels. Grad-CAM must see the picture
// upright, as a person does, so it is applied right after decoding.
import exifr from 'exifr';
import type { RgbImage } from './rgb-image.js';

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/**
 * The EXIF Orientation tag (0x0112) of a JPEG, or 1 when there is none. A malformed EXIF block does not
 * make the picture unreadable (viewers ignore it too), so it reads as 1; so does a value outside 1–8.
 */
export async function exifOrientation(bytes: Uint8Array): Promise<Orientation> {
  let value: number | undefined;
  try {
    value = await exifr.orientation(bytes);
  } catch {
    return 1;
  }
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8 ? (value as Orientation) : 1;
}

/**
 * Turns stored pixels into the upright picture. In EXIF terms, orientation n says where the stored
 * 0th row and 0th column are shown: 1 top/left, 2 top/right, 3 bottom/right, 4 bottom/left,
 * 5 left/top, 6 right/top, 7 right/bottom, 8 left/bottom. 5–8 swap width and height.
 */
export function applyOrientation(img: RgbImage, orientation: Orientation): RgbImage {
  if (orientation === 1) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number;
      let oy: number;
      switch (orientation) {
        case 2:
          ox = w - 1 - x;
          oy = y;
          break;
        case 3:
          ox = w - 1 - x;
          oy = h - 1 - y;
          break;
        case 4:
          ox = x;
          oy = h - 1 - y;
          break;
        case 5:
          ox = y;
          oy = x;
          break;
        case 6:
          ox = h - 1 - y;
          oy = x;
          break;
        case 7:
          ox = h - 1 - y;
          oy = w - 1 - x;
          break;
        case 8:
          ox = y;
          oy = w - 1 - x;
          break;
      }
      const src = (y * w + x) * 3;
      const dst = (oy * outW + ox) * 3;
      out[dst] = data[src];
      out[dst + 1] = data[src + 1];
      out[dst + 2] = data[src + 2];
    }
  }
  return { width: outW, height: outH, data: out };
}
