// Labelled grids drawn with @napi-rs/canvas, read back with pngjs: cells land pixel for pixel where
// the layout says, labels are real glyphs (different words give different pixels, empty labels
// none), the colour bar is the colormap, and per-map vs shared normalisation colour as documented.
// References: the input pictures themselves, src/image's colormap tables, and arithmetic on them.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { colormap, heatmapImage, overlay, type RgbImage } from '../../src/image/index.js';
import { gridLayout, renderGrid, type GridSpec } from '../../src/report/grid.js';
import { mapOverlay, sharedRange } from '../../src/report/overlay-cell.js';
import { evolutionCells } from '../../src/report/evolution-figure.js';
import type { EvolutionResult } from '../../src/analyses/evolution.js';

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

function pixel(p: PNG, x: number, y: number): [number, number, number] {
  const i = (y * p.width + x) * 4;
  return [p.data[i], p.data[i + 1], p.data[i + 2]];
}

function pattern(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101) % 251;
  return { width, height, data };
}

function uniform(width: number, height: number, v: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(v) };
}

/** Pixels in a rectangle darker than mid-grey (text is drawn in near-black on white). */
function darkPixels(p: PNG, r: { x: number; y: number; width: number; height: number }): number {
  let n = 0;
  for (let y = r.y; y < r.y + r.height && y < p.height; y++) {
    for (let x = r.x; x < r.x + r.width && x < p.width; x++) {
      const [a, b, c] = pixel(p, x, y);
      if (a + b + c < 3 * 128) n++;
    }
  }
  return n;
}

function labelPixels(p: PNG, r: { x: number; y: number; width: number; height: number }): Uint8Array {
  const out: number[] = [];
  for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) out.push(...pixel(p, x, y));
  return Uint8Array.from(out);
}

describe('grid', () => {
  const spec = (labels: string[][], width = 23): GridSpec => ({
    title: 'A grid',
    subtitle: ['second line'],
    cells: labels.map((lines, i) => ({ image: pattern(width, 17, i), lines })),
    columns: 2,
    colorbar: { colormap: 'jet', low: 'low', high: 'high', caption: 'what the colours mean' },
  });

  it('every cell is drawn pixel for pixel at its layout rectangle (exact)', () => {
    const s = spec([['a'], ['b'], ['c']]);
    const layout = gridLayout(s);
    const p = decode(renderGrid(s));
    expect(p.height).toBe(layout.height);
    expect(p.width).toBeGreaterThanOrEqual(layout.width);
    expect(layout.cells[1].y).toBe(layout.cells[0].y);
    expect(layout.cells[2].y).toBeGreaterThan(layout.cells[0].y + 17);
    s.cells.forEach((cell, i) => {
      const at = layout.cells[i];
      for (let y = 0; y < 17; y++) {
        for (let x = 0; x < 23; x++) {
          const k = (y * 23 + x) * 3;
          expect(pixel(p, at.x + x, at.y + y)).toEqual([cell.image.data[k], cell.image.data[k + 1], cell.image.data[k + 2]]);
        }
      }
    });
  });

  it('labels are rendered glyphs: text leaves dark pixels, different text different pixels, no text none', () => {
    const words = spec([['conv2_block1_out', '56×56×256'], [''], ['post_relu', '7×7×2048']], 150);
    const p = decode(renderGrid(words));
    const layout = gridLayout(words);
    expect(darkPixels(p, layout.labels[0])).toBeGreaterThan(100);
    expect(darkPixels(p, layout.labels[1])).toBe(0);
    expect(darkPixels(p, layout.labels[2])).toBeGreaterThan(50);
    const other = decode(renderGrid(spec([['mixed10', '8×8×2048'], [''], ['post_relu', '7×7×2048']], 150)));
    expect(Buffer.from(labelPixels(other, layout.labels[0])).equals(Buffer.from(labelPixels(p, layout.labels[0])))).toBe(false);
    expect(Buffer.from(labelPixels(other, layout.labels[2])).equals(Buffer.from(labelPixels(p, layout.labels[2])))).toBe(true);
    // The title is text too.
    expect(darkPixels(p, { x: 0, y: 0, width: p.width, height: layout.cells[0].y - 4 })).toBeGreaterThan(100);
  });

  it('the colour bar runs through the colormap from its low end to its high end (exact table colours)', () => {
    const s = spec([['a']]);
    const layout = gridLayout(s);
    const p = decode(renderGrid(s));
    const bar = layout.colorbar as { x: number; y: number; width: number; height: number };
    const mid = bar.y + Math.floor(bar.height / 2);
    const jet = colormap('jet');
    expect(pixel(p, bar.x + 2, mid)).toEqual(jet(2 / (bar.width - 1)));
    expect(pixel(p, bar.x + bar.width - 3, mid)).toEqual(jet((bar.width - 3) / (bar.width - 1)));
  });

  it('refuses cells of different sizes and columns that split a group', () => {
    expect(() =>
      gridLayout({
        title: 't',
        cells: [
          { image: pattern(4, 4, 0), lines: [] },
          { image: pattern(5, 4, 0), lines: [] },
        ],
        columns: 2,
      }),
    ).toThrow(RangeError);
    expect(() => gridLayout({ title: 't', cells: [{ image: pattern(4, 4, 0), lines: [] }], columns: 3, groupSize: 2 })).toThrow(RangeError);
  });
});

