// Float64 references for data movement, written plainly with explicit index arithmetic.

export interface Nd {
  data: Float64Array;
  shape: number[];
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Calls f with every multi-index of shape, in row-major order. */
export function forEachIndex(shape: readonly number[], f: (idx: number[], flat: number) => void): void {
  const total = shape.reduce((n, d) => n * d, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

export function concatRef(xs: readonly Nd[], axis: number): Nd {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const out = new Float64Array(shape.reduce((n, d) => n * d, 1));
  const outStrides = stridesOf(shape);
  let start = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (idx, flat) => {
      let o = 0;
      idx.forEach((v, d) => (o += (d === axis ? v + start : v) * outStrides[d]));
      out[o] = x.data[flat];
    });
    start += x.shape[axis];
  }
  return { data: out, shape };
}

export function padRef(x: Nd, top: number, bottom: number, left: number, right: number, value: number): Nd {
  const [n, h, w, c] = x.shape;
  const shape = [n, h + top + bottom, w + left + right, c];
  const out = new Float64Array(shape.reduce((a, d) => a * d, 1)).fill(value);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * shape[1] + y + top) * shape[2] + xx + left) * c + ch] = x.data[((b * h + y) * w + xx) * c + ch];
  return { data: out, shape };
}

/** NHWC [N, H, W, C] flattened as PyTorch flattens the NCHW tensor: feature index c·H·W + h·W + w. */
export function flattenNchwRef(x: Nd): Nd {
  const [n, h, w, c] = x.shape;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[b * h * w * c + ch * h * w + y * w + xx] = x.data[((b * h + y) * w + xx) * c + ch];
  return { data: out, shape: [n, h * w * c] };
}
