// Synthetic scenes: determinism, mask and box geometry, and that the background carries no class
// information. References: closed-form shape areas,
// an independently computed tight box, and a nearest-centroid classifier as the "simple statistic".
import { describe, expect, it } from 'vitest';
import { renderScene, sceneLabel, SCENE_SIZE, type Scene } from '../../src/data/scenes.js';
import { sceneBatch } from '../../src/data/batch.js';
import { SHAPE_CLASSES } from '../../src/data/classes.js';
import { HEART_HALF_DIAGONAL, RING_INNER, STAR_INNER } from '../../src/data/shapes.js';

/** Shape areas in units of radius², in closed form. */
const UNIT_AREA: Record<string, number> = {
  circle: Math.PI,
  square: 1.5 * 1.5,
  triangle: (3 * Math.sqrt(3)) / 4,
  star: 5 * STAR_INNER * Math.sin(Math.PI / 5),
  cross: 2 * 0.6 * 1.9 - 0.6 * 0.6,
  ring: Math.PI * (1 - RING_INNER * RING_INNER),
  hexagon: (3 * Math.sqrt(3)) / 2,
  // A square of half-diagonal d (area 2d²) plus the outer halves of two discs of radius d/√2.
  heart: (2 + Math.PI / 2) * HEART_HALF_DIAGONAL * HEART_HALF_DIAGONAL,
};

function maskArea(s: Scene): number {
  let a = 0;
  for (const m of s.mask) a += m;
  return a;
}

function dilate(mask: Uint8Array, size: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (!mask[y * size + x]) continue;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy,
            xx = x + dx;
          if (yy >= 0 && yy < size && xx >= 0 && xx < size) out[yy * size + xx] = 1;
        }
    }
  return out;
}

describe('scenes: determinism', () => {
  it('the same (seed, index) gives byte-identical pixels, mask and box; another seed gives another scene', () => {
    for (const index of [0, 1, 17, 123456]) {
      const a = renderScene(42, index),
        b = renderScene(42, index);
      expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
      expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
      expect(a.box).toEqual(b.box);
      expect(a.label).toBe(b.label);
      const c = renderScene(43, index);
      expect(Buffer.from(a.pixels).equals(Buffer.from(c.pixels))).toBe(false);
    }
  });

  it('a batch holds exactly the scenes rendered one by one (tf preprocessing x/127.5 − 1, exact in float32)', () => {
    const batch = sceneBatch(7, 10, 3);
    expect(batch.inputs.length).toBe(3 * SCENE_SIZE * SCENE_SIZE * 3);
    for (let n = 0; n < 3; n++) {
      const s = renderScene(7, 10 + n);
      expect(batch.labels[n]).toBe(s.label);
      expect(Array.from(batch.oneHot.subarray(n * 8, n * 8 + 8))).toEqual(SHAPE_CLASSES.map((_, k) => (k === s.label ? 1 : 0)));
      const base = n * SCENE_SIZE * SCENE_SIZE * 3;
      for (let i = 0; i < s.pixels.length; i += 97) expect(batch.inputs[base + i]).toBe(Math.fround(s.pixels[i] / 127.5 - 1));
    }
  });

  it('labels are uniform over the eight classes (2,400 scenes, each class within 12.5 % ± 3 %, > 5 standard deviations)', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 2400; i++) counts[sceneLabel(3, i)]++;
    for (const c of counts) expect(Math.abs(c / 2400 - 0.125)).toBeLessThan(0.03);
  });
});

describe('scenes: mask and box', () => {
  it('the mask area matches the shape area radius²·A within 5 % (A in closed form)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 160; i++) {
      const s = renderScene(5, i, { label: i % 8 });
      const unit = UNIT_AREA[s.className];
      const expected = unit * s.radius * s.radius;
      expect(Math.abs(maskArea(s) - expected) / expected, `${s.className} r=${s.radius.toFixed(1)}`).toBeLessThan(0.05);
      seen.add(s.className);
    }
    expect(seen.size).toBe(8);
  });

  it('the box is the tight box of the mask, lies inside the image, and the object is whole (no mask on the border)', () => {
    for (let i = 0; i < 100; i++) {
      const s = renderScene(9, i);
      let x0 = s.size,
        y0 = s.size,
        x1 = 0,
        y1 = 0;
      for (let y = 0; y < s.size; y++)
        for (let x = 0; x < s.size; x++) {
          if (!s.mask[y * s.size + x]) continue;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        }
      expect(s.box).toEqual({ x0, y0, x1, y1 });
      expect(x0).toBeGreaterThan(0);
      expect(y0).toBeGreaterThan(0);
      expect(x1).toBeLessThan(s.size);
      expect(y1).toBeLessThan(s.size);
    }
  });

  it('the object stands out: mean |luma(object) − luma(ring around it)| ≥ 40 over 100 scenes', () => {
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const s = renderScene(11, i);
      const around = dilate(s.mask, s.size, 4);
      const rim = dilate(s.mask, s.size, 1);
      let inSum = 0,
        inN = 0,
        outSum = 0,
        outN = 0;
      for (let p = 0; p < s.size * s.size; p++) {
        const l = 0.299 * s.pixels[3 * p] + 0.587 * s.pixels[3 * p + 1] + 0.114 * s.pixels[3 * p + 2];
        if (s.mask[p]) {
          inSum += l;
          inN++;
        } else if (around[p] && !rim[p]) {
          outSum += l;
          outN++;
        }
      }
      total += Math.abs(inSum / inN - outSum / outN);
    }
    expect(total / 100).toBeGreaterThanOrEqual(40);
  });

  it('scales to other sizes: a 32×32 scene still holds a whole object', () => {
    const s = renderScene(1, 2, { size: 32 });
    expect(s.pixels.length).toBe(32 * 32 * 3);
    expect(maskArea(s)).toBeGreaterThan(20);
    expect(s.box.x0).toBeGreaterThan(0);
    expect(s.box.x1).toBeLessThan(32);
  });
});

