// The evolution grid: one overlay per node in network order, each labelled with the node's name,
// shape and (when not ok) status, per-map or shared normalisation, and a colour bar saying which.
import type { ColormapName, RgbImage } from '../image/index.js';
import type { EvolutionResult } from '../analyses/evolution.js';
import { renderGrid, type GridCell } from './grid.js';
import { formatCell } from './html.js';
import { cellSize, mapOverlay, sharedRange } from './overlay-cell.js';

export interface EvolutionFigureOptions {
  colormap: ColormapName;
  alpha: number;
  /** One range for every map (magnitudes comparable) instead of each map's own min-max. */
  sharedScale: boolean;
  /** Cell width in pixels (default 200). */
  cellWidth?: number;
  /** Cells per row (default: a near-square grid, at most 6). */
  columns?: number;
  title: string;
  subtitle: string[];
}

const METHOD_WORDS: Record<EvolutionResult['method'], string> = {
  gradcam: 'Grad-CAM',
  layercam: 'LayerCAM',
  activation: 'mean activation over channels (not class-specific)',
};

export function evolutionMethodWords(method: EvolutionResult['method']): string {
  return METHOD_WORDS[method];
}

export function shapeText(shape: readonly number[]): string {
  return shape.slice(1).join('×');
}

/** The grid cells: overlays at cell size and their labels. */
export function evolutionCells(result: EvolutionResult, original: RgbImage, o: EvolutionFigureOptions): GridCell[] {
  const size = cellSize(original, o.cellWidth ?? 200);
  const range = o.sharedScale ? sharedRange(result.maps.map((m) => m.map)) : undefined;
  return result.maps.map((m) => {
    const lines = [m.target, `${shapeText(m.shape)}  ${m.role}`, `range ${formatCell(m.min)} … ${formatCell(m.max)}`];
    if (m.status !== 'ok') lines.push(`status: ${m.status}`);
    return { image: mapOverlay(original, m.map, size, { colormap: o.colormap, alpha: o.alpha, range }), lines, flagged: m.status !== 'ok' };
  });
}

/** The grid as PNG bytes. */
export function evolutionGrid(result: EvolutionResult, original: RgbImage, o: EvolutionFigureOptions): Uint8Array {
  const cells = evolutionCells(result, original, o);
  const columns = o.columns ?? Math.min(6, Math.ceil(Math.sqrt(cells.length)));
  const range = sharedRange(result.maps.map((m) => m.map));
  const colorbar = o.sharedScale
    ? { colormap: o.colormap, low: formatCell(range.min), high: formatCell(range.max), caption: 'one scale shared by every map: colours compare across cells' }
    : { colormap: o.colormap, low: 'map min', high: 'map max', caption: 'each map normalised to its own min-max: compare where, not how much' };
  return renderGrid({ title: o.title, subtitle: o.subtitle, cells, columns, colorbar });
}
