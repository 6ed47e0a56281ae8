// Builds an EXIF APP1 segment by hand (TIFF header + IFD0 with the one Orientation entry) and puts it
// right after a JPEG's SOI marker, as cameras do. Written from the EXIF 2.3 / TIFF 6.0 layout.

export function exifApp1(orientation: number, byteOrder: 'II' | 'MM'): Buffer {
  const le = byteOrder === 'II';
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (v: number, at: number) => (le ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  tiff.write(byteOrder, 0, 'latin1');
  u16(42, 2); // TIFF magic
  u32(8, 4); // IFD0 right after the header
  u16(1, 8); // one entry
  u16(0x0112, 10); // tag: Orientation
  u16(3, 12); // type: SHORT
  u32(1, 14); // count
  u16(orientation, 18); // the value, left-justified in the 4-byte field
  u32(0, 22); // no IFD1
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2); // segment length counts itself
  return Buffer.concat([head, payload]);
}

export function withExif(jpeg: Uint8Array, app1: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  return Buffer.concat([Buffer.from(jpeg.subarray(0, 2)), app1, Buffer.from(jpeg.subarray(2))]);
}
