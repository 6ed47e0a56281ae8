// Timing that survives a noisy machine. On this shared 2-core host the same step's wall time moves
// by up to ~1.7× with other processes' load, so two sides are never timed one after the other:
// their runs interleave (ours, theirs, ours, theirs …) so that drift hits both, each side reports
// its median with min–max, and the comparison is the median of the per-pair ratios.
//
// Besides wall time each run records lavapipe's CPU time ÷ 2 cores ("idle-equivalent"): what the
// kernels would take on an otherwise idle machine with both cores busy. It leaves out the main
// thread (encoding, JavaScript, a peer's busy-polling read-back), which wall time includes.
import { readdirSync, readFileSync } from 'node:fs';

export type Step = () => Promise<void>;

/** Median and range of a sample. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Timing extends Spread {
  runs: number;
  /** Median idle-equivalent ms; undefined without /proc. */
  idleEquivalentMs?: number;
}

export interface Paired {
  ours: Timing;
  theirs?: Timing;
  /** ours / theirs, per pair: median and range. */
  ratio?: Spread;
  /**
   * The same for the idle-equivalent times (less sensitive to other processes); undefined when the
   * other side's work runs outside lavapipe's threads (onnxruntime).
   */
  idleRatio?: Spread;
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

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

async function once(step: Step): Promise<{ ms: number; idleMs?: number }> {
  const c0 = workerCpuMs();
  const t0 = performance.now();
  await step();
  const ms = performance.now() - t0;
  const c1 = workerCpuMs();
  return { ms, idleMs: c0 !== undefined && c1 !== undefined ? (c1 - c0) / CORES : undefined };
}

function timingOf(samples: { ms: number; idleMs?: number }[]): Timing {
  const idle = samples.map((s) => s.idleMs).filter((v): v is number => v !== undefined);
  return { ...spread(samples.map((s) => s.ms)), runs: samples.length, idleEquivalentMs: idle.length === samples.length ? median(idle) : undefined };
}

/**
 * `warmup` untimed runs of each side, then `pairs` timed pairs (ours, theirs). Without `theirs`,
 * just ours. Each side's runs end with a read-back.
 */
export async function interleave(ours: Step, theirs: Step | undefined, pairs: number, warmup: number): Promise<Paired> {
  for (let i = 0; i < warmup; i++) {
    await ours();
    if (theirs) await theirs();
  }
  const a: { ms: number; idleMs?: number }[] = [];
  const b: { ms: number; idleMs?: number }[] = [];
  for (let i = 0; i < pairs; i++) {
    a.push(await once(ours));
    if (theirs) b.push(await once(theirs));
  }
  if (!theirs) return { ours: timingOf(a) };
  const idle = a.every((s, i) => s.idleMs !== undefined && (b[i].idleMs ?? 0) > 0) ? spread(a.map((s, i) => s.idleMs! / b[i].idleMs!)) : undefined;
  return { ours: timingOf(a), theirs: timingOf(b), ratio: spread(a.map((s, i) => s.ms / b[i].ms)), idleRatio: idle };
}
