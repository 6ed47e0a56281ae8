// The sanity-check pictures: the paper's figure (Adebayo et al. 2018, Fig. 2: rows = methods,
// columns = the original model then each cascading randomisation step, one image) and the
// similarity curves per method along the cascade.
import { heatmapImage, upsampleMap, type ColormapName } from '../image/index.js';
import type { SanityResult } from '../metrics/sanity.js';
import { renderChart, type Panel } from './chart.js';
import { renderGrid, type GridCell } from './grid.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22', '#000000', '#aec7e8'];

const CELL_WIDTH = 150;
const two = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(2));

/**
 * Rows = methods, columns = original then each cascading step (labelled with the block randomised
 * last: it and every block above it are random); each map normalised to its own min-max.
 */
export function sanityFigure(result: SanityResult, colormap: ColormapName, subtitle: string[]): Uint8Array {
  const { width, height, columns, maps } = result.figure;
  const cellHeight = Math.round((CELL_WIDTH * height) / width);
  const cascade = result.steps.filter((s) => s.mode === 'cascading');
  const cells: GridCell[] = [];
  for (const method of result.methods) {
    for (const [c, map] of (maps[method] ?? []).entries()) {
      const score = c === 0 ? undefined : cascade[c - 1].scores[method]?.[0];
      const lines = [c === 0 ? method : `→ ${columns[c]}`, score ? `ρ ${two(score.rank)} SSIM ${two(score.ssim)}` : 'original weights'];
      const shown = upsampleMap(map, height, width, CELL_WIDTH, cellHeight);
      cells.push({ image: heatmapImage(shown, CELL_WIDTH, cellHeight, colormap), lines });
    }
  }
  return renderGrid({
    title: `Cascading randomisation: ${result.model}, image ${result.images[0].name}`,
    subtitle: [
      ...subtitle,
      'columns: original, then randomised from the logits down to the named block (cascading); ρ: Spearman rank correlation with the original',
    ],
    cells,
    columns: columns.length,
    colorbar: { colormap, low: 'map min', high: 'map max', caption: 'each map normalised to its own min-max' },
  });
}

/** Mean similarity over images at each cascading step, one series per method, one panel per measure. */
export function sanityCurves(result: SanityResult): Uint8Array {
  const cascade = result.steps.filter((s) => s.mode === 'cascading');
  const measures: { key: 'rank' | 'signedRank' | 'ssim' | 'hog'; title: string }[] = [
    { key: 'rank', title: 'Spearman rank correlation of the maps as drawn' },
    { key: 'signedRank', title: 'Spearman rank correlation of the signed maps' },
    { key: 'ssim', title: 'SSIM of the normalised maps' },
    { key: 'hog', title: 'HOG similarity (Pearson of HOG features)' },
  ];
  const panels: Panel[] = measures.map(({ key, title }) => ({
    title,
    yLabel: key === 'ssim' ? 'SSIM' : 'correlation',
    yRange: [-0.2, 1],
    series: result.methods.map((method, i) => ({
      name: method,
      color: PALETTE[i % PALETTE.length],
      values: [
        1,
        ...cascade.map((s) => {
          const values = (s.scores[method] ?? []).map((m) => m[key]).filter((v): v is number => v !== null && Number.isFinite(v));
          return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
        }),
      ],
    })),
  }));
  return renderChart({
    title: `Cascading randomisation from the logits down: ${result.model}`,
    subtitle: `mean over ${result.images.length} image${result.images.length > 1 ? 's' : ''}; original vs randomised`,
    xLabels: ['original', ...cascade.map((s) => s.block)],
    panels,
  });
}
