// Gradient-flow pictures: the chart of gradient norms along depth (shortcut part, branch part,
// total; dashed for the pass with scaled shortcuts) with the branch share and the cosine of the two
// parts below it; and, per residual block, Grad-CAM at the branch's last conv beside Grad-CAM at
// the post-Add node — the branch alone is not what the block outputs.
import type { ColormapName, RgbImage } from '../image/index.js';
import type { BlockCam, FlowStats, GradflowResult } from '../analyses/gradflow.js';
import { renderChart, type Series } from './chart.js';
import { renderGrid, type GridCell } from './grid.js';
import { formatCell } from './html.js';
import { cellSize, mapOverlay } from './overlay-cell.js';
import { shapeText } from './evolution-figure.js';

const COLOURS = { total: '#111111', skip: '#1f63c6', branch: '#e07b00', cosine: '#7b3fb0' };

function series(r: GradflowResult, pick: (s: FlowStats) => number | null, name: string, color: string): Series[] {
  const out: Series[] = [{ name, values: r.blocks.map((b) => pick(b.baseline)), color }];
  if (r.skipScale !== undefined) {
    out.push({ name: `${name}, shortcuts × ${r.skipScale}`, values: r.blocks.map((b) => (b.scaled ? pick(b.scaled) : null)), color, dashed: true });
  }
  return out;
}

/** The chart as PNG bytes. */
export function gradflowChart(r: GradflowResult, title: string, subtitle: string): Uint8Array {
  return renderChart({
    title,
    subtitle,
    xLabels: r.blocks.map((b) => b.block.add),
    panels: [
      {
        title: 'Gradient norm at each block input (log scale)',
        yLabel: '‖∂logit/∂x‖',
        log: true,
        series: [
          ...series(r, (s) => s.totalNorm, 'total', COLOURS.total),
          ...series(r, (s) => s.skipNorm, 'via the shortcut', COLOURS.skip),
          ...series(r, (s) => s.branchNorm, 'via the branch', COLOURS.branch),
        ],
      },
      {
        title: 'Branch share ‖branch‖/(‖skip‖+‖branch‖) and cosine(skip part, branch part)',
        yLabel: 'share / cosine',
        yRange: [-1, 1],
        series: [...series(r, (s) => s.branchShare, 'branch share', COLOURS.branch), ...series(r, (s) => s.cosine, 'cosine', COLOURS.cosine)],
      },
    ],
  });
}

export interface GradflowGridOptions {
  colormap: ColormapName;
  alpha: number;
  cellWidth?: number;
  title: string;
  subtitle: string[];
}

function camCell(cam: BlockCam, what: string, original: RgbImage, size: { width: number; height: number }, o: GradflowGridOptions): GridCell {
  const lines = [cam.node, `${what}, ${shapeText(cam.shape)}`, cam.status === 'ok' ? `Grad-CAM max ${formatCell(cam.max)}` : `status: ${cam.status}`];
  return { image: mapOverlay(original, cam.map, size, { colormap: o.colormap, alpha: o.alpha }), lines, flagged: cam.status !== 'ok' };
}

/** Per block: [branch's last conv | post-Add], two blocks per row, each map normalised on its own. */
export function gradflowGrid(r: GradflowResult, original: RgbImage, o: GradflowGridOptions): Uint8Array {
  const size = cellSize(original, o.cellWidth ?? 180);
  const cells = r.blocks.flatMap((b) => [
    camCell(b.cams.branch, "branch's last conv", original, size, o),
    camCell(b.cams.post, 'after the Add', original, size, o),
  ]);
  return renderGrid({
    title: o.title,
    subtitle: o.subtitle,
    cells,
    columns: r.blocks.length > 1 ? 4 : 2,
    groupSize: 2,
    colorbar: { colormap: o.colormap, low: 'map min', high: 'map max', caption: 'each map normalised to its own min-max' },
  });
}
