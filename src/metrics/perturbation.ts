// The perturbations behind the faithfulness metrics, on the model input (preprocessed, HWC): pixels
// ranked by the map, deletion and insertion sequences (Petsiuk et al. 2018, RISE), the blurred start
// of insertion, and the map-weighted input of average drop (Chattopadhay et al. 2018, Grad-CAM++).
import type { InputStack } from './batched-scores.js';

/** An input image in the model's input space: height × width × channels values. */
export interface ModelInput {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Pixel indices from the most to the least relevant (the map's values, descending); equal values in
 * row-major order, so the order does not depend on the sort implementation.
 */
export function rankPixels(map: ArrayLike<number>): Uint32Array {
  const order = Array.from({ length: map.length }, (_, i) => i);
  order.sort((i, j) => map[j] - map[i] || i - j);
  return Uint32Array.from(order);
}

/** How many pixels are changed at step k of n: round(k·N/n). */
export function pixelsAtStep(k: number, steps: number, pixels: number): number {
  return Math.round((k * pixels) / steps);
}

/**
 * steps + 1 inputs: input k has the first pixelsAtStep(k) pixels of `order` taken from `to`, the
 * others from `from` (deletion: from = image, to = substrate; insertion: from = blurred, to = image).
 */
export function sequence(from: ModelInput, to: ModelInput, order: Uint32Array, steps: number): InputStack {
  const { height, width, channels } = from;
  const size = height * width * channels;
  const data = new Float32Array((steps + 1) * size);
  const current = Float32Array.from(from.data);
  let done = 0;
  for (let k = 0; k <= steps; k++) {
    const upTo = pixelsAtStep(k, steps, order.length);
    for (; done < upTo; done++) {
      const p = order[done] * channels;
      for (let c = 0; c < channels; c++) current[p + c] = to.data[p + c];
    }
    data.set(current, k * size);
  }
  return { data, count: steps + 1, height, width, channels };
}

/** The area under a curve sampled at x = k/n, k = 0…n, by the trapezoid rule. */
export function trapezoidAuc(values: ArrayLike<number>): number {
  const n = values.length - 1;
  if (n < 1) throw new RangeError('an AUC needs at least two points');
  let area = 0;
  for (let k = 0; k < n; k++) area += (values[k] + values[k + 1]) / 2;
  return area / n;
}

export const BLUR_SIGMA = 5;
export const BLUR_TAPS = 11;

/** RISE's insertion start: a Gaussian blur (σ 5, 11 taps, separable, taps outside the image dropped and the rest renormalised). */
export function blurred(input: ModelInput, sigma = BLUR_SIGMA, taps = BLUR_TAPS): ModelInput {
  const { data, height, width, channels } = input;
  const half = (taps - 1) / 2;
  const kernel = Array.from({ length: taps }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const pass = (src: Float32Array, alongRows: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          let s = 0,
            w = 0;
          for (let t = -half; t <= half; t++) {
            const yy = alongRows ? y : y + t,
              xx = alongRows ? x + t : x;
            if (yy < 0 || xx < 0 || yy >= height || xx >= width) continue;
            const k = kernel[t + half];
            s += k * src[(yy * width + xx) * channels + c];
            w += k;
          }
          out[(y * width + x) * channels + c] = s / w;
        }
      }
    }
    return out;
  };
  return { data: pass(pass(data, true), false), height, width, channels };
}

/** The substrate deletion puts in: zero in the model's input space (RISE's). */
export function zeroInput(like: ModelInput): ModelInput {
  return { ...like, data: new Float32Array(like.data.length) };
}

/** Grad-CAM++'s explanation map applied to the input: input × map normalised to [0, 1], per pixel. */
export function maskedByMap(input: ModelInput, unitMap: ArrayLike<number>): ModelInput {
  const { channels } = input;
  const data = Float32Array.from(input.data, (v, i) => v * unitMap[Math.floor(i / channels)]);
  return { ...input, data };
}
