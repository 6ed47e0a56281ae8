// One synthetic scene: a cluttered background (background.ts) and exactly one object of one of the
// eight shape classes at a random position, scale, rotation and colour, with its ground-truth mask
// and box. Scene (seed, index) is a pure function of its arguments: the background, the class and
// the object each come from their own hashed random stream.
import { addGrain, blend, paintBackground, type Canvas } from './background.js';
import { SHAPE_CLASSES, type ShapeClass } from './classes.js';
import { hsv, luma, type Rgb } from './colour.js';
import { hashWords, Random } from './random.js';
import { shapeInside } from './shapes.js';

export const SCENE_SIZE = 96;

/**
 * Object radius range in pixels at 96×96 (the shape's unit disc), scaled with the scene size: the
 * smallest keeps a hexagon's corners ~2 px off a circle, the largest fits the scene with a margin.
 */
export const OBJECT_RADIUS = Object.freeze({ min: 14, max: 28 });

/** Stream ids for hashWords(seed, index, stream). */
const STREAM = { background: 1, label: 2, object: 3, grain: 4 } as const;

/** Pixel box, x1 and y1 exclusive. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Scene {
  size: number;
  /** RGB bytes, row-major HWC: exactly what the model sees (after its preprocessing). */
  pixels: Uint8Array;
  /** 1 where the object covers at least half the pixel, else 0; row-major. */
  mask: Uint8Array;
  /** Tight box around the mask. */
  box: Box;
  label: number;
  className: ShapeClass;
  /** Object centre in pixel coordinates (pixel centres at +0.5), radius in pixels, rotation in radians. */
  centre: [number, number];
  radius: number;
  rotation: number;
  colour: Rgb;
}

export interface SceneOptions {
  /** Force the class (e.g. for examples); default: drawn from the scene's label stream. */
  label?: number;
  size?: number;
  /** Opacity of the background's blobs and strokes, 0–1 (default 1, the scenes as specified). */
  clutter?: number;
}

/** The class scene (seed, index) gets when none is forced: uniform over the eight. */
export function sceneLabel(seed: number, index: number): number {
  return hashWords(seed, index, STREAM.label) % SHAPE_CLASSES.length;
}

/** The background of scene (seed, index) alone, as float RGB; the scene paints its object over it. */
export function sceneBackground(seed: number, index: number, size = SCENE_SIZE, clutter = 1): Canvas {
  return paintBackground(new Random(hashWords(seed, index, STREAM.background)), size, clutter);
}

/** Mean luma of the canvas over the disc (cx, cy, r). */
function meanLumaInDisc(canvas: Canvas, cx: number, cy: number, r: number): number {
  const { size, rgb } = canvas;
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(size, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(size, Math.ceil(cx + r)); x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r) continue;
      const o = 3 * (y * size + x);
      sum += luma([rgb[o], rgb[o + 1], rgb[o + 2]]);
      n++;
    }
  }
  return n > 0 ? sum / n : 128;
}

/** A colour whose luma differs from the background's by at least 70, so the object never melts in. */
function objectColour(rng: Random, backgroundLuma: number): Rgb {
  for (let attempt = 0; attempt < 16; attempt++) {
    const c = hsv(rng.next(), rng.range(0.3, 1), rng.range(0.15, 1));
    if (Math.abs(luma(c) - backgroundLuma) >= 70) return c;
  }
  return backgroundLuma > 128 ? [20, 20, 20] : [235, 235, 235];
}

/** Sub-pixel offsets for coverage (3×3 per pixel). */
const SUBSAMPLES = [1 / 6, 1 / 2, 5 / 6];

export function renderScene(seed: number, index: number, options: SceneOptions = {}): Scene {
  const size = options.size ?? SCENE_SIZE;
  const label = options.label ?? sceneLabel(seed, index);
  const inside = shapeInside(label);
  const canvas = sceneBackground(seed, index, size, options.clutter ?? 1);
  const rng = new Random(hashWords(seed, index, STREAM.object));

  const scale = size / SCENE_SIZE;
  const radius = rng.range(OBJECT_RADIUS.min * scale, OBJECT_RADIUS.max * scale);
  const rotation = rng.range(0, 2 * Math.PI);
  const cx = rng.range(radius + 1, size - radius - 1);
  const cy = rng.range(radius + 1, size - radius - 1);
  const colour = objectColour(rng, meanLumaInDisc(canvas, cx, cy, radius));
  // A gentle linear shading across the object, so it is not a flat stencil.
  const shadeAngle = rng.range(0, 2 * Math.PI);
  const shadeAmount = rng.range(0, 0.25) / radius;
  const shadeX = Math.cos(shadeAngle) * shadeAmount,
    shadeY = Math.sin(shadeAngle) * shadeAmount;

  const cos = Math.cos(rotation),
    sin = Math.sin(rotation);
  // Rotate a point back into the shape's frame, then scale to the unit disc.
  const covers = (px: number, py: number) => {
    const dx = px - cx,
      dy = py - cy;
    return inside((dx * cos + dy * sin) / radius, (-dx * sin + dy * cos) / radius);
  };
  const x0 = Math.max(0, Math.floor(cx - radius - 1)),
    x1 = Math.min(size, Math.ceil(cx + radius + 1));
  const y0 = Math.max(0, Math.floor(cy - radius - 1)),
    y1 = Math.min(size, Math.ceil(cy + radius + 1));
  // Pixel corners first: a pixel whose four corners and centre agree is taken as wholly in or out
  // (no feature of a shape at these radii is thinner than a pixel), the others are supersampled.
  const cornerWidth = x1 - x0 + 1;
  const corner = new Uint8Array(cornerWidth * (y1 - y0 + 1));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) corner[(y - y0) * cornerWidth + x - x0] = covers(x, y) ? 1 : 0;

  const mask = new Uint8Array(size * size);
  const box: Box = { x0: size, y0: size, x1: 0, y1: 0 };
  const shaded: Rgb = [0, 0, 0];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const k = (y - y0) * cornerWidth + x - x0;
      const corners = corner[k] + corner[k + 1] + corner[k + cornerWidth] + corner[k + cornerWidth + 1];
      const centre = covers(x + 0.5, y + 0.5) ? 1 : 0;
      let coverage: number;
      if (corners === 4 * centre) {
        coverage = centre;
      } else {
        let hits = 0;
        for (const oy of SUBSAMPLES) for (const ox of SUBSAMPLES) if (covers(x + ox, y + oy)) hits++;
        coverage = hits / SUBSAMPLES.length ** 2;
      }
      if (coverage === 0) continue;
      const i = y * size + x;
      const shade = 1 + (x + 0.5 - cx) * shadeX + (y + 0.5 - cy) * shadeY;
      for (let c = 0; c < 3; c++) shaded[c] = colour[c] * shade;
      blend(canvas, i, shaded, coverage);
      if (coverage >= 0.5) {
        mask[i] = 1;
        box.x0 = Math.min(box.x0, x);
        box.y0 = Math.min(box.y0, y);
        box.x1 = Math.max(box.x1, x + 1);
        box.y1 = Math.max(box.y1, y + 1);
      }
    }
  }
  addGrain(new Random(hashWords(seed, index, STREAM.grain)), canvas, 6);

  const pixels = new Uint8Array(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(255, Math.max(0, Math.round(canvas.rgb[i])));
  return { size, pixels, mask, box, label, className: SHAPE_CLASSES[label], centre: [cx, cy], radius, rotation, colour };
}
