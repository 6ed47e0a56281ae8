// resizeRgb and upsampleMap against the dense float64 references of test/image/reference.ts and
// against tf.image.resizeBilinear(halfPixelCenters = true) on tfjs-core's CPU backend.
import { describe, expect, it } from 'vitest';
import { resizeRgb, upsampleMap, modelInputPixels, type RgbImage } from '../../src/image/index.js';
import { readImage } from '../../src/image/read-image.js';
import { ShapeError } from '../../src/tensor/shape.js';
import { tfjs } from '../tfjs.js';
import { photo } from './photos.js';
import { boxWeight, hatWeight, resizeReference, seededBytes, type Kernel } from './reference.js';

function randomImage(width: number, height: number, seed: number): RgbImage {
  return { width, height, data: seededBytes(width * height * 3, seed) };
}

/** The largest |ours − reference| over all channels. */
function maxError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(ours.length).toBe(ref.length);
  let max = 0;
  for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - ref[i]));
  return max;
}

/** The filter resizeRgb documents, per axis: bilinear up to 2× shrinking, area beyond. */
const documented = (inSize: number, outSize: number): Kernel => (inSize > 2 * outSize ? boxWeight : hatWeight);

describe('resizeRgb vs the dense float64 reference (tolerance: 0.5 + 1e-9, i.e. correctly rounded, within ±1 level)', () => {
  const cases: [string, number, number, number, number][] = [
    ['upsampling 7x5 → 16x11', 7, 5, 16, 11],
    ['mild shrinking 37x23 → 20x13 (bilinear on both axes)', 37, 23, 20, 13],
    ['strong shrinking 37x23 → 9x5 (area on both axes, r = 4.11, 4.6)', 37, 23, 9, 5],
    ['mixed 40x10 → 13x17 (area across, bilinear up)', 40, 10, 13, 17],
    ['exactly 2× 36x24 → 18x12', 36, 24, 18, 12],
    ['to one pixel 9x7 → 1x1 (area: the mean)', 9, 7, 1, 1],
    ['from one column 1x6 → 5x3', 1, 6, 5, 3],
  ];
  for (const [name, w, h, outW, outH] of cases) {
    it(name, () => {
      const img = randomImage(w, h, w * 31 + h);
      const ours = resizeRgb(img, outW, outH);
      expect([ours.width, ours.height]).toEqual([outW, outH]);
      const ref = resizeReference(img.data, w, h, 3, outW, outH, documented(w, outW), documented(h, outH));
      expect(maxError(ours.data, ref)).toBeLessThanOrEqual(0.5 + 1e-9);
    });
  }

  it('at exactly 2× the bilinear and area references agree (the filter does not jump; 1e-9)', () => {
    const img = randomImage(36, 24, 5);
    const bilinear = resizeReference(img.data, 36, 24, 3, 18, 12, hatWeight, hatWeight);
    const area = resizeReference(img.data, 36, 24, 3, 18, 12, boxWeight, boxWeight);
    expect(maxError(bilinear, area)).toBeLessThan(1e-9);
  });

  it('area beyond 2× equals "area-average to 2·out, then bilinear" done literally in two stages (1e-9)', () => {
    const img = randomImage(50, 31, 9);
    const mid = resizeReference(img.data, 50, 31, 3, 14, 6, boxWeight, boxWeight);
    const twoStage = resizeReference(mid, 14, 6, 3, 7, 3, hatWeight, hatWeight);
    const oneStage = resizeReference(img.data, 50, 31, 3, 7, 3, boxWeight, boxWeight);
    expect(maxError(twoStage, oneStage)).toBeLessThan(1e-9);
  });

  it('chelsea.png 451x300 → 224x224 (area across at 2.01×, bilinear down at 1.34×)', async () => {
    const img = await readImage(photo('chelsea'));
    const ours = modelInputPixels(img, 224, 224);
    const ref = resizeReference(img.data, 451, 300, 3, 224, 224, boxWeight, hatWeight);
    expect(maxError(ours.data, ref)).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it('same size returns an equal copy, not the same array', () => {
    const img = randomImage(5, 4, 1);
    const out = resizeRgb(img, 5, 4);
    expect(out.data).not.toBe(img.data);
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
  });

  it('bad sizes throw ShapeError', () => {
    const img = randomImage(5, 4, 1);
    expect(() => resizeRgb(img, 0, 4)).toThrow(ShapeError);
    expect(() => resizeRgb(img, 2.5, 4)).toThrow(ShapeError);
    expect(() => resizeRgb({ width: 5, height: 4, data: new Uint8Array(10) }, 3, 3)).toThrow(ShapeError);
  });
});

describe('resizeRgb vs tfjs resizeBilinear(halfPixelCenters) where both are bilinear (tolerance ±1 level: tfjs is float32)', () => {
  for (const [w, h, outW, outH] of [
    [7, 5, 16, 11],
    [37, 23, 20, 13],
    [64, 48, 224, 224],
  ] as const) {
    it(`${w}x${h} → ${outW}x${outH}`, async () => {
      const tf = await tfjs();
      const img = randomImage(w, h, 3);
      const x = tf.tensor4d(Float32Array.from(img.data), [1, h, w, 3]);
      const y = tf.image.resizeBilinear(x, [outH, outW], false, true);
      const ref = await y.data();
      tf.dispose([x, y]);
      expect(maxError(resizeRgb(img, outW, outH).data, ref)).toBeLessThanOrEqual(1);
    });
  }
});

describe('upsampleMap (half-pixel centres)', () => {
  it('2x2 → 4x4: exact values, source coordinates clamp to (0, 0.25, 0.75, 1)', () => {
    const map = Float32Array.from([0, 1, 2, 3]); // value = 2·row + column
    const out = upsampleMap(map, 2, 2, 4, 4);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  it('same size is the identity (exact)', () => {
    const map = Float32Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i) * 3.7);
    expect(Array.from(upsampleMap(map, 5, 7, 7, 5))).toEqual(Array.from(map));
  });

  it('a 1x1 map fills the picture with its value (exact)', () => {
    expect(Array.from(upsampleMap(Float32Array.of(0.3), 1, 1, 3, 2))).toEqual(new Array(6).fill(Math.fround(0.3)));
  });

  it('7x7 → 224x224 and 5x8 → 299x190 match tfjs resizeBilinear(halfPixelCenters) within 1e-5 absolute', async () => {
    const tf = await tfjs();
    for (const [h, w, height, width] of [
      [7, 7, 224, 224],
      [5, 8, 190, 299],
    ]) {
      const map = Float32Array.from({ length: h * w }, (_, i) => Math.cos(i * 1.3) + 1);
      const x = tf.tensor4d(map, [1, h, w, 1]);
      const y = tf.image.resizeBilinear(x, [height, width], false, true);
      const ref = await y.data();
      tf.dispose([x, y]);
      expect(maxError(upsampleMap(map, h, w, width, height), ref)).toBeLessThan(1e-5);
    }
  });

  it('a map whose length is not h·w throws ShapeError', () => {
    expect(() => upsampleMap(new Float32Array(5), 2, 2, 4, 4)).toThrow(ShapeError);
  });
});
