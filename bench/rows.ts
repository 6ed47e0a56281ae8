// What one benchmark row is, and how it is run: ours and the other side interleaved (timing.ts),
// with the GPU memory our side held while running.
import { memoryStats, trimPool } from '../src/tensor/index.js';
import { interleave, type Paired, type Step } from './timing.js';

export interface BenchRow {
  name: string;
  /** Floating-point operations of one run of ours (for a GFLOP/s column). */
  flops?: number;
  ours: Step;
  /** The other side (tfjs-webgpu, onnxruntime-node, or another of our own runs) and what it is. */
  theirs?: Step;
  theirsName?: string;
  pairs: number;
  warmup: number;
  /** The target for the ratio ('≤ 2.2'), shown beside it. */
  target?: string;
  /** Why the other side's timing is void (e.g. a WebGPU validation error that dropped its work). */
  theirsFailure?: () => string | undefined;
}

/** A group of rows sharing set-up (a network built once); `--only` selects groups or rows by name. */
export interface Suite {
  name: string;
  build(): Promise<{ rows: BenchRow[]; dispose(): void }>;
}

export interface RowResult {
  row: BenchRow;
  paired: Paired;
  /** GPU bytes our side allocated beyond what was live before the row (the pool starts empty). */
  gpuBytes: number;
  theirsFailure?: string;
}

export async function runRow(row: BenchRow): Promise<RowResult> {
  trimPool();
  const before = memoryStats().liveBytes;
  // A peer that throws (tfjs-webgpu's tf.grad fails on InceptionV3 here) voids its side of the row,
  // not the whole benchmark: ours is still timed.
  let thrown: string | undefined;
  const theirs =
    row.theirs &&
    (async () => {
      if (thrown !== undefined || !row.theirs) return;
      try {
        await row.theirs();
      } catch (e) {
        thrown = `threw: ${e instanceof Error ? e.message : String(e)}`;
      }
    });
  const paired = await interleave(row.ours, theirs, row.pairs, row.warmup);
  const after = memoryStats();
  const failure = thrown ?? row.theirsFailure?.();
  return { row, paired: failure ? { ours: paired.ours } : paired, gpuBytes: after.liveBytes + after.pooledBytes - before, theirsFailure: failure };
}
