// h5wasm (HDF5 compiled to WASM, with direct host file access in Node) behind a small surface that
// turns every HDF5 failure into a one-line WeightFileError instead of an HDF5 diagnostic stack.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ready, File as H5File, Group, Dataset, type OutputData } from 'h5wasm/node';
import { WeightFileError } from '../../src/models/safetensors.js';

export { Group, Dataset };

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let initialised: Promise<void> | undefined;

function init(): Promise<void> {
  initialised ??= ready.then((module) => {
    // Makes HDF5 errors JS exceptions carrying the diagnostic text, rather than printing it to stderr.
    module.activate_throwing_error_handler();
  });
  return initialised;
}

/** The last frame of an HDF5 diagnostic stack is the cause ("truncated file: eof = …"); the rest is plumbing. */
export function summariseHdf5Error(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)/g)].map((m) => m[1].trim());
  if (frames.length === 0) return text.split('\n')[0].trim();
  const cause = frames[frames.length - 1];
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(cause);
  if (truncated) return `truncated: the file has ${truncated[1]} bytes, its superblock says ${truncated[2]}`;
  return `HDF5 error: ${cause}`;
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
  let file: H5File | undefined;
  try {
    file = new H5File(path, 'r');
    return use(file);
  } catch (e) {
    if (e instanceof WeightFileError) throw e;
    throw new WeightFileError(path, summariseHdf5Error(e));
  } finally {
    try {
      file?.close();
    } catch {
      // A file that failed to open has nothing to close.
    }
  }
}

/** An attribute as a list of strings (Keras stores name lists as fixed-length byte strings). */
export function stringList(value: OutputData | null): string[] | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array)));
  // An empty list is written as an empty numeric array.
  if (ArrayBuffer.isView(value) && (value as ArrayLike<number>).length === 0) return [];
  return undefined;
}

/**
 * Reads a string-list attribute, following Keras' split of large attributes into `name0`, `name1`, …
 * (an HDF5 object header holds at most 64 KiB of attributes).
 */
export function readStringListAttr(group: Group, name: string): string[] | undefined {
  const attrs = group.attrs;
  if (name in attrs) return stringList(attrs[name].value);
  if (!(`${name}0` in attrs)) return undefined;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in attrs; i++) out.push(...(stringList(attrs[`${name}${i}`].value) ?? []));
  return out;
}

export function readStringAttr(group: Group, name: string): string | undefined {
  if (!(name in group.attrs)) return undefined;
  const v = group.attrs[name].value;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  const list = stringList(v);
  return list?.length === 1 ? list[0] : undefined;
}

function asFloat32(value: OutputData | null, ds: Dataset, what: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  if (typeof value === 'number') return Float32Array.of(value);
  throw new Error(`${what} has dtype ${JSON.stringify(ds.dtype)}, expected float32 or float64`);
}

// Big datasets (VGG16's fc1 is 392 MiB) are read in row blocks so the WASM heap, which never
// shrinks, grows by one block rather than by the whole dataset.
const BLOCK_BYTES = 32 << 20;

/** A dataset's values as float32 (Keras weights are float32; float64 is narrowed). */
export function datasetAsFloat32(ds: Dataset, what: string): { shape: number[]; data: Float32Array } {
  const shape = ds.shape ?? [];
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = count * (ds.metadata.size ?? 4);
  if (shape.length === 0 || bytes <= BLOCK_BYTES || shape[0] < 2) return { shape, data: asFloat32(ds.value, ds, what) };
  const rowValues = count / shape[0];
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / (bytes / shape[0])));
  const data = new Float32Array(count);
  for (let row = 0; row < shape[0]; row += rowsPerBlock) {
    const end = Math.min(shape[0], row + rowsPerBlock);
    data.set(asFloat32(ds.slice([[row, end]]), ds, what), row * rowValues);
  }
  return { shape, data };
}