describe('map overlays', () => {
  const grey = uniform(8, 6, 100);
  const size = { width: 8, height: 6 };
  const expectedPixel = (v01: number, alpha: number) => {
    const heat = heatmapImage(new Float32Array([v01]), 1, 1, 'jet');
    return Array.from(overlay(uniform(1, 1, 100), heat, alpha).data);
  };

  it('shared range: a constant map at v colours every pixel as jet((v − min)/(max − min)) blended with alpha (exact)', () => {
    const map = { height: 2, width: 3, data: new Float32Array(6).fill(0.5) };
    const img = mapOverlay(grey, map, size, { colormap: 'jet', alpha: 0.4, range: { min: 0, max: 2 } });
    expect(Array.from(img.data.slice(0, 3))).toEqual(expectedPixel(0.25, 0.4));
    expect(Array.from(img.data.slice(-3))).toEqual(expectedPixel(0.25, 0.4));
  });

  it('per-map: the map’s own min and max become the colormap’s ends', () => {
    const map = { height: 1, width: 2, data: new Float32Array([3, 7]) };
    const img = mapOverlay(grey, map, { width: 2, height: 1 }, { colormap: 'jet', alpha: 1 });
    const jet = colormap('jet');
    expect(Array.from(img.data.slice(0, 3))).toEqual(jet(0));
    expect(Array.from(img.data.slice(3, 6))).toEqual(jet(1));
  });

  it('--shared-scale: two maps of the same pattern but 10× apart look the same per map and differ on one shared scale', () => {
    const small = { height: 2, width: 2, data: new Float32Array([0, 0.2, 0.5, 1]) };
    const large = { height: 2, width: 2, data: small.data.map((v) => v * 10) };
    const result = {
      method: 'gradcam',
      classIndex: 0,
      logits: new Float32Array(1),
      forwards: 1,
      backwards: 1,
      maps: [small, large].map((map, i) => ({
        target: `n${i}`,
        tensorOf: `n${i}`,
        shape: [1, 2, 2, 3],
        role: 'feature-map',
        map,
        status: 'ok',
        min: 0,
        max: Math.max(...map.data),
      })),
    } as EvolutionResult;
    const options = { colormap: 'jet' as const, alpha: 0.5, title: '', subtitle: [], cellWidth: 16 };
    const own = evolutionCells(result, grey, { ...options, sharedScale: false });
    expect(Buffer.from(own[0].image.data).equals(Buffer.from(own[1].image.data))).toBe(true);
    const shared = evolutionCells(result, grey, { ...options, sharedScale: true });
    expect(Buffer.from(shared[0].image.data).equals(Buffer.from(shared[1].image.data))).toBe(false);
    expect(sharedRange(result.maps.map((m) => m.map))).toEqual({ min: 0, max: 10 });
    // On the shared scale the small map stays within jet(0 … 0.1), where red is 0 (matplotlib's jet: red
    // rises only above 0.35): every red value is 0.5·100 + 0.5·0 = 50. The large map reaches red.
    const reds = (img: RgbImage) => Array.from(img.data.filter((_, k) => k % 3 === 0));
    expect(new Set(reds(shared[0].image))).toEqual(new Set([50]));
    expect(Math.max(...reds(shared[1].image))).toBeGreaterThan(100);
  });
});
