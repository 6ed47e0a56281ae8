// readImage on real photos, on every PNG colour type / bit depth, and on JPEG variants, each checked
// against a second decoder or against exact values worked out from the file's own samples.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/image/index.js';
import { readImage } from '../../src/image/read-image.js';
import { PHOTOS } from './photos.js';
import { buildPng } from './png-builder.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradscope-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

/** Straight alpha over white at sample depth max, rounded once: the definition readImage promises. */
function onWhite(c: number, a: number, max: number): number {
  return Math.round(255 * ((c / max) * (a / max) + (1 - a / max)));
}

describe('the shared photos (reference: pngjs sync API at 8 bits, and ImageMagick 6.9 pixel values)', () => {
  // Pixel values read with ImageMagick's `convert x.png -format %[fx:...] info:`, an independent decoder.
  const cases = [
    { name: 'astronaut', w: 512, h: 512, px: { '0,0': [154, 147, 151], '100,50': [178, 169, 157], '250,150': [221, 188, 163], '300,299': [212, 83, 46] } },
    { name: 'chelsea', w: 451, h: 300, px: { '0,0': [143, 120, 104], '100,50': [120, 84, 52], '250,150': [172, 129, 87], '300,299': [135, 104, 75] } },
    { name: 'coffee', w: 600, h: 400, px: { '0,0': [21, 13, 8], '100,50': [180, 78, 23], '250,150': [233, 146, 54], '300,299': [42, 4, 3] } },
  ];
  for (const c of cases) {
    it(`${c.name}.png: ${c.w}x${c.h}, every pixel equal to pngjs, four pixels equal to ImageMagick (exact)`, async () => {
      const path = join(PHOTOS, `${c.name}.png`);
      const img = await readImage(path);
      expect([img.width, img.height]).toEqual([c.w, c.h]);
      expect(img.data.length).toBe(c.w * c.h * 3);
      const ref = PNG.sync.read(readFileSync(path));
      let mismatches = 0;
      for (let p = 0; p < c.w * c.h; p++) {
        for (let k = 0; k < 3; k++) if (img.data[p * 3 + k] !== ref.data[p * 4 + k]) mismatches++;
      }
      expect(mismatches).toBe(0);
      for (const [xy, rgb] of Object.entries(c.px)) {
        const [x, y] = xy.split(',').map(Number);
        expect(pixel(img, x, y), xy).toEqual(rgb);
      }
    });
  }
});

