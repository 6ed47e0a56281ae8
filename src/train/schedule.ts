// Learning-rate schedules as pure functions of the step (0-based).

export interface WarmupCosine {
  /** Peak learning rate, reached at the end of the warm-up. */
  peak: number;
  /** Total steps of training. */
  steps: number;
  /** Linear warm-up steps from peak·startFactor to peak. */
  warmup: number;
  /** Fraction of the peak the warm-up starts from (default 0.1). */
  startFactor?: number;
  /** Fraction of the peak the cosine ends at (default 0). */
  endFactor?: number;
}

/** Linear warm-up, then a half cosine down to peak·endFactor at the last step (a one-cycle shape). */
export function warmupCosine(s: WarmupCosine, step: number): number {
  const start = s.startFactor ?? 0.1;
  const end = s.endFactor ?? 0;
  if (step < s.warmup) return s.peak * (start + ((1 - start) * step) / s.warmup);
  const t = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - 1 - s.warmup));
  return s.peak * (end + (1 - end) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
