// The files of one explanation appear together or not at all: each is written to a temporary file
// beside its destination, and only when all of them are on disk are they renamed into place. An
// interrupted run (Ctrl-C, a failure) removes its temporary files, so nothing half-written is left.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError, UsageError } from './errors.js';

export interface OutputFile {
  path: string;
  contents: Uint8Array | string;
}

/** Temporary files not yet renamed, for the signal handlers. */
const pending = new Set<string>();

function problemOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? (e instanceof Error ? e.message : String(e));
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Writes every file or none (on failure the destinations written by this call are removed again). */
export function writeAllOrNothing(files: readonly OutputFile[]): void {
  const temps: string[] = [];
  const placed: string[] = [];
  let current = files[0]?.path ?? '';
  try {
    for (const f of files) {
      current = f.path;
      const temp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      mkdirSync(dirname(f.path), { recursive: true });
      pending.add(temp);
      temps.push(temp);
      writeFileSync(temp, f.contents);
    }
    files.forEach((f, i) => {
      current = f.path;
      renameSync(temps[i], f.path);
      pending.delete(temps[i]);
      placed.push(f.path);
    });
  } catch (e) {
    for (const t of temps) {
      if (pending.delete(t)) removeQuietly(t);
    }
    for (const p of placed) removeQuietly(p);
    throw new OutputError(current, problemOf(e));
  }
}

/** Removes the temporary files of a write in progress (called when the process is interrupted). */
export function removePendingOutputs(): void {
  for (const t of pending) removeQuietly(t);
  pending.clear();
}

/** Fails early (before any model is loaded) when the output directory cannot be one. */
export function checkOutputDirectory(dir: string): void {
  let path = dir;
  for (;;) {
    try {
      const stat = statSync(path);
      if (!stat.isDirectory()) {
        throw new UsageError(path === dir ? `--out ${dir} is not a directory` : `--out ${dir} cannot be created: ${path} is not a directory`);
      }
      return;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--out ${dir}: ${problemOf(e)}`);
      const parent = dirname(path);
      if (parent === path) return;
      path = parent;
    }
  }
}
