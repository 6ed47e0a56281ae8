// A single self-contained HTML page: the pictures inlined as data: URIs, the numbers as tables,
// and the full JSON document in a collapsed block. No script, no external resource: it opens the
// same from a mail attachment as from disk.

export interface HtmlFigure {
  caption: string;
  alt: string;
  png: Uint8Array;
}

export type Cell = string | number | null;

export interface HtmlTable {
  caption: string;
  columns: string[];
  rows: Cell[][];
}

export interface HtmlReport {
  title: string;
  /** Label/value pairs shown first (model, image, class, …). */
  facts: [string, string][];
  figures: HtmlFigure[];
  tables: HtmlTable[];
  notes?: string[];
  /** The JSON document written beside the page, shown collapsed. */
  json?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A number for a table: 4 significant digits, exponent form when very large or small; '—' for null. */
export function formatCell(v: Cell): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0 || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export function pngDataUri(png: Uint8Array): string {
  // btoa over a binary string rather than Buffer, so this works in a page as well.
  let binary = '';
  for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(binary)}`;
}

const STYLE = `
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; margin: 24px; color: #111; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0 0 8px; }
dt { font-weight: bold; }
dd { margin: 0; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ccc; }
figcaption { font-size: 14px; color: #333; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f2f6; }
pre { font-size: 12px; background: #f6f6f6; padding: 8px; overflow: auto; max-height: 480px; }
`;

export function htmlReport(r: HtmlReport): string {
  const facts = r.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n');
  const figures = r.figures
    .map((f) => `<figure>\n<img src="${pngDataUri(f.png)}" alt="${escapeHtml(f.alt)}">\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n</figure>`)
    .join('\n');
  const tables = r.tables
    .map((t) => {
      const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const body = t.rows
        .map((row) => `<tr>${row.map((c) => `<td${typeof c === 'string' ? '' : ' class="n"'}>${escapeHtml(formatCell(c))}</td>`).join('')}</tr>`)
        .join('\n');
      return `<table>\n<caption>${escapeHtml(t.caption)}</caption>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
    })
    .join('\n');
  const notes = r.notes?.length ? `<h2>Notes</h2>\n<ul>\n${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>` : '';
  const json = r.json ? `<h2>Every number</h2>\n<details><summary>JSON document</summary>\n<pre>${escapeHtml(r.json)}</pre>\n</details>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(r.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(r.title)}</h1>
<dl>
${facts}
</dl>
${figures}
${tables}
${notes}
${json}
</body>
</html>
`;
}
