// writePng: round trip through two decoders, directory creation, atomic replacement, and no temp file
// left behind when writing fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageError, type RgbImage } from '../../src/image/index.js';
import { readImage } from '../../src/image/read-image.js';
import { writePng } from '../../src/image/write-png.js';
import { seededBytes } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const img: RgbImage = { width: 13, height: 7, data: seededBytes(13 * 7 * 3, 42) };

describe('writePng', () => {
  it('round trip: readImage and pngjs both give back the same bytes (exact), 8-bit RGB on disk', async () => {
    const path = join(dir, 'new', 'nested', 'out.png'); // directories created on the way
    await writePng(path, img);
    const back = await readImage(path);
    expect([back.width, back.height]).toEqual([13, 7]);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    const raw = PNG.sync.read(readFileSync(path));
    expect([raw.colorType, raw.depth]).toEqual([2, 8]);
    const rgb = Array.from(raw.data).filter((_, i) => i % 4 !== 3);
    expect(rgb).toEqual(Array.from(img.data));
    expect(readdirSync(join(dir, 'new', 'nested'))).toEqual(['out.png']);
  });

  it('replaces an existing file, leaving only the new one', async () => {
    const path = join(dir, 'replace.png');
    writeFileSync(path, 'old contents');
    await writePng(path, img);
    expect(Array.from((await readImage(path)).data)).toEqual(Array.from(img.data));
    expect(readdirSync(dir).filter((f) => f.includes('replace'))).toEqual(['replace.png']);
  });

  it('a subarray view is written from its own bytes, not from the start of its buffer', async () => {
    const big = new Uint8Array(10 + 2 * 2 * 3).fill(9);
    const view = big.subarray(10);
    view.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const path = join(dir, 'view.png');
    await writePng(path, { width: 2, height: 2, data: view });
    expect(Array.from((await readImage(path)).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('failing rename (the target is a directory): ImageError naming the file, no temp file left', async () => {
    const sub = join(dir, 'fail');
    const target = join(sub, 'taken.png');
    mkdirSync(target, { recursive: true });
    await expect(writePng(target, img)).rejects.toThrow(ImageError);
    await expect(writePng(target, img)).rejects.toThrow(new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the PNG`));
    expect(readdirSync(sub)).toEqual(['taken.png']);
  });

  it('failing mkdir (a parent is a file): ImageError, nothing created', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file');
    await expect(writePng(join(blocker, 'x.png'), img)).rejects.toThrow(ImageError);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an image whose data does not match its size is refused before anything is written', async () => {
    const path = join(dir, 'bad', 'bad.png');
    await expect(writePng(path, { width: 3, height: 3, data: new Uint8Array(5) })).rejects.toThrow(/writePng/);
    expect(() => readdirSync(join(dir, 'bad'))).toThrow();
  });
});
