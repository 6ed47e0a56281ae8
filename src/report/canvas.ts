// The drawing surface of every report picture: @napi-rs/canvas (Skia) draws the text, lines and
// images; it finds the system's fonts through fontconfig, and none are shipped here. Without any
// font the labels would silently vanish, so that is an error that says what to install.
import { createCanvas, GlobalFonts, ImageData, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { RgbImage } from '../image/index.js';

/** Generic families first resolved by fontconfig; DejaVu Sans is Debian's default sans-serif. */
export const FONT_FAMILY = 'DejaVu Sans, Noto Sans, Liberation Sans, sans-serif';

export class NoFontError extends Error {
  constructor() {
    super('no system font was found for the report labels: install one (Debian/Ubuntu: apt-get install fonts-dejavu-core)');
    this.name = 'NoFontError';
  }
}

export function font(px: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${px}px ${FONT_FAMILY}`;
}

export interface Surface {
  canvas: Canvas;
  ctx: SKRSContext2D;
}

/** A white canvas of the given size. */
export function surface(width: number, height: number): Surface {
  if (GlobalFonts.families.length === 0) throw new NoFontError();
  const canvas = createCanvas(Math.max(1, Math.round(width)), Math.max(1, Math.round(height)));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return { canvas, ctx };
}

/** Draws an RGB picture with its top-left corner at (x, y), pixel for pixel. */
export function drawRgb(ctx: SKRSContext2D, img: RgbImage, x: number, y: number): void {
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    rgba[p * 4] = img.data[p * 3];
    rgba[p * 4 + 1] = img.data[p * 3 + 1];
    rgba[p * 4 + 2] = img.data[p * 3 + 2];
    rgba[p * 4 + 3] = 255;
  }
  ctx.putImageData(new ImageData(rgba, img.width, img.height), Math.round(x), Math.round(y));
}

/** The text, shortened with an ellipsis until it fits in maxWidth pixels at the current font. */
export function fitText(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > maxWidth) n--;
  return `${text.slice(0, n)}…`;
}

export function encodePngCanvas(s: Surface): Uint8Array {
  return new Uint8Array(s.canvas.toBuffer('image/png'));
}
