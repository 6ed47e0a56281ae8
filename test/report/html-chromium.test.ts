// The self-contained HTML page opened in headless Chromium (test/report/chromium.ts): after the load
// event every <img> must have decoded at the PNG's own size. The same
// page with one image's data corrupted must show that image as undecoded, so the check can fail.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { htmlReport, pngDataUri } from '../../src/report/html.js';
import { renderChart } from '../../src/report/chart.js';
import { renderGrid } from '../../src/report/grid.js';
import { CHROMIUM, openInChromium } from './chromium.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-html-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sizeOf(png: Uint8Array): [number, number] {
  const p = PNG.sync.read(Buffer.from(png));
  return [p.width, p.height];
}

describe('HTML report in headless Chromium', () => {
  const grid = renderGrid({
    title: 'grid',
    cells: [0, 1, 2].map((i) => ({ image: { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(60 * i) }, lines: [`node_${i}`, '7×7×2048'] })),
    columns: 3,
  });
  const chart = renderChart({
    title: 'chart',
    xLabels: ['a', 'b'],
    panels: [{ title: 'p', yLabel: 'y', series: [{ name: 's', values: [1, 2], color: '#000' }] }],
  });
  const page = htmlReport({
    title: 'Gradient flow — test <page>',
    facts: [['model', 'tiny & small']],
    figures: [
      { caption: 'the grid', alt: 'grid', png: grid },
      { caption: 'the chart', alt: 'chart', png: chart },
    ],
    tables: [
      {
        caption: 'numbers',
        columns: ['block', 'norm'],
        rows: [
          ['a_out', 0.125],
          ['b_out', null],
        ],
      },
    ],
    json: '{"x": "<b>"}',
  });

  it('is self-contained: images are data: URIs, no script, no external reference; text is escaped', () => {
    expect(page).toContain(pngDataUri(grid));
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/(src|href)="(?!data:)/);
    expect(page).toContain('test &lt;page&gt;');
    expect(page).toContain('&quot;&lt;b&gt;&quot;');
  });

  it('Chromium decodes every image at the PNG’s own size; a corrupted image is reported undecoded', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run 'node scripts/setup.mjs --test' (Debian package chromium)`).toBe(true);
    const images = await openInChromium(page, dir, 'good');
    expect(images).toEqual([
      [true, ...sizeOf(grid)],
      [true, ...sizeOf(chart)],
    ]);
    // Overwrite the first image's PNG signature (base64 'iVBORw0KGgo'): it is no longer a picture.
    const start = page.indexOf('base64,') + 7;
    expect(page.slice(start, start + 11)).toBe('iVBORw0KGgo');
    const broken = `${page.slice(0, start)}AAAAAAAAAAA${page.slice(start + 11)}`;
    const after = await openInChromium(broken, dir, 'broken');
    expect(after[0][1]).toBe(0);
    expect(after[1]).toEqual([true, ...sizeOf(chart)]);
  });
});
