// Reading results back: the only place that waits on the GPU. Awaiting mapAsync on Dawn in
// Node busy-polls a CPU core that lavapipe needs for the kernels, so we first sleep for the
// time the submitted work is expected to take (learned from earlier read-backs), then map.
import { gpu, throwPendingGpuError } from './gpu.js';
import { copyBuffer, flush } from './kernel.js';

let flopsPerMs = 5e6; // 5 GFLOP/s to start; refined after each read-back.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function readBuffer(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
  const staging = gpu().device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  copyBuffer(buffer, byteOffset, staging, 0, bytes);
  const flops = flush();
  const start = performance.now();
  const expectedMs = flops / flopsPerMs;
  if (expectedMs > 2) await sleep(expectedMs * 0.85);
  await staging.mapAsync(GPUMapMode.READ);
  const elapsed = performance.now() - start;
  if (flops > 5e7 && elapsed > 1) flopsPerMs = 0.7 * flopsPerMs + 0.3 * (flops / elapsed);
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  throwPendingGpuError();
  return copy;
}

/** Waits until all submitted work has finished (used by benchmarks). */
export async function synchronize(): Promise<void> {
  const flops = flush();
  const expectedMs = flops / flopsPerMs;
  if (expectedMs > 2) await sleep(expectedMs * 0.85);
  await gpu().device.queue.onSubmittedWorkDone();
  throwPendingGpuError();
}
