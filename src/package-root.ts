// The package's root folder (the one holding package.json), found from this file's own place. The source is
// src/package-root.ts but the build is dist/src/package-root.js, so a fixed '../' is right in only one of them;
// everything shipped beside the code (weights/, vendor/, package.json) is found from here.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function rootAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or any folder above it`);
  }
}

/** The repository root in a clone, node_modules/gradscope in an installed package. */
export const PACKAGE_ROOT: string = rootAbove(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, e.g. `packagePath('weights')`. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
