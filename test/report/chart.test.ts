// Line charts: each drawn series leaves pixels of its own colour, a series of gaps (null, or ≤ 0 on a
// log axis) leaves none, and malformed input is refused. Read back with pngjs.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderChart, type ChartSpec } from '../../src/report/chart.js';

function countColour(png: Uint8Array, rgb: [number, number, number], tolerance = 12): number {
  const p = PNG.sync.read(Buffer.from(png));
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) {
    if (Math.abs(p.data[i] - rgb[0]) <= tolerance && Math.abs(p.data[i + 1] - rgb[1]) <= tolerance && Math.abs(p.data[i + 2] - rgb[2]) <= tolerance) n++;
  }
  return n;
}

const labels = ['conv2_block1_out', 'conv2_block2_out', 'conv2_block3_out', 'conv3_block1_out'];

function chart(values: (number | null)[], log: boolean): ChartSpec {
  return {
    title: 'norms',
    xLabels: labels,
    panels: [
      {
        title: 'panel',
        yLabel: 'norm',
        log,
        series: [
          { name: 'green', values, color: '#00c800' },
          { name: 'magenta', values: values.map(() => null), color: '#c800c8', dashed: true },
        ],
      },
    ],
  };
}

describe('chart', () => {
  it('a series is drawn in its colour (line and markers); an all-gap series leaves no pixel of its colour except its legend swatch', () => {
    const png = renderChart(chart([1e-4, 3e-3, 0.2, 1.5], true));
    const withLine = countColour(png, [0, 200, 0]);
    const gaps = countColour(png, [200, 0, 200]);
    expect(withLine).toBeGreaterThan(300);
    // The legend swatch of the empty series: a dashed 26 px line, 2 px wide.
    expect(gaps).toBeGreaterThan(0);
    expect(gaps).toBeLessThan(80);
  });

  it('log axis: zero and negative values are gaps, not errors; a linear axis draws them', () => {
    const log = countColour(renderChart(chart([0, -1, 0.5, 2], true)), [0, 200, 0]);
    const linear = countColour(renderChart(chart([0, -1, 0.5, 2], false)), [0, 200, 0]);
    expect(linear).toBeGreaterThan(log);
  });

  it('refuses a series whose length differs from the x labels, and an empty x axis', () => {
    expect(() => renderChart(chart([1, 2], false))).toThrow(RangeError);
    expect(() => renderChart({ title: 't', xLabels: [], panels: [] })).toThrow(/no x values/);
  });
});
