// Value in [0, 1] → 8-bit RGB, looked up exactly as matplotlib does so that our heat maps match the
// figures people compare them with.
import { MAGMA, TURBO, VIRIDIS } from './colormap-tables.js';

export type ColormapName = 'jet' | 'magma' | 'viridis' | 'turbo';

export const COLORMAP_NAMES: readonly ColormapName[] = ['jet', 'magma', 'viridis', 'turbo'];

/**
 * Returns v ↦ [r, g, b] with integer channels in 0..255. Like matplotlib's Colormap.__call__ on a
 * 256-entry table: index = min(floor(v·256), 255) (v clamped to [0, 1]; NaN reads as 0), no
 * interpolation between entries; each float entry is then rounded to 8 bits (matplotlib truncates when
 * asked for bytes, which makes e.g. viridis(1) #fde724 instead of the published #fde725).
 * - jet: matplotlib's LinearSegmentedColormap 'jet' (lib/matplotlib/_cm.py, _jet_data), sampled at
 *   i/255 as matplotlib builds its lookup table: dark blue (0, 0, 0.5) to dark red (0.5, 0, 0).
 *   OpenCV's COLORMAP_JET differs slightly in its breakpoints; we follow matplotlib.
 * - magma, viridis, turbo: the published 256-entry tables, see colormap-tables.ts for the source.
 */
export function colormap(name: ColormapName): (v: number) => [number, number, number] {
  const lut = lookupTable(name);
  return (v: number) => {
    const i = indexOf(v) * 3;
    return [lut[i], lut[i + 1], lut[i + 2]];
  };
}

/** The 256 × 3 bytes behind colormap(name), for loops that colour a whole map. */
export function lookupTable(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = toBytes(name === 'jet' ? jetTable() : tableOf(name));
    cache.set(name, lut);
  }
  return lut;
}

export function indexOf(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  return Math.min(Math.floor(v * 256), 255);
}

const cache = new Map<ColormapName, Uint8Array>();

function tableOf(name: Exclude<ColormapName, 'jet'>): readonly number[] {
  switch (name) {
    case 'magma':
      return MAGMA;
    case 'viridis':
      return VIRIDIS;
    case 'turbo':
      return TURBO;
  }
}

function toBytes(table: readonly number[]): Uint8Array {
  const out = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = Math.round(Math.min(Math.max(table[i], 0), 1) * 255);
  return out;
}

/** matplotlib's _jet_data: per channel, (x, value) breakpoints joined by straight lines. */
const JET: Record<'r' | 'g' | 'b', readonly (readonly [number, number])[]> = {
  r: [
    [0, 0],
    [0.35, 0],
    [0.66, 1],
    [0.89, 1],
    [1, 0.5],
  ],
  g: [
    [0, 0],
    [0.125, 0],
    [0.375, 1],
    [0.64, 1],
    [0.91, 0],
    [1, 0],
  ],
  b: [
    [0, 0.5],
    [0.11, 1],
    [0.34, 1],
    [0.65, 0],
    [1, 0],
  ],
};

function jetTable(): number[] {
  const out: number[] = [];
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    out.push(piecewise(JET.r, x), piecewise(JET.g, x), piecewise(JET.b, x));
  }
  return out;
}

function piecewise(points: readonly (readonly [number, number])[], x: number): number {
  for (let k = 1; k < points.length; k++) {
    const [x1, y1] = points[k];
    if (x <= x1) {
      const [x0, y0] = points[k - 1];
      return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return points[points.length - 1][1];
}
