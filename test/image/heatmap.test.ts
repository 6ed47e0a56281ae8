// normalizeMap, colormaps, heatmapImage and overlay. Colormap references: the hex endpoints
// published with each map (viridis/magma: matplotlib docs and the BIDS colormap release; turbo:
// Google's 2019 post), matplotlib's documented jet breakpoints, and matplotlib's jet(0.5).
import { describe, expect, it } from 'vitest';
import { colormap, COLORMAP_NAMES, heatmapImage, normalizeMap, overlay, type RgbImage } from '../../src/image/index.js';
import { ShapeError } from '../../src/tensor/shape.js';

const hex = (h: string): number[] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** Every channel within ±tol levels. */
function near(actual: readonly number[], expected: readonly number[], tol: number): boolean {
  return actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]) <= tol);
}

describe('normalizeMap', () => {
  it('min-max to [0, 1] (exact for these values)', () => {
    const r = normalizeMap(Float32Array.from([-1, 0, 3, 1]));
    expect(Array.from(r.map)).toEqual([0, 0.25, 1, 0.5]);
    expect([r.min, r.max, r.constant]).toEqual([-1, 3, false]);
  });

  it('a constant map (all zero, or all 3.5) is flagged and comes back as zeros', () => {
    for (const v of [0, 3.5]) {
      const r = normalizeMap(new Float32Array(12).fill(v));
      expect(r.constant).toBe(true);
      expect([r.min, r.max]).toEqual([v, v]);
      expect(Array.from(r.map)).toEqual(new Array(12).fill(0));
    }
  });

  it('does not change its input, rejects NaN/Infinity (RangeError) and an empty map (ShapeError)', () => {
    const input = Float32Array.from([2, 4]);
    normalizeMap(input);
    expect(Array.from(input)).toEqual([2, 4]);
    expect(() => normalizeMap(Float32Array.from([0, NaN]))).toThrow(RangeError);
    expect(() => normalizeMap(Float32Array.from([0, Infinity]))).toThrow(/index 1/);
    expect(() => normalizeMap(new Float32Array(0))).toThrow(ShapeError);
  });
});

describe('colormap endpoints (published hex values, ±1 level)', () => {
  const cases: [string, number, string][] = [
    ['viridis', 0, '#440154'],
    ['viridis', 1, '#fde725'],
    ['magma', 0, '#000004'],
    ['magma', 1, '#fcfdbf'],
    ['turbo', 0, '#30123b'],
    ['turbo', 1, '#7a0403'],
    ['jet', 0, '#000080'],
    ['jet', 1, '#800000'], // (0, 0, 0.5) dark blue, (0.5, 0, 0) dark red
  ];
  for (const [name, v, h] of cases) {
    it(`${name}(${v}) ≈ ${h}`, () => {
      expect(near(colormap(name as (typeof COLORMAP_NAMES)[number])(v), hex(h), 1)).toBe(true);
    });
  }

  it('jet(0.5) = matplotlib jet(0.5) = (0.4902, 1.0, 0.4775) → (125, 255, 122) (±1 level)', () => {
    expect(near(colormap('jet')(0.5), [125, 255, 122], 1)).toBe(true);
  });

  it('jet near its breakpoints: pure blue at 0.125, yellow turning red at table index 169 (±1 level)', () => {
    const jet = colormap('jet');
    // index 32 samples x = 32/255 = 0.1255: r 0, g ≈ 0.002, b = 1.
    expect(near(jet(0.125), [0, 0, 255], 1)).toBe(true);
    // index 169 samples x = 0.6627: r = 1, g = 1 − (0.6627 − 0.64)/0.27 = 0.916, b = 0.
    expect(near(jet(169 / 256), [255, 234, 0], 1)).toBe(true);
  });

  it('every map: out-of-range values clamp to the ends, NaN reads as 0, channels are integers in 0..255', () => {
    for (const name of COLORMAP_NAMES) {
      const f = colormap(name);
      expect(f(-3)).toEqual(f(0));
      expect(f(7)).toEqual(f(1));
      expect(f(NaN)).toEqual(f(0));
      for (let i = 0; i <= 100; i++) {
        for (const c of f(i / 100)) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
      }
    }
  });

  it('matplotlib lookup: index = floor(v·256), so 0.999 and 1 share the last entry, 1/256 − ε the first', () => {
    const v = colormap('viridis');
    expect(v(0.999)).toEqual(v(1));
    expect(v(1 / 256 - 1e-9)).toEqual(v(0));
    expect(v(1 / 256)).not.toEqual(v(0));
  });
});

describe('heatmapImage and overlay', () => {
  it('heatmapImage colours each value with the colormap, at the given size', () => {
    const heat = heatmapImage(Float32Array.from([0, 1, 0.5, 0.25, 0.75, 0.1]), 3, 2, 'turbo');
    const turbo = colormap('turbo');
    expect([heat.width, heat.height]).toEqual([3, 2]);
    expect(Array.from(heat.data)).toEqual([0, 1, 0.5, 0.25, 0.75, 0.1].flatMap((v) => turbo(v)));
    expect(() => heatmapImage(new Float32Array(5), 3, 2, 'jet')).toThrow(ShapeError);
  });

  it('overlay = round((1 − α)·base + α·heat) (exact)', () => {
    const base: RgbImage = { width: 2, height: 1, data: Uint8Array.from([100, 0, 255, 10, 20, 30]) };
    const heat: RgbImage = { width: 2, height: 1, data: Uint8Array.from([200, 255, 0, 201, 21, 31]) };
    expect(Array.from(overlay(base, heat, 0.5).data)).toEqual([150, 128, 128, 106, 21, 31]); // 127.5 → 128, 105.5 → 106, 20.5 → 21, 30.5 → 31
    expect(Array.from(overlay(base, heat, 0.25).data)).toEqual([125, 64, 191, 58, 20, 30]); // 125, 63.75, 191.25, 57.75, 20.25, 30.25
    expect(Array.from(overlay(base, heat, 0).data)).toEqual(Array.from(base.data));
    expect(Array.from(overlay(base, heat, 1).data)).toEqual(Array.from(heat.data));
  });

  it('overlay rejects a size mismatch (ShapeError) and alpha outside [0, 1] (RangeError)', () => {
    const a: RgbImage = { width: 2, height: 1, data: new Uint8Array(6) };
    const b: RgbImage = { width: 1, height: 2, data: new Uint8Array(6) };
    expect(() => overlay(a, b, 0.5)).toThrow(ShapeError);
    expect(() => overlay(a, a, 1.5)).toThrow(RangeError);
    expect(() => overlay(a, a, NaN)).toThrow(RangeError);
  });
});
