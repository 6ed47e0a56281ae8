// Files that are not readable pictures: each must throw ImageError with .file set and a one-line message
// that starts with the file's path and names the problem.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc.js';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageError } from '../../src/image/index.js';
import { readImage } from '../../src/image/read-image.js';
import { photo } from './photos.js';
import { buildPng } from './png-builder.js';
import { seededBytes } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const chelsea = readFileSync(photo('chelsea'));

async function failure(path: string): Promise<ImageError> {
  try {
    await readImage(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ImageError);
    const e = err as ImageError;
    expect(e.file).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    expect(e.message).not.toMatch(/[\r\n]/);
    return e;
  }
  throw new Error(`readImage(${path}) did not throw`);
}

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Rewrites IHDR's width and height and its CRC, so only the size is wrong. */
function patchSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

function smallJpeg(): Uint8Array {
  const rgba = Buffer.alloc(32 * 24 * 4, 200);
  return jpeg.encode({ width: 32, height: 24, data: rgba }, 90).data;
}

describe('corrupt or unsupported input → one-line ImageError naming the file', () => {
  const cases: [string, () => string, RegExp][] = [
    ['truncated PNG (first half of chelsea.png)', () => write('half.png', chelsea.subarray(0, chelsea.length >> 1)), /: truncated PNG data$/],
    ['PNG cut inside its signature', () => write('sig.png', chelsea.subarray(0, 5)), /: truncated PNG data$/],
    ['PNG without its last 5 bytes (IEND cut)', () => write('noiend.png', chelsea.subarray(0, chelsea.length - 5)), /: truncated PNG data$/],
    [
      'PNG with a damaged IDAT byte (CRC mismatch)',
      () => {
        const bytes = Buffer.from(chelsea);
        bytes[6000] ^= 0xff; // inside the first IDAT (chunk layout: IHDR, iCCP, pHYs, iTXt, IDAT at 5825)
        return write('crc.png', bytes);
      },
      /: corrupt PNG data \(CRC mismatch in the IDAT chunk at byte 5825\)$/,
    ],
    [
      'PNG whose IDAT holds no valid zlib stream (CRCs correct)',
      () => {
        return write('zlib.png', buildPng({ width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [1, 2, 3, 4], idat: seededBytes(40, 11) }));
      },
      /: corrupt PNG data \(.+\)$/,
    ],
    [
      'PNG whose (valid) zlib stream holds too few bytes for its size',
      () => {
        return write(
          'short.png',
          buildPng({ width: 4, height: 4, colorType: 2, bitDepth: 8, samples: new Array(48).fill(0), idat: deflateSync(Buffer.alloc(20)) }),
        );
      },
      /: corrupt PNG data \(image data holds 20 bytes, 4x4 needs 52\)$/,
    ],
    [
      'a PNG claiming 200000x200000 pixels',
      () => {
        const bytes = buildPng({ width: 1, height: 1, colorType: 0, bitDepth: 8, samples: [0] });
        return write('huge.png', patchSize(bytes, 200000, 200000));
      },
      /: image too large \(200000x200000; the limit is 100 megapixels\)$/,
    ],
    ['a PPM', () => write('photo.ppm', Buffer.concat([Buffer.from('P6\n2 1\n255\n'), Buffer.alloc(6)])), /: unsupported image format PNM \(netpbm\)/],
    ['random bytes', () => write('random.png', seededBytes(4096, 7)), /: not a PNG or JPEG file \(unrecognised content starting [0-9a-f ]+\)$/],
    ['empty file', () => write('empty.png', new Uint8Array(0)), /: empty file$/],
    [
      'truncated JPEG (60% of it)',
      () => {
        const j = smallJpeg();
        return write('cut.jpg', j.subarray(0, Math.floor(j.length * 0.6)));
      },
      /: truncated JPEG data$/,
    ],
    ['JPEG cut after its header', () => write('head.jpg', smallJpeg().subarray(0, 40)), /: truncated JPEG data$/],
    [
      'a text file named .png',
      () => write('notes.png', 'hello, this is not\na picture at all\n'),
      /: not a PNG or JPEG file \(it holds text: "hello, this is not a picture at all"\)$/,
    ],
    ['a GIF', () => write('anim.gif', Buffer.concat([Buffer.from('GIF89a'), seededBytes(64, 3)])), /: unsupported image format GIF/],
    ['a missing file', () => join(dir, 'missing.png'), /: no such file$/],
    [
      'a directory',
      () => {
        const d = join(dir, 'folder.png');
        mkdirSync(d);
        return d;
      },
      /: is a directory, not an image file$/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const e = await failure(make());
      expect(e.message).toMatch(message);
    });
  }
});
