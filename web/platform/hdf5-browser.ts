// A page's h5wasm: the browser build, whose files live in its in-memory file system. The page puts a
// dropped file's bytes there (putHdf5) and the Keras H5 reader opens it by that path, as in Node.
// Replaces tools/convert-weights/hdf5.ts in a browser bundle (browser-edges.ts).
import { ready, File as H5File, Group, Dataset } from 'h5wasm';
import { useHdf5File } from '../../tools/convert-weights/hdf5-read.js';

export { Group, Dataset };
export * from '../../tools/convert-weights/hdf5-read.js';

type H5Module = Awaited<typeof ready>;
let initialised: Promise<H5Module> | undefined;

function init(): Promise<H5Module> {
  initialised ??= ready.then((module) => {
    module.activate_throwing_error_handler();
    return module;
  });
  return initialised;
}

/** Writes the bytes into h5wasm's memory file system; returns the path to open. */
export async function putHdf5(name: string, bytes: Uint8Array): Promise<string> {
  const module = await init();
  const path = `/${name.replace(/[/\\]/g, '_')}`;
  module.FS.writeFile(path, bytes);
  return path;
}

/** Opens a file put there read-only, runs `use`, closes and removes it; every failure is a WeightFileError. */
export async function withHdf5File<T>(path: string, use: (root: H5File) => T): Promise<T> {
  const module = await init();
  try {
    return useHdf5File(() => new H5File(path, 'r'), path.slice(1), use);
  } finally {
    module.FS.unlink(path);
  }
}
