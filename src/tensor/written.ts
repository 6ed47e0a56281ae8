// Buffers whose contents something else depends on (a tensor's derived caches, tensor.ts), and the
// notice that a kernel or a copy is about to write one in place (the optimizers update parameters
// in place): kernel.ts reports every read_write binding and copy destination here, so a cache
// built from a buffer's old contents is dropped before it could be used with the new ones.
const watchers = new Map<GPUBuffer, () => void>();

export function watchWrites(buffer: GPUBuffer, onWrite: () => void): void {
  watchers.set(buffer, onWrite);
}

export function unwatchWrites(buffer: GPUBuffer): void {
  watchers.delete(buffer);
}

/** Called before a write to `buffer` is recorded: runs (once) what watches it. */
export function noteWrite(buffer: GPUBuffer): void {
  if (watchers.size === 0) return;
  const onWrite = watchers.get(buffer);
  if (!onWrite) return;
  watchers.delete(buffer);
  onWrite();
}
