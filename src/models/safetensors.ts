// The safetensors container: u64 little-endian header length, a JSON header
// ({ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } }),
// then the raw little-endian tensor bytes. Reads F32, F16 and BF16 into Float32Array; writes F32.
// Every problem with a file is a WeightFileError naming the file, in one line.
// Bytes only: reading and writing files is src/models/safetensors-file.ts (the Node edge).

// Typed arrays are read and written as they lie in memory, which is the file's byte order only here.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('gradscope weight files need a little-endian host');

/** A weight file that cannot be read or written; the message is one line that starts with the file. */
export class WeightFileError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    const oneLine = problem.replace(/\s+/g, ' ').trim();
    super(`${file}: ${oneLine}`);
    this.name = 'WeightFileError';
    this.file = file;
    this.problem = oneLine;
  }
}

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsEntry extends NamedTensor {
  /** The dtype stored in the file; data is always float32. */
  readonly dtype: SafetensorsDtype;
}

export interface SafetensorsContents {
  /** Tensors in file order (ascending data offset). */
  readonly tensors: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
// The reference implementation refuses headers above 100 MB; so do we, before allocating anything.
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

let halfTable: Float32Array | undefined;

/** IEEE 754 binary16 bit patterns → float32 (exact: every half is a float). */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const mant = h & 0x3ff;
      if (exp === 0) halfTable[h] = sign * mant * 2 ** -24;
      else if (exp === 31) halfTable[h] = mant ? NaN : sign * Infinity;
      else halfTable[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
    }
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

/** bfloat16 bit patterns → float32: they are the top 16 bits of a float32. */
export function decodeBfloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/** Little-endian element bytes → Float32Array: a view when F32 data is 4-byte aligned, else a copy. */
function decodeElements(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32' && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const copy = new Uint8Array(bytes); // a copy (Buffer.slice would be a view)
  if (dtype === 'F32') return new Float32Array(copy.buffer, 0, copy.length / 4);
  const bits = new Uint16Array(copy.buffer, 0, copy.length / 2);
  return dtype === 'F16' ? decodeFloat16(bits) : decodeBfloat16(bits);
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WeightFileError(file, `${METADATA_KEY} must be an object of strings`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new WeightFileError(file, `${METADATA_KEY}.${key} must be a string, got ${typeof v}`);
    metadata[key] = v;
  }
  return metadata;
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseEntry(file: string, name: string, value: unknown, dataBytes: number): HeaderEntry {
  if (typeof value !== 'object' || value === null) throw new WeightFileError(file, `tensor '${name}' has no header object`);
  const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    throw new WeightFileError(file, `tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (readable: F32, F16, BF16)`);
  }
  if (!isShape(shape)) throw new WeightFileError(file, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new WeightFileError(file, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataBytes) {
    throw new WeightFileError(file, `tensor '${name}' data_offsets [${begin}, ${end}] out of range: the data section has ${dataBytes} bytes (truncated file?)`);
  }
  const kind = dtype as SafetensorsDtype;
  const expected = elementCount(shape) * BYTES_PER_ELEMENT[kind];
  if (end - begin !== expected) {
    throw new WeightFileError(file, `tensor '${name}' shape [${shape.join(', ')}] ${kind} needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  return { name, dtype: kind, shape, begin, end };
}

/** Parses a whole safetensors file held in memory. `file` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  if (bytes.length < 8) throw new WeightFileError(file, `truncated: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new WeightFileError(
      file,
      `header length ${headerLength} runs beyond the end of the file (${bytes.length} bytes): truncated or not a safetensors file`,
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw new WeightFileError(file, `header length ${headerLength} exceeds the 100 MB limit`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (e) {
    throw new WeightFileError(file, `header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new WeightFileError(file, 'header JSON must be an object');
  }
  const dataBytes = bytes.length - headerEnd;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(file, value);
    else entries.push(parseEntry(file, name, value, dataBytes));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const [i, e] of entries.entries()) {
    if (e.begin < covered) {
      throw new WeightFileError(
        file,
        `tensor '${e.name}' [${e.begin}, ${e.end}] overlaps '${entries[i - 1].name}' [${entries[i - 1].begin}, ${entries[i - 1].end}]`,
      );
    }
    if (e.begin > covered) throw new WeightFileError(file, `data section has a gap at bytes [${covered}, ${e.begin}) before tensor '${e.name}'`);
    covered = e.end;
  }
  if (covered !== dataBytes) {
    throw new WeightFileError(file, `data section has ${dataBytes} bytes but the tensors cover ${covered}`);
  }
  const tensors = new Map<string, SafetensorsEntry>();
  for (const e of entries) {
    const data = decodeElements(bytes.subarray(headerEnd + e.begin, headerEnd + e.end), e.dtype);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** The header bytes (length prefix + JSON padded with spaces to a multiple of 8) for F32 tensors in the given order. */
export function encodeSafetensorsHeader(file: string, tensors: ReadonlyMap<string, NamedTensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = parseMetadata(file, metadata);
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new WeightFileError(file, `'${METADATA_KEY}' cannot name a tensor`);
    if (!isShape(t.shape)) throw new WeightFileError(file, `tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    if (elementCount(t.shape) !== t.data.length) {
      throw new WeightFileError(file, `tensor '${name}' shape [${t.shape.join(', ')}] needs ${elementCount(t.shape)} values, given ${t.data.length}`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** The whole file in memory (for small files and tests). */
export function serializeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata: Record<string, string> = {}, file = '<memory>'): Uint8Array {
  const header = encodeSafetensorsHeader(file, tensors, metadata);
  let total = header.length;
  for (const t of tensors.values()) total += t.data.byteLength;
  const out = new Uint8Array(total);
  out.set(header, 0);
  let at = header.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
