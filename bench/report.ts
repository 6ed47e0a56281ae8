// The bench's table: each side's median with its min–max, GFLOP/s where the row has a FLOP count,
// the median of per-pair ratios with its range, the target, and our GPU memory per run.
import type { RowResult } from './rows.js';
import type { Spread, Timing } from './timing.js';

const msRange = (t: Spread) => `${t.median.toFixed(1)} (${t.min.toFixed(1)}–${t.max.toFixed(1)})`;
const idle = (t: Timing) => (t.idleEquivalentMs ? t.idleEquivalentMs.toFixed(1) : '–');
const ratioRange = (r: Spread) => `${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})`;

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
}

export function printResults(results: readonly RowResult[]): void {
  console.log(
    '\nms: median (min–max) of the timed runs, each ending with a read-back; idle-eq: lavapipe CPU ms ÷ 2 cores; ' +
      'ratio: median (min–max) of ours/theirs over interleaved pairs (idle-eq ratio: the median for ' +
      'idle-eq); GPU MiB: what our side allocated for a run (pool high-water).',
  );
  const header = [
    'row',
    'pairs',
    'ours ms',
    'GFLOP/s',
    'idle-eq',
    'against',
    'their ms',
    'GFLOP/s',
    'idle-eq',
    'ours/theirs',
    'idle-eq ratio',
    'target',
    'GPU MiB',
  ];
  const gflops = (flops: number | undefined, t: Spread | undefined) => (flops && t ? (flops / (t.median * 1e6)).toFixed(2) : '');
  const lines = results.map(({ row, paired, gpuBytes, theirsFailure }) => {
    const t = paired.theirs;
    return [
      row.name,
      String(row.pairs),
      msRange(paired.ours),
      gflops(row.flops, paired.ours),
      idle(paired.ours),
      theirsFailure ? `${row.theirsName}: failed (${theirsFailure})` : (row.theirsName ?? ''),
      t ? msRange(t) : '–',
      row.theirsName?.startsWith('ours') ? '' : gflops(row.flops, t),
      t ? idle(t) : '–',
      paired.ratio ? ratioRange(paired.ratio) : '–',
      paired.idleRatio ? paired.idleRatio.median.toFixed(3) : '–',
      row.target ?? '',
      (gpuBytes / 2 ** 20).toFixed(1),
    ];
  });
  printTable([header, ...lines]);
}
