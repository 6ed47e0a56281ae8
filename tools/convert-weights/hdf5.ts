// h5wasm (HDF5 compiled to WASM, with direct host file access in Node) behind a small surface that
// turns every HDF5 failure into a one-line WeightFileError instead of an HDF5 diagnostic stack. Reading
// groups and datasets is hdf5-read.ts; a page swaps this file for web/platform/hdf5-browser.ts.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ready, File as H5File, Group, Dataset } from 'h5wasm/node';
import { WeightFileError } from '../../src/models/safetensors.js';
import { useHdf5File } from './hdf5-read.js';

export { Group, Dataset };
export * from './hdf5-read.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let initialised: Promise<void> | undefined;

function init(): Promise<void> {
  initialised ??= ready.then((module) => {
    // Makes HDF5 errors JS exceptions carrying the diagnostic text, rather than printing it to stderr.
    module.activate_throwing_error_handler();
  });
  return initialised;
}

/** HDF5 allows a user block of 0, 512, 1024, 2048, … bytes before the signature. */
function hasSignature(path: string, size: number): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, buf, 0, 8, at) === 8 && SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `path` read-only, runs `use` on it and closes it. Every failure inside (HDF5 or the
 * caller's) comes out as a WeightFileError naming the file.
 */
export async function withHdf5File<T>(path: string, use: (root: H5File) => T): Promise<T> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new WeightFileError(path, 'not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof WeightFileError) throw e;
    throw new WeightFileError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!hasSignature(path, size)) throw new WeightFileError(path, `not an HDF5 file (no HDF5 signature in its ${size} bytes)`);
  await init();
  return useHdf5File(() => new H5File(path, 'r'), path, use);
}
