// Median wall time of a step that ends by reading its result back (both sides pay one read-back),
// and the CPU time lavapipe's worker threads spent on it.
//
// On this 2-core machine other processes (tests, other benchmarks) distort wall time, so each
// timing also reports lavapipe's CPU time ÷ 2 cores, the "idle-equivalent" time: what the kernels
// would take on an otherwise idle machine if both cores stayed busy. It leaves out the main
// thread (encoding, JavaScript, and a peer's busy-polling read-back), which wall time includes.
import { readdirSync, readFileSync } from 'node:fs';

export interface Timing {
  medianMs: number;
  runs: number;
  /** Median over runs of the CPU time of every thread but the main one, ÷ 2; undefined without /proc. */
  idleEquivalentMs?: number;
}

const CORES = 2;

/** Nanosecond-resolution CPU time of this process's threads other than the main one, in ms. */
export function workerCpuMs(): number | undefined {
  try {
    let total = 0;
    for (const id of readdirSync('/proc/self/task')) {
      if (Number(id) === process.pid) continue;
      try {
        total += Number(readFileSync(`/proc/self/task/${id}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      } catch {
        // The thread ended between listing and reading.
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function time(step: () => Promise<void>, runs = 5, warmup = 2): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await step();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = workerCpuMs();
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
    const c1 = workerCpuMs();
    if (c0 !== undefined && c1 !== undefined) cpu.push((c1 - c0) / CORES);
  }
  return { medianMs: median(samples), runs, idleEquivalentMs: cpu.length === runs ? median(cpu) : undefined };
}
