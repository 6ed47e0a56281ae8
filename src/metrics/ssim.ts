// Structural similarity (Wang et al. 2004) of two single-channel images, with scikit-image's
// structural_similarity defaults: a 7×7 uniform window, K1 = 0.01, K2 = 0.03, sample covariances
// (N − 1), the mean over the positions whose window lies inside the image (skimage crops a border of
// 3 after filtering, so its padding never reaches the mean). data_range is given, as skimage asks
// for float images.
import { ShapeError } from '../tensor/index.js';

export const SSIM_WINDOW = 7;

export function ssim(x: ArrayLike<number>, y: ArrayLike<number>, width: number, height: number, dataRange = 1): number {
  const w = SSIM_WINDOW;
  if (x.length !== width * height || y.length !== width * height || width < w || height < w) {
    throw new ShapeError('ssim', `two ${width}x${height} images of at least ${w}x${w}`, `${x.length} and ${y.length} values`);
  }
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  const np = w * w;
  const covNorm = np / (np - 1);
  const half = (w - 1) / 2;
  let total = 0;
  let count = 0;
  for (let r = half; r < height - half; r++) {
    for (let c = half; c < width - half; c++) {
      let sx = 0,
        sy = 0,
        sxx = 0,
        syy = 0,
        sxy = 0;
      for (let i = r - half; i <= r + half; i++) {
        for (let j = c - half; j <= c + half; j++) {
          const a = x[i * width + j],
            b = y[i * width + j];
          sx += a;
          sy += b;
          sxx += a * a;
          syy += b * b;
          sxy += a * b;
        }
      }
      const ux = sx / np,
        uy = sy / np;
      const vx = covNorm * (sxx / np - ux * ux);
      const vy = covNorm * (syy / np - uy * uy);
      const vxy = covNorm * (sxy / np - ux * uy);
      total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}
