// In-process A/B rows for Winograd: the same step under two forced modes (F(2×2) against the
// direct kernels, F(4×4) against F(2×2)), interleaved like every other pair, so the ratio says what
// each choice is worth on this adapter. conv2d-winograd.ts's 'auto' rule is set from these rows.
import { setWinogradMode, type WinogradMode } from '../src/ops/conv2d-winograd.js';
import type { BenchRow } from './rows.js';
import type { Step } from './timing.js';

function under(mode: WinogradMode, step: Step): Step {
  return async () => {
    setWinogradMode(mode);
    try {
      await step();
    } finally {
      setWinogradMode('auto');
    }
  };
}

/** `name: Winograd F(2×2) vs direct` and `name: Winograd F(4×4) vs F(2×2)`. */
export function winogradRows(name: string, step: Step, pairs: number, flops?: number): BenchRow[] {
  const row = (ours: WinogradMode, theirs: WinogradMode, label: string, theirsName: string): BenchRow => ({
    name: `${name}: Winograd ${label}`,
    flops,
    ours: under(ours, step),
    theirs: under(theirs, step),
    theirsName,
    pairs,
    warmup: 1,
  });
  return [row('f2', 'off', 'F(2×2) vs direct', 'ours: direct'), row('f4', 'f2', 'F(4×4) vs F(2×2)', 'ours: F(2×2)')];
}
