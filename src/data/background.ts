// The cluttered background of a scene: smooth multi-octave colour noise over a random linear
// gradient, soft irregular blobs, curved strokes and a little grain. It is drawn from its own random
// stream before (and without knowing) the object, so it carries no information about the class.
// Blobs are smaller and softer than any object and strokes thinner, so the object stays the one
// crisp, solid shape in the picture.
import { hsv, type Rgb } from './colour.js';
import type { Random } from './random.js';

/** RGB float picture in [0, 255], row-major HWC. */
export interface Canvas {
  size: number;
  rgb: Float32Array;
}

/** Alpha-blends colour c into pixel i with weight a in [0, 1]. */
export function blend(canvas: Canvas, i: number, c: Rgb, a: number): void {
  const o = 3 * i;
  const rgb = canvas.rgb;
  rgb[o] += (c[0] - rgb[o]) * a;
  rgb[o + 1] += (c[1] - rgb[o + 1]) * a;
  rgb[o + 2] += (c[2] - rgb[o + 2]) * a;
}

const smooth = (t: number) => t * t * (3 - 2 * t);

/** Value noise: a (cells+1)² lattice of random values, smoothstep-interpolated; returns values in [0, 1]. */
function valueNoise(rng: Random, size: number, cells: number, out: Float32Array, weight: number): void {
  const n = cells + 1;
  const lattice = new Float32Array(n * n);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  const step = cells / size;
  for (let y = 0; y < size; y++) {
    const fy = (y + 0.5) * step;
    const iy = Math.min(Math.floor(fy), cells - 1);
    const ty = smooth(fy - iy);
    for (let x = 0; x < size; x++) {
      const fx = (x + 0.5) * step;
      const ix = Math.min(Math.floor(fx), cells - 1);
      const tx = smooth(fx - ix);
      const a = lattice[iy * n + ix],
        b = lattice[iy * n + ix + 1];
      const c = lattice[(iy + 1) * n + ix],
        d = lattice[(iy + 1) * n + ix + 1];
      const top = a + (b - a) * tx;
      const bottom = c + (d - c) * tx;
      out[y * size + x] += weight * (top + (bottom - top) * ty);
    }
  }
}

function randomColour(rng: Random, sMin: number, sMax: number, vMin: number, vMax: number): Rgb {
  return hsv(rng.next(), rng.range(sMin, sMax), rng.range(vMin, vMax));
}

/** Two colours mixed by a linear gradient plus noise, the noise also tinting by a third colour. */
function paintBase(rng: Random, canvas: Canvas): void {
  const { size, rgb } = canvas;
  const a = randomColour(rng, 0.1, 0.7, 0.25, 0.95);
  const b = randomColour(rng, 0.1, 0.7, 0.25, 0.95);
  const tint = randomColour(rng, 0.2, 0.9, 0.2, 1);
  const angle = rng.range(0, 2 * Math.PI);
  const gx = Math.cos(angle) / size,
    gy = Math.sin(angle) / size;
  const gradientWeight = rng.range(0.2, 0.8);
  const mix = new Float32Array(size * size);
  const tintField = new Float32Array(size * size);
  valueNoise(rng, size, 3, mix, 0.5);
  valueNoise(rng, size, 6, mix, 0.3);
  valueNoise(rng, size, 12, mix, 0.2);
  valueNoise(rng, size, 4, tintField, 1);
  const tintStrength = rng.range(0, 0.5);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const g = 0.5 + (x - size / 2) * gx + (y - size / 2) * gy;
      const t = Math.min(1, Math.max(0, gradientWeight * g + (1 - gradientWeight) * mix[i]));
      const k = tintStrength * tintField[i];
      for (let c = 0; c < 3; c++) {
        const base = a[c] + (b[c] - a[c]) * t;
        rgb[3 * i + c] = base + (tint[c] - base) * k;
      }
    }
  }
}

/** Soft irregular blobs: a disc whose radius wobbles with the angle, feathered over ~2 px. */
function paintBlobs(rng: Random, canvas: Canvas, clutter: number): void {
  const { size } = canvas;
  const count = rng.intBetween(3, 8);
  for (let b = 0; b < count; b++) {
    const cx = rng.range(0, size),
      cy = rng.range(0, size);
    const r0 = rng.range(3, 10);
    const w2 = rng.range(0, 0.25),
      w3 = rng.range(0, 0.2);
    const p2 = rng.range(0, 2 * Math.PI),
      p3 = rng.range(0, 2 * Math.PI);
    const stretch = rng.range(0.6, 1);
    const turn = rng.range(0, Math.PI);
    const colour = randomColour(rng, 0, 1, 0.1, 1);
    const alpha = clutter * rng.range(0.3, 0.75);
    const feather = rng.range(1.5, 3);
    const reach = r0 * 1.5 + feather;
    const cos = Math.cos(turn),
      sin = Math.sin(turn);
    for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(size, Math.ceil(cy + reach)); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(size, Math.ceil(cx + reach)); x++) {
        const dx = x + 0.5 - cx,
          dy = y + 0.5 - cy;
        const u = dx * cos + dy * sin,
          v = (-dx * sin + dy * cos) / stretch;
        const theta = Math.atan2(v, u);
        const radius = r0 * (1 + w2 * Math.sin(2 * theta + p2) + w3 * Math.sin(3 * theta + p3));
        const d = Math.hypot(u, v) - radius;
        const a = alpha * Math.min(1, Math.max(0, 0.5 - d / feather));
        if (a > 0) blend(canvas, y * size + x, colour, a);
      }
    }
  }
}

/** Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax,
    vy = by - ay;
  const len2 = vx * vx + vy * vy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * vx + (py - ay) * vy) / len2)) : 0;
  const ex = px - ax - t * vx,
    ey = py - ay - t * vy;
  return ex * ex + ey * ey;
}

/** Quadratic Bézier strokes, 0.6–2.2 px wide, anti-aliased by distance. */
function paintStrokes(rng: Random, canvas: Canvas, clutter: number): void {
  const { size } = canvas;
  const count = rng.intBetween(4, 10);
  const SEGMENTS = 8;
  const distance2 = new Float32Array(size * size);
  for (let s = 0; s < count; s++) {
    const p0x = rng.range(-10, size + 10),
      p0y = rng.range(-10, size + 10);
    const length = rng.range(15, 70);
    const dir = rng.range(0, 2 * Math.PI);
    const p2x = p0x + length * Math.cos(dir),
      p2y = p0y + length * Math.sin(dir);
    const bend = rng.range(-0.6, 0.6) * length;
    const p1x = (p0x + p2x) / 2 - bend * Math.sin(dir),
      p1y = (p0y + p2y) / 2 + bend * Math.cos(dir);
    const points: number[] = [];
    for (let k = 0; k <= SEGMENTS; k++) {
      const t = k / SEGMENTS,
        u = 1 - t;
      points.push(u * u * p0x + 2 * u * t * p1x + t * t * p2x, u * u * p0y + 2 * u * t * p1y + t * t * p2y);
    }
    const half = rng.range(0.3, 1.1);
    const colour = randomColour(rng, 0, 1, 0, 1);
    const alpha = clutter * rng.range(0.4, 0.9);
    const pad = half + 1;
    const clampX = (v: number) => Math.min(size, Math.max(0, v));
    // Distance to the polyline: each segment only visits its own padded box.
    let x0 = size,
      x1 = 0,
      y0 = size,
      y1 = 0;
    for (let k = 0; k + 3 < points.length; k += 2) {
      const [ax, ay, bx, by] = [points[k], points[k + 1], points[k + 2], points[k + 3]];
      const sx0 = clampX(Math.floor(Math.min(ax, bx) - pad)),
        sx1 = clampX(Math.ceil(Math.max(ax, bx) + pad));
      const sy0 = clampX(Math.floor(Math.min(ay, by) - pad)),
        sy1 = clampX(Math.ceil(Math.max(ay, by) + pad));
      if (sx0 >= sx1 || sy0 >= sy1) continue;
      if (x0 >= x1) {
        x0 = sx0;
        x1 = sx1;
        y0 = sy0;
        y1 = sy1;
        for (let y = y0; y < y1; y++) distance2.fill(Infinity, y * size + x0, y * size + x1);
      } else {
        // Grow the stroke's box, clearing the newly covered pixels.
        const nx0 = Math.min(x0, sx0),
          nx1 = Math.max(x1, sx1),
          ny0 = Math.min(y0, sy0),
          ny1 = Math.max(y1, sy1);
        for (let y = ny0; y < ny1; y++) {
          if (y < y0 || y >= y1) distance2.fill(Infinity, y * size + nx0, y * size + nx1);
          else {
            distance2.fill(Infinity, y * size + nx0, y * size + x0);
            distance2.fill(Infinity, y * size + x1, y * size + nx1);
          }
        }
        x0 = nx0;
        x1 = nx1;
        y0 = ny0;
        y1 = ny1;
      }
      for (let y = sy0; y < sy1; y++) {
        for (let x = sx0; x < sx1; x++) {
          const i = y * size + x;
          const d2 = segmentDistance2(x + 0.5, y + 0.5, ax, ay, bx, by);
          if (d2 < distance2[i]) distance2[i] = d2;
        }
      }
    }
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * size + x;
        const a = alpha * Math.min(1, Math.max(0, half + 0.5 - Math.sqrt(distance2[i])));
        if (a > 0) blend(canvas, i, colour, a);
      }
    }
  }
}

/** Independent per-pixel, per-channel noise of ±amplitude. */
export function addGrain(rng: Random, canvas: Canvas, amplitude: number): void {
  const rgb = canvas.rgb;
  for (let i = 0; i < rgb.length; i++) rgb[i] += (rng.next() * 2 - 1) * amplitude;
}

/**
 * A fresh background drawn only from rng. `clutter` scales the opacity of blobs and strokes (1: the
 * scenes as specified, 0: gradient and noise only); it changes no random draw.
 */
export function paintBackground(rng: Random, size: number, clutter = 1): Canvas {
  const canvas: Canvas = { size, rgb: new Float32Array(size * size * 3) };
  paintBase(rng, canvas);
  paintBlobs(rng, canvas, clutter);
  paintStrokes(rng, canvas, clutter);
  return canvas;
}
