// A labelled grid of equally sized pictures as one PNG: a title block, the cells in reading order
// with their label lines underneath, optionally grouped (cells of one group share a frame, e.g. a
// branch map beside its post-Add map), and a colour bar saying what the colours mean.
import { colormap, type ColormapName, type RgbImage } from '../image/index.js';
import { drawRgb, encodePngCanvas, fitText, font, surface } from './canvas.js';

export interface GridCell {
  image: RgbImage;
  /** Label lines under the picture: the first in bold (the node name). */
  lines: string[];
  /** Draws the label in red: the map needs the reader's attention (all-zero, a warning). */
  flagged?: boolean;
}

export interface Colorbar {
  colormap: ColormapName;
  /** Text at the low and high ends. */
  low: string;
  high: string;
  caption: string;
}

export interface GridSpec {
  title: string;
  /** Lines under the title (model, class, normalisation). */
  subtitle?: string[];
  cells: GridCell[];
  /** Cells per row. */
  columns: number;
  /** Consecutive cells drawn as one framed group (default 1: no frames). Columns must be a multiple of it. */
  groupSize?: number;
  colorbar?: Colorbar;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GridLayout {
  width: number;
  height: number;
  /** Where each cell's picture is drawn. */
  cells: Rect[];
  /** The label box under each picture. */
  labels: Rect[];
  colorbar?: Rect;
}

const MARGIN = 14;
const GAP = 8;
const GROUP_GAP = 22;
const TITLE_PX = 18;
const SUBTITLE_PX = 13;
const LABEL_PX = 12;
const LINE = 1.35;
const COLORBAR = { width: 256, height: 12 };
/** Text never widens the picture beyond this. */
const MAX_WIDTH = 1600;

/** Where everything goes; every cell must have the first cell's size. */
export function gridLayout(spec: GridSpec): GridLayout {
  const { cells, columns } = spec;
  if (cells.length === 0) throw new Error('grid: no cells to draw');
  const group = spec.groupSize ?? 1;
  if (!Number.isInteger(columns) || columns < 1 || columns % group !== 0)
    throw new RangeError(`grid: ${columns} columns is not a positive multiple of the group size ${group}`);
  const { width: cw, height: ch } = cells[0].image;
  for (const c of cells) {
    if (c.image.width !== cw || c.image.height !== ch) throw new RangeError(`grid: every cell must be ${cw}×${ch}, given ${c.image.width}×${c.image.height}`);
  }
  const lines = Math.max(...cells.map((c) => c.lines.length));
  const labelHeight = Math.ceil(lines * LABEL_PX * LINE) + 6;
  const top = MARGIN + Math.ceil(TITLE_PX * LINE) + Math.ceil((spec.subtitle?.length ?? 0) * SUBTITLE_PX * LINE) + GAP;
  const groupsPerRow = columns / group;
  const rowWidth = columns * cw + (columns - groupsPerRow) * GAP + (groupsPerRow - 1) * GROUP_GAP;
  const rows = Math.ceil(cells.length / columns);
  const rowHeight = ch + labelHeight + GAP;
  const out: Rect[] = [];
  const labels: Rect[] = [];
  cells.forEach((_, i) => {
    const row = Math.floor(i / columns),
      col = i % columns;
    const g = Math.floor(col / group);
    const x = MARGIN + col * cw + (col - g) * GAP + g * GROUP_GAP;
    const y = top + row * (rowHeight + (group > 1 ? GAP : 0));
    out.push({ x, y, width: cw, height: ch });
    labels.push({ x, y: y + ch + 3, width: cw, height: labelHeight - 3 });
  });
  let height = top + rows * (rowHeight + (group > 1 ? GAP : 0));
  let colorbar: Rect | undefined;
  if (spec.colorbar) {
    colorbar = { x: MARGIN, y: height + GAP, width: COLORBAR.width, height: COLORBAR.height };
    height = colorbar.y + COLORBAR.height + Math.ceil(LABEL_PX * LINE) * 2 + GAP;
  }
  const width = Math.max(MARGIN * 2 + rowWidth, MARGIN * 2 + COLORBAR.width + 120);
  return { width, height: height + MARGIN, cells: out, labels, colorbar };
}

function drawColorbar(ctx: ReturnType<typeof surface>['ctx'], bar: Colorbar, at: Rect): void {
  const lut = colormap(bar.colormap);
  for (let x = 0; x < at.width; x++) {
    const [r, g, b] = lut(x / (at.width - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(at.x + x, at.y, 1, at.height);
  }
  ctx.strokeStyle = '#444444';
  ctx.lineWidth = 1;
  ctx.strokeRect(at.x + 0.5, at.y + 0.5, at.width - 1, at.height - 1);
  ctx.fillStyle = '#222222';
  ctx.font = font(LABEL_PX);
  ctx.textBaseline = 'top';
  const below = at.y + at.height + 3;
  ctx.textAlign = 'left';
  ctx.fillText(bar.low, at.x, below);
  ctx.textAlign = 'right';
  ctx.fillText(bar.high, at.x + at.width, below);
  ctx.textAlign = 'left';
  ctx.fillText(bar.caption, at.x + at.width + 12, at.y);
}

/** The grid as PNG bytes. */
export function renderGrid(spec: GridSpec): Uint8Array {
  const layout = gridLayout(spec);
  // Widen a narrow grid (one or two cells) so that the title and the colour-bar caption fit.
  const { ctx: measure } = surface(1, 1);
  measure.font = font(TITLE_PX, 'bold');
  let text = measure.measureText(spec.title).width;
  measure.font = font(SUBTITLE_PX);
  for (const line of spec.subtitle ?? []) text = Math.max(text, measure.measureText(line).width);
  measure.font = font(LABEL_PX);
  if (spec.colorbar) text = Math.max(text, COLORBAR.width + 12 + measure.measureText(spec.colorbar.caption).width);
  layout.width = Math.max(layout.width, Math.min(MAX_WIDTH, Math.ceil(text) + 2 * MARGIN));
  const s = surface(layout.width, layout.height);
  const { ctx } = s;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillStyle = '#111111';
  ctx.font = font(TITLE_PX, 'bold');
  ctx.fillText(fitText(ctx, spec.title, layout.width - 2 * MARGIN), MARGIN, MARGIN);
  ctx.font = font(SUBTITLE_PX);
  ctx.fillStyle = '#333333';
  (spec.subtitle ?? []).forEach((line, i) => {
    ctx.fillText(fitText(ctx, line, layout.width - 2 * MARGIN), MARGIN, MARGIN + Math.ceil(TITLE_PX * LINE) + i * SUBTITLE_PX * LINE);
  });

  const group = spec.groupSize ?? 1;
  if (group > 1) {
    for (let i = 0; i < spec.cells.length; i += group) {
      const first = layout.cells[i],
        last = layout.cells[Math.min(i + group, spec.cells.length) - 1];
      const label = layout.labels[i];
      ctx.fillStyle = '#eef0f4';
      ctx.fillRect(first.x - 5, first.y - 5, last.x + last.width - first.x + 10, label.y + label.height - first.y + 8);
    }
  }
  spec.cells.forEach((cell, i) => {
    const at = layout.cells[i];
    drawRgb(s, cell.image, at.x, at.y);
    const label = layout.labels[i];
    cell.lines.forEach((line, k) => {
      ctx.font = font(LABEL_PX, k === 0 ? 'bold' : 'normal');
      ctx.fillStyle = cell.flagged ? '#b00020' : k === 0 ? '#111111' : '#444444';
      ctx.fillText(fitText(ctx, line, label.width), label.x, label.y + k * LABEL_PX * LINE);
    });
  });
  if (spec.colorbar && layout.colorbar) drawColorbar(ctx, spec.colorbar, layout.colorbar);
  return encodePngCanvas(s);
}
