// Safetensors files on disk (the Node edge); the format itself is safetensors.ts, which works on bytes.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encodeSafetensorsHeader, parseSafetensors, WeightFileError, type NamedTensor, type SafetensorsContents } from './safetensors.js';

/** A weight file's bytes; a failure to read is a WeightFileError naming the file. */
export function readWeightBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new WeightFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export function readSafetensors(path: string): SafetensorsContents {
  return parseSafetensors(readWeightBytes(path), path);
}

/**
 * Writes F32 tensors (in map order) atomically: into a temporary file in the same directory, flushed,
 * then renamed over `path`, so a failure never leaves a half-written file under the final name.
 */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, NamedTensor>, metadata: Record<string, string> = {}): void {
  const header = encodeSafetensorsHeader(path, tensors, metadata);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w');
    writeAll(fd, header);
    for (const t of tensors.values()) writeAll(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    if (e instanceof WeightFileError) throw e;
    throw new WeightFileError(path, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})`);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
