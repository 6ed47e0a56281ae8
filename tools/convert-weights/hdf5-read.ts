// Reading opened HDF5 objects (attributes, datasets) and summarising HDF5 errors: the part of the h5wasm
// surface that needs no file system, shared by hdf5.ts (Node) and the page's web/platform/hdf5-browser.ts.
import type { Dataset, Group, OutputData } from 'h5wasm/node';
import { WeightFileError } from '../../src/models/safetensors.js';

/**
 * Opens a file (`open`: h5wasm's File in Node or in a page), runs `use` on it and closes it. Every failure
 * inside, HDF5's or the caller's, comes out as a WeightFileError naming `fileName`.
 */
export function useHdf5File<F extends { close(): unknown }, T>(open: () => F, fileName: string, use: (root: F) => T): T {
  let file: F | undefined;
  try {
    file = open();
    return use(file);
  } catch (e) {
    if (e instanceof WeightFileError) throw e;
    throw new WeightFileError(fileName, summariseHdf5Error(e));
  } finally {
    try {
      file?.close();
    } catch {
      // A file that failed to open has nothing to close.
    }
  }
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
  // Integer weights (a Normalization layer's int64 `count`) are widened like tfjs widens int32.
  if (typeof value === 'bigint') return Float32Array.of(Number(value));
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float32Array.from(value, Number);
  if (value instanceof Int32Array || value instanceof Uint32Array || value instanceof Int16Array || value instanceof Int8Array) return Float32Array.from(value);
  throw new Error(`${what} has dtype ${JSON.stringify(ds.dtype)}, expected float32, float64 or an integer type`);
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
