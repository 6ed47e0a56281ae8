// The pointing game's geometry on constructed maps and masks, and its two baselines. References:
// hand-derived peak positions (exact), the float64 bilinear upsampling and argmax of
// test/pointing/reference.ts, and for the random baseline the binomial expectation of its hits.
import { describe, expect, it } from 'vitest';
import { renderScene } from '../../src/data/scenes.js';
import { centrePoint, isOnObject, peakOf, pointOfMap, randomMap, type ObjectMask } from '../../src/metrics/pointing-game.js';
import { ShapeError } from '../../src/tensor/index.js';
import { randomArray } from '../helpers.js';
import { argmaxReference, upsampleReference } from './reference.js';

function maskWith(width: number, height: number, on: (x: number, y: number) => boolean): ObjectMask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = on(x, y) ? 1 : 0;
  return { width, height, data };
}

describe('peakOf (exact)', () => {
  it('finds the maximum and breaks ties by the first in row-major order', () => {
    const v = new Float32Array(4 * 3);
    v[7] = 2; // (x 3, y 1)
    expect(peakOf(v, 4, 3)).toEqual({ x: 3, y: 1 });
    v[9] = 2; // a later tie (x 1, y 2) loses
    expect(peakOf(v, 4, 3)).toEqual({ x: 3, y: 1 });
    v[2] = 2; // an earlier tie (x 2, y 0) wins
    expect(peakOf(v, 4, 3)).toEqual({ x: 2, y: 0 });
    expect(peakOf(new Float32Array(12), 4, 3)).toEqual({ x: 0, y: 0 });
  });

  it('throws ShapeError for a size that does not match the values', () => {
    expect(() => peakOf(new Float32Array(10), 4, 3)).toThrow(ShapeError);
  });
});

describe('pointOfMap: the peak after the explain path upsampling', () => {
  it('an isolated interior cell (i, j) of a 12×12 map upsampled ×8 peaks on the 2×2 plateau at (8j+3, 8i+3), first pixel taken (exact)', () => {
    // Pixels 8i+3 and 8i+4 sample the map at i ∓ 1/16: both weigh cell i by exactly 15/16.
    for (const [i, j] of [
      [5, 7],
      [1, 10],
      [10, 1],
    ]) {
      const map = new Float32Array(144);
      map[i * 12 + j] = 3;
      expect(pointOfMap({ height: 12, width: 12, data: map }, 96, 96)).toEqual({ x: 8 * j + 3, y: 8 * i + 3 });
    }
  });

  it('a corner cell extends flat to the border: the peak is the corner pixel (exact)', () => {
    const map = new Float32Array(144);
    map[0] = 1;
    expect(pointOfMap({ height: 12, width: 12, data: map }, 96, 96)).toEqual({ x: 0, y: 0 });
    const last = new Float32Array(144);
    last[143] = 1;
    // Pixels 92–95 all sample cell 11 with weight 1 (clamped); the first of the 4×4 plateau is (92, 92).
    expect(pointOfMap({ height: 12, width: 12, data: last }, 96, 96)).toEqual({ x: 92, y: 92 });
  });

  it('a map already at the target size is not resampled: its own first maximum', () => {
    const data = randomArray(96 * 96, 3, 0, 1);
    const i = argmaxReference(data);
    expect(pointOfMap({ height: 96, width: 96, data }, 96, 96)).toEqual({ x: i % 96, y: Math.floor(i / 96) });
  });

  it.each([
    [12, 12, 96, 96],
    [5, 7, 33, 21],
    [3, 2, 17, 40],
  ])(
    'random %i×%i maps → %i×%i: the point is a maximum of the float64 reference upsampling (rtol 1e-6: float32 rounding of near-ties)',
    (h, w, width, height) => {
      for (let seed = 1; seed <= 20; seed++) {
        const data = randomArray(h * w, seed, 0, 1);
        const up = upsampleReference(data, h, w, width, height);
        const p = pointOfMap({ height: h, width: w, data }, width, height);
        const best = up[argmaxReference(up)];
        expect(up[p.y * width + p.x]).toBeGreaterThanOrEqual(best * (1 - 1e-6));
      }
    },
  );
});

describe('isOnObject (exact)', () => {
  it('reads the mask at the point, row-major', () => {
    const mask = maskWith(10, 6, (x, y) => x >= 4 && x < 7 && y >= 2 && y < 5);
    expect(isOnObject({ x: 4, y: 2 }, mask)).toBe(true);
    expect(isOnObject({ x: 6, y: 4 }, mask)).toBe(true);
    expect(isOnObject({ x: 7, y: 4 }, mask)).toBe(false);
    expect(isOnObject({ x: 4, y: 5 }, mask)).toBe(false);
    expect(isOnObject({ x: 3, y: 3 }, mask)).toBe(false);
  });

  it('a peak on the plateau edge of a mask: inside when the first plateau pixel is covered, outside when only the others are', () => {
    const map = new Float32Array(144);
    map[5 * 12 + 7] = 1; // plateau x 59–60, y 43–44; the point is (59, 43)
    const point = pointOfMap({ height: 12, width: 12, data: map }, 96, 96);
    expect(
      isOnObject(
        point,
        maskWith(96, 96, (x, y) => x <= 59 && y <= 43),
      ),
    ).toBe(true);
    expect(
      isOnObject(
        point,
        maskWith(96, 96, (x, y) => x >= 60 || y >= 44),
      ),
    ).toBe(false);
  });

  it('throws for a point outside the mask', () => {
    expect(() =>
      isOnObject(
        { x: 10, y: 0 },
        maskWith(10, 6, () => true),
      ),
    ).toThrow(RangeError);
  });
});

describe('baselines', () => {
  it('centre: pixel (⌊(w−1)/2⌋, ⌊(h−1)/2⌋), the first maximum of a map symmetric about the centre (exact)', () => {
    expect(centrePoint(96, 96)).toEqual({ x: 47, y: 47 });
    expect(centrePoint(33, 21)).toEqual({ x: 16, y: 10 });
    // A cone about the geometric centre has the 4 (even) or 1 (odd) central pixels as maxima.
    for (const [w, h] of [
      [96, 96],
      [33, 21],
      [8, 5],
    ]) {
      const cone = new Float32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) cone[y * w + x] = -Math.hypot(x + 0.5 - w / 2, y + 0.5 - h / 2);
      expect(peakOf(cone, w, h)).toEqual(centrePoint(w, h));
    }
  });

  it('random: the same map for the same (seed, scene), another for another seed or scene', () => {
    const a = randomMap(0, 5, 96, 96);
    expect(randomMap(0, 5, 96, 96).data).toEqual(a.data);
    expect(randomMap(1, 5, 96, 96).data).not.toEqual(a.data);
    expect(randomMap(0, 6, 96, 96).data).not.toEqual(a.data);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThan(1);
  });

  it('random: hits on 600 scene masks match the binomial expectation Σ area fraction (within 4 standard deviations)', () => {
    let hits = 0,
      expected = 0,
      variance = 0;
    for (let i = 0; i < 600; i++) {
      const s = renderScene(99, i);
      const mask = { width: s.size, height: s.size, data: s.mask };
      const fraction = s.mask.reduce((a, v) => a + v, 0) / s.mask.length;
      expected += fraction;
      variance += fraction * (1 - fraction);
      if (isOnObject(pointOfMap(randomMap(7, i, s.size, s.size), s.size, s.size), mask)) hits++;
    }
    expect(Math.abs(hits - expected)).toBeLessThan(4 * Math.sqrt(variance));
  });
});
