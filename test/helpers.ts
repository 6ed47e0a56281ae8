// Test utilities: seeded random data and tolerance checks that say where they fail.
import { expect } from 'vitest';
import { memoryStats, observeDispatches, synchronize, Tape, tensor, watch, withOverrides, type Tensor } from '../src/tensor/index.js';

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi), as float32 (what the GPU sees) so references start from the same numbers. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the worst element.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const allowed = atol + rtol * Math.abs(expected[i]);
    if (!(err <= allowed) && (worst < 0 || err - allowed > worstExcess)) {
      worst = i;
      worstExcess = err - allowed;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Largest |x| of an array, to scale absolute tolerances. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Runs `step` `warmup` times (filling the buffer pools), then `repeats` times, and expects the live GPU
 * bytes and buffers unchanged — and, with `pooled`, the pooled bytes too (nothing new was needed).
 */
export async function expectSteadyMemory(step: () => unknown, opts: { repeats: number; warmup?: number; pooled?: boolean }): Promise<void> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await step();
  await synchronize();
  const before = memoryStats();
  for (let i = 0; i < opts.repeats; i++) await step();
  await synchronize();
  const after = memoryStats();
  expect(after.liveBytes, 'live GPU bytes').toBe(before.liveBytes);
  expect(after.liveBuffers, 'live GPU buffers').toBe(before.liveBuffers);
  if (opts.pooled) expect(after.pooledBytes, 'pooled GPU bytes').toBe(before.pooledBytes);
}

/**
 * Runs y = f(x) on a tape and back-propagates a seeded random upstream gradient (under `overrides`):
 * y's shape and values, the seed, dL/dx and the override counts, read back.
 */
export async function valueAndGradient(data: Float32Array, shape: number[], f: (x: Tensor) => Tensor, seedNum: number, overrides: Record<string, string> = {}) {
  const x = watch(tensor(data, shape));
  const tape = new Tape();
  const y = tape.record(() => f(x));
  const seed = randomArray(y.size, seedNum);
  const { grads, overridden } = withOverrides(overrides, () => tape.backward(y, tensor(seed, y.shape)));
  const out = { shape: [...y.shape], value: await y.read(), seed, grad: await grads.get(x)!.read(), overridden };
  tape.dispose();
  return out;
}

/** Runs `fn` and says whether any kernel it dispatched contains `text` (which path an op took). */
export function dispatchedKernel<T>(text: string, fn: () => T): { result: T; ran: boolean } {
  let ran = false;
  observeDispatches((d) => {
    if (d.wgsl.includes(text)) ran = true;
  });
  try {
    return { result: fn(), ran };
  } finally {
    observeDispatches(undefined);
  }
}
