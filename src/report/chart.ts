// Line charts over a categorical x axis (blocks in depth order) as one PNG: one or more panels
// stacked, each with its own y axis (linear, or log10 for gradient norms that span decades), solid or
// dashed series with point markers, a legend, and rotated x labels.
import { encodePngCanvas, fitText, font, surface, type Surface } from './canvas.js';

export interface Series {
  name: string;
  /** One value per x label; null (or ≤ 0 on a log axis) leaves a gap. */
  values: readonly (number | null)[];
  /** CSS colour. */
  color: string;
  dashed?: boolean;
}

export interface Panel {
  title: string;
  yLabel: string;
  log?: boolean;
  /** Fixed y range (linear axes); default: the data's range. */
  yRange?: [number, number];
  series: Series[];
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  xLabels: readonly string[];
  panels: Panel[];
  /** Whole picture width in pixels (default 960). */
  width?: number;
  /** Height of each panel's plot area (default 260). */
  plotHeight?: number;
}

const MARGIN = 14;
const AXIS_LEFT = 74;
const LEGEND_WIDTH = 250;
const TITLE_PX = 17;
const TEXT_PX = 12;

interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
}

function finiteValues(panel: Panel): number[] {
  return panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v) && (!panel.log || v > 0)));
}

function axisOf(panel: Panel): Axis {
  const log = panel.log ?? false;
  const values = finiteValues(panel);
  if (log) {
    const lo = values.length ? Math.floor(Math.log10(Math.min(...values))) : -1;
    const hi = values.length ? Math.ceil(Math.log10(Math.max(...values))) : 0;
    const max = hi > lo ? hi : lo + 1;
    const step = Math.max(1, Math.ceil((max - lo) / 8));
    const ticks: number[] = [];
    for (let e = lo; e <= max; e += step) ticks.push(e);
    return { min: lo, max, log, ticks };
  }
  let [min, max] = panel.yRange ?? (values.length ? [Math.min(...values), Math.max(...values)] : [0, 1]);
  if (max === min) [min, max] = [min - 1, max + 1];
  const raw = (max - min) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  if (!panel.yRange) [min, max] = [Math.floor(min / step) * step, Math.ceil(max / step) * step];
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return { min, max, log, ticks };
}

function tickText(axis: Axis, t: number): string {
  if (axis.log) return `1e${t}`;
  return Math.abs(t) >= 1e4 || (Math.abs(t) < 1e-3 && t !== 0) ? t.toExponential(1) : String(Number(t.toPrecision(4)));
}

/** Height of the rotated x labels. */
function labelBand(s: Surface, labels: readonly string[]): number {
  s.ctx.font = font(TEXT_PX);
  const longest = Math.min(160, Math.max(0, ...labels.map((l) => s.ctx.measureText(l).width)));
  return Math.ceil(longest * Math.SQRT1_2) + TEXT_PX + 8;
}

