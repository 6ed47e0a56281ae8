// Plain float64 references for the pointing game's geometry, written for the tests: bilinear
// upsampling with half-pixel centres (align_corners = false, samples clamped to the map's extent)
// and a row-major argmax.

/** Upsamples a row-major h × w map to height × width, in float64. */
export function upsampleReference(map: ArrayLike<number>, h: number, w: number, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height);
  const at = (y: number, x: number) => map[y * w + x];
  for (let oy = 0; oy < height; oy++) {
    const sy = Math.min(Math.max(((oy + 0.5) * h) / height - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = sy - y0;
    for (let ox = 0; ox < width; ox++) {
      const sx = Math.min(Math.max(((ox + 0.5) * w) / width - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = sx - x0;
      const top = at(y0, x0) * (1 - tx) + at(y0, x1) * tx;
      const bottom = at(y1, x0) * (1 - tx) + at(y1, x1) * tx;
      out[oy * width + ox] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** Index of the first maximum. */
export function argmaxReference(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
