// Median wall time of a step that ends by reading its result back (both sides pay one read-back).

export interface Timing {
  medianMs: number;
  runs: number;
}

export async function time(step: () => Promise<void>, runs = 5, warmup = 2): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await step();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)], runs };
}