function drawPanel(s: Surface, spec: ChartSpec, panel: Panel, top: number, plotWidth: number, plotHeight: number): void {
  const { ctx } = s;
  const axis = axisOf(panel);
  const left = MARGIN + AXIS_LEFT;
  const n = spec.xLabels.length;
  const xOf = (i: number) => left + (n === 1 ? plotWidth / 2 : (i * plotWidth) / (n - 1));
  const yOf = (v: number) => {
    const u = axis.log ? Math.log10(v) : v;
    return top + plotHeight - ((u - axis.min) / (axis.max - axis.min)) * plotHeight;
  };

  ctx.fillStyle = '#111111';
  ctx.font = font(TEXT_PX + 1, 'bold');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillText(panel.title, left, top - 6);

  ctx.strokeStyle = '#dddddd';
  ctx.lineWidth = 1;
  ctx.font = font(TEXT_PX);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of axis.ticks) {
    const y = top + plotHeight - ((t - axis.min) / (axis.max - axis.min)) * plotHeight;
    ctx.beginPath();
    ctx.moveTo(left, Math.round(y) + 0.5);
    ctx.lineTo(left + plotWidth, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillStyle = '#333333';
    ctx.fillText(tickText(axis, t), left - 6, y);
  }
  ctx.strokeStyle = '#444444';
  ctx.strokeRect(left + 0.5, top + 0.5, plotWidth, plotHeight);

  ctx.save();
  ctx.translate(MARGIN + 10, top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#333333';
  ctx.fillText(fitText(ctx, panel.yLabel, plotHeight), 0, 0);
  ctx.restore();

  for (const series of panel.series) {
    ctx.strokeStyle = series.color;
    ctx.fillStyle = series.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(series.dashed ? [7, 5] : []);
    ctx.beginPath();
    let pen = false;
    const points: [number, number][] = [];
    series.values.forEach((v, i) => {
      const ok = v !== null && Number.isFinite(v) && (!axis.log || v > 0);
      if (!ok) {
        pen = false;
        return;
      }
      const x = xOf(i),
        y = yOf(v);
      points.push([x, y]);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    });
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [x, y] of points) {
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  // Legend, right of the plot.
  ctx.font = font(TEXT_PX);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  panel.series.forEach((series, k) => {
    const y = top + 10 + k * (TEXT_PX + 8);
    const x = left + plotWidth + 14;
    ctx.strokeStyle = series.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(series.dashed ? [7, 5] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 26, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222222';
    ctx.fillText(fitText(ctx, series.name, LEGEND_WIDTH - 40), x + 32, y);
  });
}

/** The chart as PNG bytes. */
export function renderChart(spec: ChartSpec): Uint8Array {
  if (spec.xLabels.length === 0) throw new Error('chart: no x values');
  for (const p of spec.panels) {
    for (const s of p.series) {
      if (s.values.length !== spec.xLabels.length)
        throw new RangeError(`chart: series '${s.name}' has ${s.values.length} values for ${spec.xLabels.length} x labels`);
    }
  }
  const width = spec.width ?? 960;
  const plotHeight = spec.plotHeight ?? 260;
  const plotWidth = width - 2 * MARGIN - AXIS_LEFT - LEGEND_WIDTH;
  const measure = surface(1, 1);
  const band = labelBand(measure, spec.xLabels);
  const header = MARGIN + Math.ceil(TITLE_PX * 1.4) + (spec.subtitle ? Math.ceil(TEXT_PX * 1.4) : 0) + 24;
  const panelHeight = plotHeight + band + 30;
  const s = surface(width, header + spec.panels.length * panelHeight + MARGIN);
  const { ctx } = s;
  ctx.fillStyle = '#111111';
  ctx.font = font(TITLE_PX, 'bold');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(fitText(ctx, spec.title, width - 2 * MARGIN), MARGIN, MARGIN);
  if (spec.subtitle) {
    ctx.font = font(TEXT_PX);
    ctx.fillStyle = '#333333';
    ctx.fillText(fitText(ctx, spec.subtitle, width - 2 * MARGIN), MARGIN, MARGIN + Math.ceil(TITLE_PX * 1.4));
  }
  spec.panels.forEach((panel, p) => {
    const top = header + p * panelHeight;
    drawPanel(s, spec, panel, top, plotWidth, plotHeight);
    // x labels, rotated 45° and ending under their tick.
    const left = MARGIN + AXIS_LEFT;
    const n = spec.xLabels.length;
    ctx.font = font(TEXT_PX);
    ctx.fillStyle = '#333333';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    spec.xLabels.forEach((label, i) => {
      const x = left + (n === 1 ? plotWidth / 2 : (i * plotWidth) / (n - 1));
      ctx.save();
      ctx.translate(x, top + plotHeight + 8);
      ctx.rotate(-Math.PI / 4);
      ctx.fillText(fitText(ctx, label, 160), 0, 0);
      ctx.restore();
    });
  });
  return encodePngCanvas(s);
}