describe('synthetic PNGs written with pngjs (expected: exact, alpha composited on white and rounded once)', () => {
  it('8-bit RGBA: (200,100,0,a=128) → (227,177,127); a=0 → white; a=255 → itself', async () => {
    const data = Buffer.from([200, 100, 0, 128, 10, 20, 30, 0, 10, 20, 30, 255]);
    const png = new PNG({ width: 3, height: 1 });
    png.data = data;
    const img = await readImage(file('rgba8.png', PNG.sync.write(png, { colorType: 6 })));
    expect(Array.from(img.data)).toEqual([227, 177, 127, 255, 255, 255, 10, 20, 30]);
  });

  it('16-bit RGBA composited at 16 bits: (0x1234, 0xffff, 0, a=0xc000) etc.', async () => {
    const samples = [0x1234, 0xffff, 0x0000, 0xc000, 0x8000, 0x0101, 0xfefe, 0xffff, 0x4000, 0x4000, 0x4000, 0x0001];
    const png = new PNG({ width: 3, height: 1 });
    png.data = Buffer.from(new Uint16Array(samples).buffer);
    const img = await readImage(file('rgba16.png', PNG.sync.write(png, { colorType: 6, bitDepth: 16 })));
    const expected: number[] = [];
    for (let p = 0; p < 3; p++) for (let k = 0; k < 3; k++) expected.push(onWhite(samples[p * 4 + k], samples[p * 4 + 3], 65535));
    expect(Array.from(img.data)).toEqual(expected);
    // Worked by hand: 0x1234/65535 · 0.75 + 0.25 = 0.30332 → 77.35 → 77; opaque 0x8000 → 128.
    expect(expected.slice(0, 6)).toEqual([77, 255, 64, 128, 1, 254]);
  });

  it('8-bit gray and 16-bit gray: v → (v, v, v) and v16 → round(v16·255/65535)', async () => {
    const gray8 = new PNG({ width: 4, height: 1 });
    gray8.data = Buffer.from([0, 0, 0, 255, 1, 1, 1, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    const img8 = await readImage(file('gray8.png', PNG.sync.write(gray8, { colorType: 0 })));
    expect(Array.from(img8.data)).toEqual([0, 0, 0, 1, 1, 1, 128, 128, 128, 255, 255, 255]);

    const g16 = [0, 0x0080, 0x7fff, 0xffff];
    const gray16 = new PNG({ width: 4, height: 1 });
    gray16.data = Buffer.from(new Uint16Array(g16.flatMap((v) => [v, v, v, 0xffff])).buffer);
    const img16 = await readImage(file('gray16.png', PNG.sync.write(gray16, { colorType: 0, bitDepth: 16 })));
    // 0x0080·255/65535 = 0.498 → 0; 0x7fff·255/65535 = 127.498 → 127.
    expect(Array.from(img16.data)).toEqual([0, 0, 0, 0, 0, 0, 127, 127, 127, 255, 255, 255]);
  });

  it('8-bit and 16-bit gray+alpha', async () => {
    const ga8 = new PNG({ width: 2, height: 1 });
    ga8.data = Buffer.from([60, 60, 60, 100, 0, 0, 0, 255]);
    const img8 = await readImage(file('ga8.png', PNG.sync.write(ga8, { colorType: 4 })));
    const v = onWhite(60, 100, 255); // 60·100/255 + 155 = 178.53 → 179
    expect(v).toBe(179);
    expect(Array.from(img8.data)).toEqual([v, v, v, 0, 0, 0]);

    const ga16 = new PNG({ width: 2, height: 1 });
    ga16.data = Buffer.from(new Uint16Array([0x2000, 0x2000, 0x2000, 0x9000, 0xffff, 0xffff, 0xffff, 0x0000]).buffer);
    const img16 = await readImage(file('ga16.png', PNG.sync.write(ga16, { colorType: 4, bitDepth: 16 })));
    const w = onWhite(0x2000, 0x9000, 65535);
    expect(Array.from(img16.data)).toEqual([w, w, w, 255, 255, 255]);
  });
});

describe('synthetic PNGs written by test/image/png-builder.ts (expected: exact)', () => {
  it('8-bit palette with tRNS: opaque, transparent and half-transparent entries', async () => {
    const bytes = buildPng({
      width: 3,
      height: 2,
      colorType: 3,
      bitDepth: 8,
      palette: [255, 0, 0, 0, 255, 0, 10, 20, 30],
      trns: [255, 0, 128],
      samples: [0, 1, 2, 2, 1, 0],
    });
    const img = await readImage(file('palette8.png', bytes));
    const half = [onWhite(10, 128, 255), onWhite(20, 128, 255), onWhite(30, 128, 255)];
    expect(half).toEqual([132, 137, 142]);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 255, 255, 255, ...half, ...half, 255, 255, 255, 255, 0, 0]);
  });

  it('4-bit palette, odd width (rows padded to a byte)', async () => {
    const palette = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, i]).flat();
    const samples = [0, 5, 15, 7, 1, 14];
    const img = await readImage(file('palette4.png', buildPng({ width: 3, height: 2, colorType: 3, bitDepth: 4, palette, samples })));
    expect(Array.from(img.data)).toEqual(samples.flatMap((i) => [i * 16, 255 - i * 16, i]));
  });

  it('1-bit and 2-bit gray scale to 0..255 (1 → 255; 0..3 → 0, 85, 170, 255)', async () => {
    const bits = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]; // width 10: two bytes per row, 6 bits of padding
    const one = await readImage(file('gray1.png', buildPng({ width: 10, height: 1, colorType: 0, bitDepth: 1, samples: bits })));
    expect(Array.from(one.data)).toEqual(bits.flatMap((b) => [b * 255, b * 255, b * 255]));
    const two = await readImage(file('gray2.png', buildPng({ width: 4, height: 1, colorType: 0, bitDepth: 2, samples: [0, 1, 2, 3] })));
    expect(Array.from(two.data)).toEqual([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255]);
  });

  it('gray and RGB with a tRNS colour key: that exact colour becomes white, its neighbours stay', async () => {
    const gray = await readImage(file('graykey.png', buildPng({ width: 3, height: 1, colorType: 0, bitDepth: 8, samples: [7, 8, 6], trns: [7] })));
    expect(Array.from(gray.data)).toEqual([255, 255, 255, 8, 8, 8, 6, 6, 6]);
    const rgb = await readImage(file('rgbkey.png', buildPng({ width: 2, height: 1, colorType: 2, bitDepth: 8, samples: [1, 2, 3, 1, 2, 4], trns: [1, 2, 3] })));
    expect(Array.from(rgb.data)).toEqual([255, 255, 255, 1, 2, 4]);
  });

  it('16-bit RGB without alpha: round(v·255/65535)', async () => {
    const samples = [0, 0x8000, 0xffff, 0x0081, 0x0080, 0x7f7f];
    const img = await readImage(file('rgb16.png', buildPng({ width: 2, height: 1, colorType: 2, bitDepth: 16, samples })));
    expect(Array.from(img.data)).toEqual(samples.map((v) => Math.round((v * 255) / 65535)));
  });
});

