// A page's canvas backend for the report pictures: an HTML canvas. PNG bytes come from toDataURL, which
// is synchronous like @napi-rs/canvas's toBuffer. Replaces src/platform/napi-canvas.ts in a browser
// bundle (browser-edges.ts).
import type { BackendCanvas, CanvasBackend } from '../../src/report/canvas.js';

function dataUrlBytes(url: string): Uint8Array {
  const binary = atob(url.slice(url.indexOf(',') + 1));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export const canvasBackend: CanvasBackend = {
  // The browser always falls back to some sans-serif font.
  hasFonts: () => true,
  create(width: number, height: number): BackendCanvas {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gave no 2D canvas context');
    return {
      ctx,
      putRgba: (rgba, w, h, x, y) => ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), x, y),
      encodePng: () => dataUrlBytes(canvas.toDataURL('image/png')),
    };
  },
};
