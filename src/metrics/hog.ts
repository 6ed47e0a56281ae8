// Histogram of oriented gradients of a single-channel image, as scikit-image's feature.hog with its
// defaults (9 unsigned orientations, 8×8-pixel cells, 3×3-cell blocks, L2-Hys), and the HOG
// similarity of Adebayo et al. 2018: the Pearson correlation of two images' HOG vectors.
import { ShapeError } from '../tensor/index.js';
import { pearson } from './rank-correlation.js';

export const HOG_ORIENTATIONS = 9;
export const HOG_CELL = 8;
export const HOG_BLOCK = 3;
const EPS = 1e-5;

export function hog(image: ArrayLike<number>, width: number, height: number): Float64Array {
  const cellsY = Math.floor(height / HOG_CELL),
    cellsX = Math.floor(width / HOG_CELL);
  if (image.length !== width * height || cellsY < HOG_BLOCK || cellsX < HOG_BLOCK) {
    throw new ShapeError('hog', `a ${width}x${height} image of at least ${HOG_CELL * HOG_BLOCK} pixels each way`, `${image.length} values`);
  }
  // Central differences inside, 0 on the first and last row/column (skimage's _hog_channel_gradient).
  const hist = new Float64Array(cellsY * cellsX * HOG_ORIENTATIONS);
  const binWidth = 180 / HOG_ORIENTATIONS;
  for (let y = 0; y < cellsY * HOG_CELL; y++) {
    for (let x = 0; x < cellsX * HOG_CELL; x++) {
      const gr = y === 0 || y === height - 1 ? 0 : image[(y + 1) * width + x] - image[(y - 1) * width + x];
      const gc = x === 0 || x === width - 1 ? 0 : image[y * width + x + 1] - image[y * width + x - 1];
      const magnitude = Math.hypot(gr, gc);
      // Degrees in [0, 180), as numpy's rad2deg(arctan2(g_row, g_col)) % 180.
      const angle = ((((Math.atan2(gr, gc) * 180) / Math.PI) % 180) + 180) % 180;
      const bin = Math.min(HOG_ORIENTATIONS - 1, Math.floor(angle / binWidth));
      const cell = Math.floor(y / HOG_CELL) * cellsX + Math.floor(x / HOG_CELL);
      hist[cell * HOG_ORIENTATIONS + bin] += magnitude / (HOG_CELL * HOG_CELL);
    }
  }
  const blocksY = cellsY - HOG_BLOCK + 1,
    blocksX = cellsX - HOG_BLOCK + 1;
  const blockLength = HOG_BLOCK * HOG_BLOCK * HOG_ORIENTATIONS;
  const out = new Float64Array(blocksY * blocksX * blockLength);
  const block = new Float64Array(blockLength);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let k = 0;
      for (let cy = by; cy < by + HOG_BLOCK; cy++) {
        for (let cx = bx; cx < bx + HOG_BLOCK; cx++) {
          for (let o = 0; o < HOG_ORIENTATIONS; o++) block[k++] = hist[(cy * cellsX + cx) * HOG_ORIENTATIONS + o];
        }
      }
      // L2-Hys: L2-normalise, clip at 0.2, L2-normalise again.
      let norm = Math.sqrt(block.reduce((s, v) => s + v * v, 0) + EPS * EPS);
      for (let i = 0; i < blockLength; i++) block[i] = Math.min(block[i] / norm, 0.2);
      norm = Math.sqrt(block.reduce((s, v) => s + v * v, 0) + EPS * EPS);
      const offset = (by * blocksX + bx) * blockLength;
      for (let i = 0; i < blockLength; i++) out[offset + i] = block[i] / norm;
    }
  }
  return out;
}

/** Pearson correlation of the two images' HOG features (NaN when either is constant). */
export function hogSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  return pearson(hog(a, width, height), hog(b, width, height));
}
