// A pool of storage buffers by size class. Intermediates come and go thousands of times per
// explanation; creating and destroying GPU buffers for each is slow on Dawn, so released
// buffers wait here for the next tensor of the same class.
import { gpu } from './gpu.js';

/** Rounds up to m·2^k with m in 4..7, so at most 25 % of a buffer is slack. */
export function sizeClass(bytes: number): number {
  const minimum = 256;
  if (bytes <= minimum) return minimum;
  const k = Math.floor(Math.log2(bytes)) - 2;
  const step = 2 ** k;
  return Math.ceil(bytes / step) * step;
}

export interface MemoryStats {
  /** Bytes held by live tensors. */
  liveBytes: number;
  /** Bytes of released buffers kept for reuse. */
  pooledBytes: number;
  liveBuffers: number;
  pooledBuffers: number;
}

const free = new Map<number, GPUBuffer[]>();
let liveBytes = 0;
let liveBuffers = 0;
let pooledBytes = 0;
let pooledBuffers = 0;

export function acquireBuffer(bytes: number): GPUBuffer {
  const size = sizeClass(bytes);
  const list = free.get(size);
  let buffer = list?.pop();
  if (buffer) {
    pooledBytes -= size;
    pooledBuffers--;
  } else {
    buffer = gpu().device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }
  liveBytes += size;
  liveBuffers++;
  return buffer;
}

export function releaseBuffer(buffer: GPUBuffer): void {
  const size = buffer.size;
  liveBytes -= size;
  liveBuffers--;
  const list = free.get(size);
  if (list) list.push(buffer);
  else free.set(size, [buffer]);
  pooledBytes += size;
  pooledBuffers++;
}

/** Destroys every pooled buffer (live ones are untouched). */
export function trimPool(): void {
  for (const list of free.values()) for (const b of list) b.destroy();
  free.clear();
  pooledBytes = 0;
  pooledBuffers = 0;
}

export function memoryStats(): MemoryStats {
  return { liveBytes, pooledBytes, liveBuffers, pooledBuffers };
}

/** Forgets all pool state when the device is released. */
export function resetPool(): void {
  free.clear();
  liveBytes = liveBuffers = pooledBytes = pooledBuffers = 0;
}
