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

export async function readBuffer(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
  const staging = gpu().device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  copyBuffer(buffer, byteOffset, staging, 0, bytes);
  flush();
  await politely(() => staging.mapAsync(GPUMapMode.READ));
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  throwPendingGpuError();
  return copy;
}

/** Waits until all submitted work has finished (used by benchmarks). */
export async function synchronize(): Promise<void> {
  flush();
  await politely(() => gpu().device.queue.onSubmittedWorkDone());
  throwPendingGpuError();
}
