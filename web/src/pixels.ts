// Pixels between the browser and the library: the browser's PNG decoder behind the library's
// decodeImage (JPEG goes through the same jpeg-js path as the CLI), and RGB images onto canvases.
import { decodeImage, ImageError, opaqueRgba, type RgbImage } from '../../src/browser.js';

/** PNG via the browser, alpha composited on white, colour profiles ignored (as the CLI does). */
async function browserPng(file: string, bytes: Uint8Array): Promise<RgbImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new ImageError(file, 'corrupt PNG data (the browser cannot decode it)');
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new ImageError(file, 'this browser gave no 2D canvas to decode into');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba[p * 4];
    data[p * 3 + 1] = rgba[p * 4 + 1];
    data[p * 3 + 2] = rgba[p * 4 + 2];
  }
  return { width, height, data };
}

export function decodeBytes(file: string, bytes: Uint8Array): Promise<RgbImage> {
  return decodeImage(file, bytes, browserPng);
}

/** Draws the picture on the canvas at its own size. */
export function paint(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(new ImageData(opaqueRgba(img), img.width, img.height), 0, 0);
}

export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
}
