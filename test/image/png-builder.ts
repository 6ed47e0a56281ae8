// A minimal PNG writer for the tests (filter 0 on every row, one IDAT), written from the PNG spec so
// that decoder tests can use the colour types and bit depths pngjs cannot write (palette, 1/2/4-bit,
// tRNS). Independent of the code under test.
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc.js';

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Row-major samples, channels per pixel as the colour type says (palette: one index). */
  samples: readonly number[];
  /** RGB triplets. */
  palette?: readonly number[];
  /** tRNS chunk payload as the spec lays it out for the colour type. */
  trns?: readonly number[];
  /** Replaces the compressed image data (to build broken files). */
  idat?: Uint8Array;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function buildPng(spec: PngSpec): Buffer {
  const channels = CHANNELS[spec.colorType];
  const rowBytes = Math.ceil((spec.width * channels * spec.bitDepth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * spec.height);
  for (let y = 0; y < spec.height; y++) {
    const rowStart = y * (rowBytes + 1) + 1; // byte before it: filter type 0
    for (let i = 0; i < spec.width * channels; i++) {
      const v = spec.samples[y * spec.width * channels + i];
      if (spec.bitDepth === 16) {
        raw.writeUInt16BE(v, rowStart + i * 2);
      } else if (spec.bitDepth === 8) {
        raw[rowStart + i] = v;
      } else {
        const bit = i * spec.bitDepth;
        raw[rowStart + (bit >> 3)] |= v << (8 - spec.bitDepth - (bit & 7));
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr[8] = spec.bitDepth;
  ihdr[9] = spec.colorType;
  const chunks = [chunk('IHDR', ihdr)];
  if (spec.palette) chunks.push(chunk('PLTE', Buffer.from(spec.palette)));
  if (spec.trns) {
    const trns =
      spec.colorType === 3
        ? Buffer.from(spec.trns)
        : Buffer.concat(
            spec.trns.map((v) => {
              const b = Buffer.alloc(2);
              b.writeUInt16BE(v);
              return b;
            }),
          );
    chunks.push(chunk('tRNS', trns));
  }
  chunks.push(chunk('IDAT', spec.idat ? Buffer.from(spec.idat) : deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}
