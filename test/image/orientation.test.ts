// EXIF orientation 1–8 on a JPEG whose APP1 segment the test writes by hand, in both byte orders.
// Expected corners come from the EXIF 2.3 wording (where the stored 0th row and 0th column are shown),
// not from the code under test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/image/index.js';
import { readImage } from '../../src/image/read-image.js';
import { exifApp1, withExif } from './exif-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-exif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Stored picture: 48 wide, 32 high, gray, a red 16x16 block in its top-left corner and a green one in
// its top-right corner (16-pixel blocks keep JPEG ringing away from the pixels we look at).
const W = 48;
const H = 32;
function storedJpeg(): Uint8Array {
  const rgba = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c = [128, 128, 128];
      if (y < 16 && x < 16) c = [255, 0, 0];
      if (y < 16 && x >= W - 16) c = [0, 255, 0];
      rgba.set([...c, 255], (y * W + x) * 4);
    }
  }
  return jpeg.encode({ width: W, height: H, data: rgba }, 95).data;
}

type Side = 'top' | 'bottom' | 'left' | 'right';
// EXIF 2.3, tag 0x0112: "the 0th row is at the visual <row>, the 0th column at the visual <column>".
const SPEC: Record<number, { row: Side; column: Side }> = {
  1: { row: 'top', column: 'left' },
  2: { row: 'top', column: 'right' },
  3: { row: 'bottom', column: 'right' },
  4: { row: 'bottom', column: 'left' },
  5: { row: 'left', column: 'top' },
  6: { row: 'right', column: 'top' },
  7: { row: 'right', column: 'bottom' },
  8: { row: 'left', column: 'bottom' },
};
const OPPOSITE: Record<Side, Side> = { top: 'bottom', bottom: 'top', left: 'right', right: 'left' };

/** The visual corner where the stored 0th row meets a stored column that is shown on `columnSide`. */
function corner(rowSide: Side, columnSide: Side): string {
  const vertical = [rowSide, columnSide].find((s) => s === 'top' || s === 'bottom');
  const horizontal = [rowSide, columnSide].find((s) => s === 'left' || s === 'right');
  return `${vertical}-${horizontal}`;
}

function colourAt(img: RgbImage, where: string): string {
  const x = where.endsWith('left') ? 4 : img.width - 5;
  const y = where.startsWith('top') ? 4 : img.height - 5;
  const [r, g, b] = img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3);
  if (r > 200 && g < 60 && b < 60) return 'red';
  if (g > 200 && r < 60 && b < 60) return 'green';
  if (Math.abs(r - 128) < 20 && Math.abs(g - 128) < 20 && Math.abs(b - 128) < 20) return 'gray';
  return `rgb(${r},${g},${b})`;
}

describe('EXIF orientation (expected from the EXIF 2.3 table; colour classes with ±55 levels of JPEG slack)', () => {
  const stored = storedJpeg();
  for (const order of ['MM', 'II'] as const) {
    for (let o = 1; o <= 8; o++) {
      const { row, column } = SPEC[o];
      const red = corner(row, column); // stored (0, 0): 0th row ∩ 0th column
      const green = corner(row, OPPOSITE[column]); // stored (W−1, 0): 0th row ∩ last column
      it(`${order} orientation ${o}: red lands ${red}, green ${green}, size ${o >= 5 ? `${H}x${W}` : `${W}x${H}`}`, async () => {
        const path = join(dir, `o${o}-${order}.jpg`);
        writeFileSync(path, withExif(stored, exifApp1(o, order)));
        const img = await readImage(path);
        expect([img.width, img.height]).toEqual(o >= 5 ? [H, W] : [W, H]);
        expect(colourAt(img, red)).toBe('red');
        expect(colourAt(img, green)).toBe('green');
        const others = ['top-left', 'top-right', 'bottom-left', 'bottom-right'].filter((c) => c !== red && c !== green);
        for (const c of others) expect(colourAt(img, c), c).toBe('gray');
      });
    }
  }

  it('no EXIF, or an orientation value outside 1–8, leaves the picture as stored', async () => {
    for (const [name, bytes] of [
      ['plain.jpg', stored],
      ['o9.jpg', withExif(stored, exifApp1(9, 'MM'))],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const img = await readImage(path);
      expect([img.width, img.height]).toEqual([W, H]);
      expect(colourAt(img, 'top-left')).toBe('red');
      expect(colourAt(img, 'top-right')).toBe('green');
    }
  });
});
