// The drawing surface of every report picture, behind a small interface so that the same drawing code
// runs on @napi-rs/canvas in Node and on an HTML canvas in a page: a browser bundle swaps the Node backend
// (src/platform/napi-canvas.ts) for web/platform/html-canvas.ts (see web/platform/browser-edges.ts).
import { canvasBackend } from '../platform/napi-canvas.js';
import { opaqueRgba, type RgbImage } from '../image/index.js';

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

/** The part of CanvasRenderingContext2D the report pictures use; both backends' contexts have it. */
export interface Context2D {
  fillStyle: string | object;
  strokeStyle: string | object;
  lineWidth: number;
  font: string;
  textAlign: 'left' | 'right' | 'center' | 'start' | 'end';
  textBaseline: 'top' | 'middle' | 'bottom' | 'alphabetic' | 'hanging' | 'ideographic';
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, radius: number, start: number, end: number): void;
  stroke(): void;
  fill(): void;
  setLineDash(segments: number[]): void;
}

/** One canvas of a backend: its context, a way to put RGBA pixels, and PNG encoding (synchronous in both). */
export interface BackendCanvas {
  readonly ctx: Context2D;
  putRgba(rgba: Uint8ClampedArray, width: number, height: number, x: number, y: number): void;
  encodePng(): Uint8Array;
}

export interface CanvasBackend {
  /** False when labels would silently vanish (no font at all). */
  hasFonts(): boolean;
  create(width: number, height: number): BackendCanvas;
}

export interface Surface {
  canvas: BackendCanvas;
  ctx: Context2D;
}

/** A white canvas of the given size. */
export function surface(width: number, height: number): Surface {
  const backend: CanvasBackend = canvasBackend;
  if (!backend.hasFonts()) throw new NoFontError();
  const canvas = backend.create(Math.max(1, Math.round(width)), Math.max(1, Math.round(height)));
  const { ctx } = canvas;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, Math.max(1, Math.round(width)), Math.max(1, Math.round(height)));
  return { canvas, ctx };
}

/** Draws an RGB picture with its top-left corner at (x, y), pixel for pixel. */
export function drawRgb(s: Surface, img: RgbImage, x: number, y: number): void {
  s.canvas.putRgba(opaqueRgba(img), img.width, img.height, Math.round(x), Math.round(y));
}

/** The text, shortened with an ellipsis until it fits in maxWidth pixels at the current font. */
export function fitText(ctx: Context2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > maxWidth) n--;
  return `${text.slice(0, n)}…`;
}

export function encodePngCanvas(s: Surface): Uint8Array {
  return s.canvas.encodePng();
}
