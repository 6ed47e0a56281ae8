// Structural checks of a PNG before pngjs decodes it. pngjs reports a short file or a bad CRC with
// messages about its internal reader, and its synchronous inflate swallows zlib errors on current
// Node (it returns uninitialised memory for a broken stream), so we walk the chunks and inflate the
// image data with Node's own zlib first; pngjs then only ever sees well-formed files.
import { inflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { ImageError, MAX_PIXELS, describeError } from './image-error.js';

export { MAX_PIXELS } from './image-error.js';

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

export function checkPng(file: string, bytes: Uint8Array): void {
  const { header, idat } = walkChunks(file, bytes);
  if (idat.length === 0) throw new ImageError(file, 'corrupt PNG data (no IDAT chunk)');
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new ImageError(file, `corrupt PNG data (image data does not inflate: ${describeError(err)})`);
  }
  const needed = imageDataBytes(header);
  if (inflated.length < needed) {
    throw new ImageError(file, `corrupt PNG data (image data holds ${inflated.length} bytes, ${header.width}x${header.height} needs ${needed})`);
  }
}

/**
 * Truncated: the data ends inside a chunk or before IEND. Corrupt: a bad chunk header, a first chunk
 * that is not a valid IHDR, or (like libpng) a CRC mismatch in a critical chunk; ancillary chunks
 * with bad CRCs are left to pngjs, which skips them.
 */
function walkChunks(file: string, bytes: Uint8Array): { header: Header; idat: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  for (;;) {
    if (offset + 8 > bytes.length) throw new ImageError(file, 'truncated PNG data');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) {
      throw new ImageError(file, `corrupt PNG data (bad chunk header at byte ${offset})`);
    }
    if (!header && (type !== 'IHDR' || length !== 13)) {
      throw new ImageError(file, 'corrupt PNG data (the first chunk is not IHDR)');
    }
    if (!header && offset + 8 + 13 <= bytes.length) header = readHeader(file, view, offset + 8);
    if (offset + 12 + length > bytes.length) throw new ImageError(file, 'truncated PNG data');
    const critical = type.charCodeAt(0) < 0x60;
    if (critical && crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new ImageError(file, `corrupt PNG data (CRC mismatch in the ${type} chunk at byte ${offset})`);
    }
    if (type === 'IDAT') idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') return { header: header as Header, idat };
    offset += 12 + length;
  }
}

function readHeader(file: string, view: DataView, at: number): Header {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const depth = view.getUint8(at + 8);
  const colorType = view.getUint8(at + 9);
  const interlace = view.getUint8(at + 12);
  if (width === 0 || height === 0) throw new ImageError(file, `corrupt PNG data (size ${width}x${height})`);
  if (width * height > MAX_PIXELS) {
    throw new ImageError(file, `image too large (${width}x${height}; the limit is ${MAX_PIXELS / 1e6} megapixels)`);
  }
  const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!depths[colorType]?.includes(depth)) {
    throw new ImageError(file, `unsupported PNG colour type ${colorType} with bit depth ${depth}`);
  }
  if (interlace > 1) throw new ImageError(file, `unsupported PNG interlace method ${interlace}`);
  return { width, height, depth, colorType, interlaced: interlace === 1 };
}

/** Filtered image data size: one filter byte per row, rows padded to whole bytes; seven passes if Adam7. */
function imageDataBytes(h: Header): number {
  const bits = CHANNELS[h.colorType] * h.depth;
  const rows = (w: number, n: number) => (w > 0 && n > 0 ? n * (1 + Math.ceil((w * bits) / 8)) : 0);
  if (!h.interlaced) return rows(h.width, h.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
  return total;
}
