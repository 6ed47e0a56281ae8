// The map-similarity measures of the sanity checks against reference implementations' values on fixed
// pairs: scikit-image 0.19.3 (Debian bookworm's python3-skimage) structural_similarity(x, y, data_range=1)
// and feature.hog with its defaults, scipy.stats.spearmanr; computed once with the snippet in each test's
// comment and pasted here. Tolerance 1e-9 (both sides float64; sin may differ in the last bit).
import { describe, expect, it } from 'vitest';
import { hog, hogSimilarity } from '../../src/metrics/hog.js';
import { pearson, ranks, spearman } from '../../src/metrics/rank-correlation.js';
import { ssim } from '../../src/metrics/ssim.js';

function grid(height: number, width: number, f: (i: number, j: number) => number): Float64Array {
  const out = new Float64Array(height * width);
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) out[i * width + j] = f(i, j);
  return out;
}

describe('rank correlation', () => {
  it('ties get their average rank; Spearman equals scipy.stats.spearmanr on a tied pair (1e-12)', () => {
    expect([...ranks([10, 20, 10, 30])]).toEqual([1.5, 3, 1.5, 4]);
    // spearmanr([3,1,4,1,5,9,2,6,5,3], [2,7,1,8,2,8,1,8,2,8]).correlation
    expect(spearman([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8])).toBeCloseTo(0.13471506281091267, 12);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBe(1);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
});

describe('SSIM (skimage structural_similarity, 7×7 uniform window, sample covariance)', () => {
  it('16×16 pair: equal to skimage (1e-9); identical images give exactly 1', () => {
    // i,j = meshgrid(arange(16), arange(16), indexing='ij'); x = ((7i+3j)%11)/10; y = ((5i+2j)%13)/12
    const x = grid(16, 16, (i, j) => ((i * 7 + j * 3) % 11) / 10);
    const y = grid(16, 16, (i, j) => ((i * 5 + j * 2) % 13) / 12);
    expect(Math.abs(ssim(x, y, 16, 16) - 0.014500607162161405)).toBeLessThan(1e-9);
    expect(ssim(x, x, 16, 16)).toBeCloseTo(1, 12);
  });

  it('32×40 pair: equal to skimage (1e-9)', () => {
    const { a, b } = pair32x40();
    expect(Math.abs(ssim(a, b, 40, 32) - 0.00950372458557422)).toBeLessThan(1e-9);
  });
});

// a = (sin(i/3)·cos(j/5) + 1)/2, b = ((i·j) % 17)/16 on a 32×40 grid (i rows)
function pair32x40(): { a: Float64Array; b: Float64Array } {
  return { a: grid(32, 40, (i, j) => (Math.sin(i / 3) * Math.cos(j / 5) + 1) / 2), b: grid(32, 40, (i, j) => ((i * j) % 17) / 16) };
}

describe('HOG (skimage feature.hog defaults: 9 orientations, 8×8 cells, 3×3 blocks, L2-Hys)', () => {
  // skimage sums each cell's histogram in a C float (cell_hog's `cdef float total`), ours in float64: 1e-6 relative.
  it('32×40: 486 features, first five and sums equal to skimage (1e-6 rel: its float32 cell sums); the similarity too', () => {
    const { a, b } = pair32x40();
    const ha = hog(a, 40, 32);
    const hb = hog(b, 40, 32);
    expect(ha.length).toBe(486);
    const close = (ours: number, theirs: number) => expect(Math.abs(ours - theirs)).toBeLessThan(1e-6 * Math.abs(theirs));
    [0.11071845600985143, 0.05240915056044677, 0.04336449148575832, 0.0593931144577006, 0.21497467359849948].forEach((v, k) => close(ha[k], v));
    close(
      ha.reduce((s, v) => s + v, 0),
      43.30595964364632,
    );
    close(
      hb.reduce((s, v) => s + v, 0),
      43.4462467867344,
    );
    close(hogSimilarity(a, b, 40, 32), 0.06962668180010435);
  });
});
