// What `explain` was given, as a list of image files: a file stays as it is; a directory is walked
// recursively and keeps the files that are PNG or JPEG by their first bytes (not by name); a glob
// (tinyglobby) keeps its matches that are images the same way. Each image gets its output key: the
// file name without extension, or for a directory or glob the path below its base, so that a
// folder's tree is mirrored under --out and two 'cat.png' in different subfolders do not collide.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isDynamicPattern, globSync } from 'tinyglobby';
import { sniff } from '../image/sniff.js';
import { UsageError } from './errors.js';

export interface ImageInput {
  /** The image file as the user will see it named. */
  file: string;
  /** Output key: '<stem>' or '<sub/dirs/stem>' (always '/'-separated). */
  key: string;
}

export interface ImageInputs {
  images: ImageInput[];
  /** A directory or glob was given (the run then writes summary files). */
  expanded: boolean;
}

/** PNG or JPEG by content; unreadable files count as not images (a walk skips them). */
export function isImageFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(16);
    const n = readSync(fd, head, 0, head.length, 0);
    const kind = sniff(head.subarray(0, n)).kind;
    return kind === 'png' || kind === 'jpeg';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function keyOf(base: string, file: string): string {
  const rel = relative(base, file);
  return rel
    .slice(0, rel.length - extname(rel).length)
    .split(sep)
    .join('/');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `file` lies in `dir` or below it (outputs of an earlier run inside the folder are not inputs). */
function inside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function walk(dir: string, outDir: string): ImageInput[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch (e) {
    throw new UsageError(`${dir}: cannot list the directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const files = names.map((n) => join(dir, n)).filter((f) => !inside(f, outDir) && !isDirectory(f) && isImageFile(f));
  if (files.length === 0) throw new UsageError(`${dir}: no PNG or JPEG files in this directory or below it`);
  return files.sort().map((file) => ({ file, key: keyOf(dir, file) }));
}

/** The directory a glob's matches are keyed from: its leading segments without pattern characters. */
function globBase(pattern: string): string {
  const segments = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const s of segments.slice(0, -1)) {
    if (isDynamicPattern(s)) break;
    fixed.push(s);
  }
  return fixed.length === 0 ? '.' : fixed.join('/') || '/';
}

function expandGlob(pattern: string, outDir: string): ImageInput[] {
  const base = globBase(pattern);
  const found = globSync(pattern, { onlyFiles: true, expandDirectories: false, absolute: pattern.startsWith('/') });
  const matches = found.filter((f) => !inside(f, outDir) && isImageFile(f));
  if (matches.length === 0) throw new UsageError(`${pattern}: no PNG or JPEG files match this pattern`);
  return matches.sort().map((file) => ({ file, key: keyOf(base, file) }));
}

/** Expands the arguments in order (never into `outDir`); a name that exists is never taken as a pattern. */
export function imageInputs(args: readonly string[], outDir: string): ImageInputs {
  let expanded = false;
  const images: ImageInput[] = [];
  for (const arg of args) {
    let exists = true;
    try {
      statSync(arg);
    } catch {
      exists = false;
    }
    if (exists && isDirectory(arg)) {
      images.push(...walk(arg, outDir));
      expanded = true;
    } else if (!exists && isDynamicPattern(arg)) {
      images.push(...expandGlob(arg, outDir));
      expanded = true;
    } else {
      images.push({ file: arg, key: basename(arg, extname(arg)) });
    }
  }
  return { images, expanded };
}
