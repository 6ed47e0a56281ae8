// Plain float64 references for resizing, written for the tests as dense sums over 1-D kernels (a
// different formulation from the tap tables in src/image/resample-axis.ts).

/** Weight of source sample j in output i for bilinear with half-pixel centres: the hat 1 − |s − j|. */
export function hatWeight(inSize: number, outSize: number, i: number, j: number): number {
  const s = Math.min(Math.max(((i + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
  return Math.max(0, 1 - Math.abs(s - j));
}

/** Weight of source sample j in output i for area averaging: |[j, j+1) ∩ [i·r, (i+1)·r)| / r. */
export function boxWeight(inSize: number, outSize: number, i: number, j: number): number {
  const r = inSize / outSize;
  const overlap = Math.min(j + 1, (i + 1) * r) - Math.max(j, i * r);
  return overlap > 0 ? overlap / r : 0;
}

export type Kernel = (inSize: number, outSize: number, i: number, j: number) => number;

/** out[y][x][c] = Σ_{sy, sx} ky(y, sy) · kx(x, sx) · src[sy][sx][c], in float64, not rounded. */
export function resizeReference(
  src: ArrayLike<number>,
  w: number,
  h: number,
  channels: number,
  outW: number,
  outH: number,
  kx: Kernel,
  ky: Kernel,
): Float64Array {
  const out = new Float64Array(outW * outH * channels);
  // Only a window around the footprint can have non-zero weight; the kernels themselves decide.
  const win = (i: number, inSize: number, outSize: number) => {
    const r = inSize / outSize;
    return [Math.max(0, Math.floor(i * r) - 2), Math.min(inSize - 1, Math.ceil((i + 1) * r) + 2)];
  };
  for (let y = 0; y < outH; y++) {
    const [y0, y1] = win(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const [x0, x1] = win(x, w, outW);
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let sy = y0; sy <= y1; sy++) {
          const wy = ky(h, outH, y, sy);
          if (wy === 0) continue;
          for (let sx = x0; sx <= x1; sx++) acc += wy * kx(w, outW, x, sx) * src[(sy * w + sx) * channels + c];
        }
        out[(y * outW + x) * channels + c] = acc;
      }
    }
  }
  return out;
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing case can be reproduced. */
export function seededBytes(n: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}
