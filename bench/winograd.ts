// In-process A/B rows for Winograd F(2×2, 3×3): the same step with Winograd forced on (ours) and
// forced off (theirs), interleaved like every other pair, so the ratio says what the selector's
// choice is worth on this adapter. conv2d-winograd.ts's 'auto' rule is set from these rows.
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

/** `name: Winograd vs direct`, ours = `step` with Winograd on, theirs = off. */
export function winogradRow(name: string, step: Step, pairs: number, flops?: number): BenchRow {
  return { name: `${name}: Winograd vs direct`, flops, ours: under('on', step), theirs: under('off', step), theirsName: 'ours: direct', pairs, warmup: 1 };
}
