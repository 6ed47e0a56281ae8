// Colours for the scenes, as RGB in [0, 255].

export type Rgb = [number, number, number];

/** HSV (h in [0, 1), s and v in [0, 1]) to RGB in [0, 255]. */
export function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const k = 255;
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v * k, t * k, p * k];
    case 1:
      return [q * k, v * k, p * k];
    case 2:
      return [p * k, v * k, t * k];
    case 3:
      return [p * k, q * k, v * k];
    case 4:
      return [t * k, p * k, v * k];
    default:
      return [v * k, p * k, q * k];
  }
}

/** Rec. 601 luma in [0, 255]. */
export function luma(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}