describe('scenes: the background does not predict the class', () => {
  it('forcing another class changes no pixel outside the two objects (background, grain and placement are class-blind)', () => {
    for (let i = 0; i < 20; i++) {
      const a = renderScene(21, i, { label: i % 8 });
      const b = renderScene(21, i, { label: (i + 3) % 8 });
      // Pixels partly covered (coverage < ½) lie within 1 px of a mask.
      const near = [dilate(a.mask, a.size, 1), dilate(b.mask, b.size, 1)];
      let differing = 0,
        compared = 0;
      for (let p = 0; p < a.size * a.size; p++) {
        if (near[0][p] || near[1][p]) continue;
        compared++;
        for (let c = 0; c < 3; c++) if (a.pixels[3 * p + c] !== b.pixels[3 * p + c]) differing++;
      }
      expect(differing, `scene ${i}: pixel values differing outside the objects`).toBe(0);
      expect(compared).toBeGreaterThan(a.size * a.size * 0.5);
    }
  });

  /** Standardised nearest-centroid classifier: accuracy on `test` after fitting centroids on `train`. */
  function nearestCentroidAccuracy(train: { f: number[]; y: number }[], test: { f: number[]; y: number }[]): number {
    const d = train[0].f.length;
    const mean = new Array(d).fill(0),
      sd = new Array(d).fill(0);
    for (const s of train) s.f.forEach((v, k) => (mean[k] += v / train.length));
    for (const s of train) s.f.forEach((v, k) => (sd[k] += (v - mean[k]) ** 2 / train.length));
    const z = (f: number[]) => f.map((v, k) => (v - mean[k]) / (Math.sqrt(sd[k]) || 1));
    const centroids = Array.from({ length: 8 }, () => ({ sum: new Array(d).fill(0), n: 0 }));
    for (const s of train) {
      const c = centroids[s.y];
      z(s.f).forEach((v, k) => (c.sum[k] += v));
      c.n++;
    }
    let correct = 0;
    for (const s of test) {
      const f = z(s.f);
      let best = -1,
        bestD = Infinity;
      centroids.forEach((c, y) => {
        const dist = c.sum.reduce((acc, v, k) => acc + (v / c.n - f[k]) ** 2, 0);
        if (dist < bestD) {
          bestD = dist;
          best = y;
        }
      });
      if (best === s.y) correct++;
    }
    return correct / test.length;
  }

  /** Colour mean and spread, gradient energy and darkness of the pixels more than 2 px from the object. */
  function backgroundFeatures(s: Scene): number[] {
    const away = dilate(s.mask, s.size, 2);
    const sum = [0, 0, 0],
      sq = [0, 0, 0];
    let n = 0,
      grad = 0,
      dark = 0;
    for (let y = 0; y < s.size; y++)
      for (let x = 0; x < s.size - 1; x++) {
        const p = y * s.size + x;
        if (away[p] || away[p + 1]) continue;
        n++;
        for (let c = 0; c < 3; c++) {
          const v = s.pixels[3 * p + c];
          sum[c] += v;
          sq[c] += v * v;
          grad += Math.abs(v - s.pixels[3 * p + 3 + c]);
        }
        if (s.pixels[3 * p] + s.pixels[3 * p + 1] + s.pixels[3 * p + 2] < 150) dark++;
      }
    const m = sum.map((v) => v / n);
    return [...m, ...sq.map((v, c) => Math.sqrt(v / n - m[c] * m[c])), grad / n, dark / n];
  }

  /** Shape statistics of the mask: fill of the box, aspect, boundary length per √area (the positive control). */
  function maskFeatures(s: Scene): number[] {
    const area = maskArea(s);
    let boundary = 0;
    for (let y = 0; y < s.size; y++) for (let x = 0; x < s.size - 1; x++) boundary += Number(s.mask[y * s.size + x] !== s.mask[y * s.size + x + 1]);
    const w = s.box.x1 - s.box.x0,
      h = s.box.y1 - s.box.y0;
    return [area / (w * h), Math.max(w, h) / Math.min(w, h), boundary / Math.sqrt(area)];
  }

  it(
    'nearest centroid on background statistics is at chance (1,000 fitted, 600 held out: accuracy < 20 %, ' +
      'chance 12.5 %, sd ≈ 1.4 %), while the same classifier on mask statistics is not (> 50 %)',
    () => {
      const scenes = Array.from({ length: 1600 }, (_, i) => renderScene(31, i));
      const bg = scenes.map((s) => ({ f: backgroundFeatures(s), y: s.label }));
      const shape = scenes.map((s) => ({ f: maskFeatures(s), y: s.label }));
      const bgAccuracy = nearestCentroidAccuracy(bg.slice(0, 1000), bg.slice(1000));
      const shapeAccuracy = nearestCentroidAccuracy(shape.slice(0, 1000), shape.slice(1000));
      expect(bgAccuracy).toBeLessThan(0.2);
      expect(shapeAccuracy).toBeGreaterThan(0.5);
    },
  );
});
