// Explanation → pictures at the ORIGINAL image size: the map upsampled (bilinear, half-pixel
// centres), min-max normalised, coloured, and blended over the photo.
import { heatmapImage, normalizeMap, overlay, upsampleMap, type RgbImage } from '../image/index.js';
import type { Explanation, InputGradient, Rendering, RenderOptions } from './types.js';

export const DEFAULT_COLORMAP = 'jet';
export const DEFAULT_ALPHA = 0.5;

/**
 * The signed RGB gradient as a picture, the way the Grad-CAM authors draw guided backprop:
 * (g − mean) / (std + 1e-5) · 0.1 + 0.5, clipped to [0, 1] (statistics over all values), then
 * resized per channel to width × height (bilinear, half-pixel centres) and rounded to 8 bits.
 */
export function gradientImage(g: InputGradient, width: number, height: number): RgbImage {
  const n = g.data.length;
  let mean = 0;
  for (const v of g.data) mean += v / n;
  let variance = 0;
  for (const v of g.data) variance += (v - mean) ** 2 / n;
  const scale = 0.1 / (Math.sqrt(variance) + 1e-5);
  const plane = g.height * g.width;
  const data = new Uint8Array(width * height * 3);
  for (let c = 0; c < 3; c++) {
    const channel = new Float32Array(plane);
    for (let p = 0; p < plane; p++) channel[p] = Math.min(1, Math.max(0, (g.data[p * 3 + c] - mean) * scale + 0.5));
    const up = upsampleMap(channel, g.height, g.width, width, height);
    for (let p = 0; p < width * height; p++) data[p * 3 + c] = Math.round(up[p] * 255);
  }
  return { width, height, data };
}

export function renderExplanation(expl: Explanation, original: RgbImage, opts: RenderOptions = {}): Rendering {
  const cmap = opts.colormap ?? DEFAULT_COLORMAP;
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const { lowres } = expl;
  const up = upsampleMap(lowres.data, lowres.height, lowres.width, original.width, original.height);
  const normalised = normalizeMap(up);
  const heatmap = heatmapImage(normalised.map, original.width, original.height, cmap);
  const rendering: Rendering = { overlay: overlay(original, heatmap, alpha), heatmap, status: expl.status };
  if (expl.status !== 'ok') rendering.warning = expl.statusMessage ?? `the map's status is ${expl.status}`;
  if (expl.inputGradient) rendering.gradient = gradientImage(expl.inputGradient, original.width, original.height);
  return rendering;
}
