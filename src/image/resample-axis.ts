// One-dimensional resampling weights and their separable application: the shared core of resizeRgb
// (bilinear or area per axis) and upsampleMap (bilinear).

/** Output sample i = Σ_k weights[i·taps + k] · source[first[i] + k], k < taps. */
export interface AxisWeights {
  readonly size: number;
  readonly taps: number;
  readonly first: Int32Array;
  readonly weights: Float64Array;
}

/**
 * Linear interpolation with half-pixel centres (align_corners = false): output i samples the source at
 * s = (i + 0.5)·in/out − 0.5, clamped to [0, in − 1] (so the border pixels extend outward, as in
 * TensorFlow's half_pixel_centers, PyTorch's align_corners=False and OpenCV's INTER_LINEAR).
 */
export function bilinearWeights(inSize: number, outSize: number): AxisWeights {
  const first = new Int32Array(outSize);
  const weights = new Float64Array(outSize * 2);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const x0 = Math.min(Math.floor(s), Math.max(inSize - 2, 0));
    const frac = s - x0;
    first[i] = x0;
    if (inSize === 1) {
      weights[i * 2] = 1;
    } else {
      weights[i * 2] = 1 - frac;
      weights[i * 2 + 1] = frac;
    }
  }
  return { size: outSize, taps: 2, first, weights };
}

/**
 * Area averaging: output i is the mean of the source over its footprint [i·r, (i + 1)·r), r = in/out,
 * each source pixel weighted by the length of its overlap (so fractional footprints are exact).
 */
export function areaWeights(inSize: number, outSize: number): AxisWeights {
  const r = inSize / outSize;
  const taps = Math.ceil(r) + 1;
  const first = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const lo = i * r;
    const hi = Math.min((i + 1) * r, inSize);
    const start = Math.floor(lo);
    first[i] = start;
    for (let k = 0; k < taps && start + k < inSize; k++) {
      const overlap = Math.min(hi, start + k + 1) - Math.max(lo, start + k);
      if (overlap > 0) weights[i * taps + k] = overlap / r;
    }
  }
  return { size: outSize, taps, first, weights };
}

/**
 * Applies x weights along rows and y weights along columns of a row-major (h × w × channels) array,
 * in float64; the x pass runs first. Taps past the source edge always carry weight 0.
 */
export function resample2d(src: ArrayLike<number>, w: number, h: number, channels: number, xw: AxisWeights, yw: AxisWeights): Float64Array {
  const outW = xw.size;
  const outH = yw.size;
  const rows = new Float64Array(h * outW * channels);
  for (let y = 0; y < h; y++) {
    const rowIn = y * w * channels;
    const rowOut = y * outW * channels;
    for (let i = 0; i < outW; i++) {
      const x0 = xw.first[i];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < xw.taps; k++) {
          const wk = xw.weights[i * xw.taps + k];
          if (wk !== 0) acc += wk * src[rowIn + (x0 + k) * channels + c];
        }
        rows[rowOut + i * channels + c] = acc;
      }
    }
  }
  const out = new Float64Array(outH * outW * channels);
  const stride = outW * channels;
  for (let j = 0; j < outH; j++) {
    const y0 = yw.first[j];
    for (let k = 0; k < yw.taps; k++) {
      const wk = yw.weights[j * yw.taps + k];
      if (wk === 0) continue;
      const from = (y0 + k) * stride;
      const to = j * stride;
      for (let q = 0; q < stride; q++) out[to + q] += wk * rows[from + q];
    }
  }
  return out;
}
