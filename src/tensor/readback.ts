// Reading results back: the only place that waits on the GPU.
//
// While a map (or onSubmittedWorkDone) is pending, Dawn's Node binding polls its instance from a
// chain of setImmediate callbacks, which spins a CPU core at 100 % — a core lavapipe needs for the
// kernels (DESIGN.md, trap 2: a 600 ms kernel took ~900 ms). The binding looks up the global
// setImmediate on every tick, so while we wait we hand it one that defers by 1 ms: completion is
// still noticed within ~1 ms, at ~2 % of a core. No estimate of the GPU's speed is involved, so the
// wait can neither oversleep (a wrong estimate) nor spin (an estimate too short).
import { gpu, throwPendingGpuError } from './gpu.js';
import { copyBuffer, flush } from './kernel.js';
import { sizeClass } from './memory.js';

type SetImmediate = typeof globalThis.setImmediate;
type ClearImmediate = typeof globalThis.clearImmediate;

const POLL_INTERVAL_MS = 1;
let politeWaits = 0;
let nativeSetImmediate: SetImmediate | undefined;
let nativeClearImmediate: ClearImmediate | undefined;

/** Handles made while waiting are timeouts; clearImmediate must tell them from real immediates. */
const deferredHandles = new WeakSet<object>();

function deferredImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]): ReturnType<SetImmediate> {
  const handle = setTimeout(callback, POLL_INTERVAL_MS, ...args);
  deferredHandles.add(handle);
  return handle as unknown as ReturnType<SetImmediate>;
}

function clearEither(handle: Parameters<ClearImmediate>[0]): void {
  if (handle && deferredHandles.has(handle)) clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  else nativeClearImmediate?.(handle);
}

/** Runs `wait` with setImmediate deferred (nested and concurrent waits share one swap). */
async function politely<T>(wait: () => Promise<T>): Promise<T> {
  if (typeof globalThis.setImmediate !== 'function') return wait(); // browsers: nothing spins
  if (!nativeClearImmediate) {
    // Installed once and kept: a deferred handle may be cleared after the wait is over.
    nativeClearImmediate = globalThis.clearImmediate;
    globalThis.clearImmediate = clearEither as ClearImmediate;
  }
  if (politeWaits++ === 0) {
    nativeSetImmediate = globalThis.setImmediate;
    globalThis.setImmediate = deferredImmediate as SetImmediate;
  }
  try {
    return await wait();
  } finally {
    if (--politeWaits === 0 && nativeSetImmediate) globalThis.setImmediate = nativeSetImmediate;
  }
}

// Staging buffers (MAP_READ) are pooled by size class per device: an explanation reads back a
// handful of same-sized results every run, and creating + destroying a mappable buffer per read
// costs Dawn an allocation and a free each time. A buffer returns to the pool once unmapped, so
// concurrent reads each take their own. The pool is bounded (STAGING_KEEP per class) and keyed by
// device, so a released device's buffers are never handed out again.
const STAGING_KEEP = 4;
const stagingPools = new WeakMap<GPUDevice, Map<number, GPUBuffer[]>>();

function stagingPool(device: GPUDevice): Map<number, GPUBuffer[]> {
  let pool = stagingPools.get(device);
  if (!pool) {
    pool = new Map();
    stagingPools.set(device, pool);
  }
  return pool;
}

function acquireStaging(device: GPUDevice, bytes: number): GPUBuffer {
  const size = sizeClass(bytes);
  const reused = stagingPool(device).get(size)?.pop();
  return reused ?? device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
}

function releaseStaging(device: GPUDevice, buffer: GPUBuffer): void {
  const pool = stagingPool(device);
  const list = pool.get(buffer.size) ?? [];
  pool.set(buffer.size, list);
  if (list.length < STAGING_KEEP) list.push(buffer);
  else buffer.destroy();
}

/** Bytes of mappable staging buffers kept for reuse (bounded; reported apart from tensors' pool). */
export function stagingStats(): { buffers: number; bytes: number } {
  let buffers = 0,
    bytes = 0;
  for (const list of stagingPool(gpu().device).values()) {
    buffers += list.length;
    for (const b of list) bytes += b.size;
  }
  return { buffers, bytes };
}

/** Destroys the pooled staging buffers (trimPool's counterpart for read-back). */
export function trimStaging(): void {
  const pool = stagingPool(gpu().device);
  for (const list of pool.values()) for (const b of list) b.destroy();
  pool.clear();
}

export async function readBuffer(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
  const { device } = gpu();
  const staging = acquireStaging(device, bytes);
  copyBuffer(buffer, byteOffset, staging, 0, bytes);
  flush();
  try {
    await politely(() => staging.mapAsync(GPUMapMode.READ, 0, bytes));
  } catch (e) {
    staging.destroy();
    throw e;
  }
  const copy = staging.getMappedRange(0, bytes).slice(0);
  staging.unmap();
  releaseStaging(device, staging);
  throwPendingGpuError();
  return copy;
}

/** Waits until all submitted work has finished (used by benchmarks). */
export async function synchronize(): Promise<void> {
  flush();
  await politely(() => gpu().device.queue.onSubmittedWorkDone());
  throwPendingGpuError();
}