describe('fixtures decoded by a second decoder (test/image/fixtures/README.md)', () => {
  function readPnm(path: string): { w: number; h: number; channels: number; data: Uint8Array } {
    const bytes = readFileSync(path);
    const m = /^(P[56])\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString('latin1'));
    if (!m) throw new Error(`not a binary PNM: ${path}`);
    return { w: Number(m[2]), h: Number(m[3]), channels: m[1] === 'P6' ? 3 : 1, data: bytes.subarray(m[0].length) };
  }

  function maxDiff(img: RgbImage, ref: ReturnType<typeof readPnm>): number {
    let max = 0;
    for (let p = 0; p < img.width * img.height; p++) {
      for (let k = 0; k < 3; k++) {
        const r = ref.data[p * ref.channels + (ref.channels === 3 ? k : 0)];
        max = Math.max(max, Math.abs(img.data[p * 3 + k] - r));
      }
    }
    return max;
  }

  // jpeg-js and libjpeg-turbo use different IDCTs; measured max differences are 3, 1 and 3 levels.
  for (const [jpg, ref, tol] of [
    ['progressive.jpg', 'prog_ref.ppm', 3],
    ['gray.jpg', 'gray_ref.pgm', 1],
    ['cmyk.jpg', 'cmyk_ref.ppm', 3],
  ] as const) {
    it(`${jpg}: 48x32, every channel within ±${tol} levels of libjpeg-turbo / ImageMagick`, async () => {
      const img = await readImage(join(FIXTURES, jpg));
      const r = readPnm(join(FIXTURES, ref));
      expect([img.width, img.height]).toEqual([r.w, r.h]);
      expect(maxDiff(img, r)).toBeLessThanOrEqual(tol);
    });
  }

  it('interlaced.png (Adam7): equal to the same 48x32 crop of chelsea.png (exact)', async () => {
    const img = await readImage(join(FIXTURES, 'interlaced.png'));
    const whole = await readImage(join(PHOTOS, 'chelsea.png'));
    expect([img.width, img.height]).toEqual([48, 32]);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 48; x++) expect(pixel(img, x, y)).toEqual(pixel(whole, 190 + x, 90 + y));
    }
  });

  it('a JPEG saved with a .png name is read by its content (jpeg-js encode at q=95, within ±12 of the source)', async () => {
    const src = await readImage(join(PHOTOS, 'chelsea.png'));
    const rgba = Buffer.alloc(src.width * src.height * 4, 255);
    for (let p = 0; p < src.width * src.height; p++) for (let k = 0; k < 3; k++) rgba[p * 4 + k] = src.data[p * 3 + k];
    const encoded = jpeg.encode({ width: src.width, height: src.height, data: rgba }, 95).data;
    const img = await readImage(file('actually-a-jpeg.png', encoded));
    expect([img.width, img.height]).toEqual([451, 300]);
    let sum = 0;
    for (let i = 0; i < img.data.length; i++) sum += Math.abs(img.data[i] - src.data[i]);
    expect(sum / img.data.length).toBeLessThan(3); // mean absolute error of a q=95 JPEG
    expect(pixel(img, 250, 150).every((v, k) => Math.abs(v - [172, 129, 87][k]) <= 12)).toBe(true);
  });
});
