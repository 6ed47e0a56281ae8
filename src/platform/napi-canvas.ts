// Node's canvas backend for the report pictures: @napi-rs/canvas (Skia). It finds the system's fonts
// through fontconfig; none are shipped here. A browser bundle swaps it for web/platform/html-canvas.ts.
import { createCanvas, GlobalFonts, ImageData } from '@napi-rs/canvas';
import type { BackendCanvas, CanvasBackend } from '../report/canvas.js';

export const canvasBackend: CanvasBackend = {
  hasFonts: () => GlobalFonts.families.length > 0,
  create(width: number, height: number): BackendCanvas {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    return {
      ctx,
      putRgba: (rgba, w, h, x, y) => ctx.putImageData(new ImageData(rgba, w, h), x, y),
      encodePng: () => new Uint8Array(canvas.toBuffer('image/png')),
    };
  },
};
