// CRC-32 for the test PNG writer, by the bitwise definition (no table), so the test files do not
// depend on the decoder's own CRC code nor on a recent Node's zlib.crc32.
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
