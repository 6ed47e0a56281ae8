// Report pictures and pages, drawn through src/report/canvas.ts (@napi-rs/canvas or an HTML canvas): labelled grids of map overlays, line
// charts, and self-contained HTML pages with the pictures inlined.
export { FONT_FAMILY, NoFontError } from './canvas.js';
export { renderGrid, gridLayout, type GridCell, type GridSpec, type GridLayout, type Colorbar, type Rect } from './grid.js';
export { renderChart, type ChartSpec, type Panel, type Series } from './chart.js';
export { htmlReport, escapeHtml, formatCell, pngDataUri, type HtmlReport, type HtmlFigure, type HtmlTable, type Cell } from './html.js';
export { mapOverlay, cellSize, sharedRange, type CellStyle, type PlainMap, type ValueRange } from './overlay-cell.js';
