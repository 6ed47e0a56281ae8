// Decides the format from the bytes, never from the file name: a .png that holds a JPEG still reads,
// and a text file named .png is reported as what it is.

export type Sniffed =
  | { kind: 'png' }
  | { kind: 'jpeg' }
  | { kind: 'truncated'; format: 'PNG' | 'JPEG' }
  | { kind: 'unsupported'; format: string }
  | { kind: 'text'; start: string }
  | { kind: 'unknown'; firstBytes: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SOI = [0xff, 0xd8, 0xff];

export function sniff(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, PNG_SIGNATURE)) return { kind: 'png' };
  if (startsWith(bytes, JPEG_SOI)) return { kind: 'jpeg' };
  // A file cut inside its own signature is a truncated file of that format, not an unknown one.
  if (bytes.length < PNG_SIGNATURE.length && startsWith(PNG_SIGNATURE, Array.from(bytes))) {
    return { kind: 'truncated', format: 'PNG' };
  }
  if (bytes.length < JPEG_SOI.length && startsWith(JPEG_SOI, Array.from(bytes))) {
    return { kind: 'truncated', format: 'JPEG' };
  }
  const other = otherImageFormat(bytes);
  if (other) return { kind: 'unsupported', format: other };
  if (looksLikeText(bytes)) return { kind: 'text', start: textStart(bytes) };
  return { kind: 'unknown', firstBytes: hex(bytes.subarray(0, 8)) };
}

function otherImageFormat(b: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 2) === 'BM') return 'BMP';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand.startsWith('avi')) return 'AVIF';
    if (brand.startsWith('hei') || brand.startsWith('mif') || brand.startsWith('hev')) return 'HEIF';
  }
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50])) return 'JPEG 2000';
  if (/^P[1-7]\s$/.test(ascii(0, 3))) return 'PNM (netpbm)';
  if (startsWith(b, [0xff, 0x0a]) || ascii(4, 8) === 'JXL ') return 'JPEG XL';
  return undefined;
}

function startsWith(bytes: ArrayLike<number>, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Printable ASCII, whitespace or UTF-8 lead/continuation bytes only, in the first 512 bytes. */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    const printable = (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x80;
    if (!printable) return false;
  }
  return n > 0;
}

function textStart(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 40));
  const line = text.replace(/\s+/g, ' ').trim();
  return bytes.length > 40 ? `${line}…` : line;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
