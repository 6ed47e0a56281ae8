// explain's argument expansion without the GPU: directory walks by content, glob keys, names that exist
// taken literally, colliding output keys refused; and the progress bar's clock. Expected values are
// written out by hand from the files each case creates.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clock } from '../../src/cli/console.js';
import { checkOutputKeys } from '../../src/cli/explain-run.js';
import { imageInputs, isImageFile } from '../../src/cli/image-inputs.js';
import { REPO, tempDir } from './run-cli.js';

const STAR = join(REPO, 'examples', 'scenes', 'star.png');

function folder(): string {
  const dir = tempDir('inputs');
  mkdirSync(join(dir, 'in', 'b', 'c'), { recursive: true });
  copyFileSync(STAR, join(dir, 'in', 'a.png'));
  copyFileSync(STAR, join(dir, 'in', 'b', 'c', 'd.jpg')); // a PNG named .jpg: content decides
  writeFileSync(join(dir, 'in', 'b', 'e.png'), 'text\n');
  writeFileSync(join(dir, 'in', 'b', 'tiny.png'), new Uint8Array([0x89, 0x50])); // cut inside the signature
  return dir;
}

describe('imageInputs', () => {
  it('walks a directory recursively, keeps images by content, keys them by their path below it', () => {
    const dir = folder();
    expect(isImageFile(join(dir, 'in', 'b', 'c', 'd.jpg'))).toBe(true);
    expect(isImageFile(join(dir, 'in', 'b', 'e.png'))).toBe(false);
    const { images, expanded } = imageInputs([join(dir, 'in')], join(dir, 'out'));
    expect(expanded).toBe(true);
    expect(images).toEqual([
      { file: join(dir, 'in', 'a.png'), key: 'a' },
      { file: join(dir, 'in', 'b', 'c', 'd.jpg'), key: 'b/c/d' },
    ]);
  });

  it('skips files under --out when --out lies inside the folder', () => {
    const dir = folder();
    mkdirSync(join(dir, 'in', 'maps'));
    copyFileSync(STAR, join(dir, 'in', 'maps', 'a.gradcam.png'));
    expect(imageInputs([join(dir, 'in')], join(dir, 'in', 'maps')).images.map((i) => i.key)).toEqual(['a', 'b/c/d']);
  });

  it('expands a glob below its fixed part; a file given by name keeps its base name, even one with pattern characters', () => {
    const dir = folder();
    const globbed = imageInputs([`${join(dir, 'in')}/**/*.{png,jpg}`], join(dir, 'out'));
    expect(globbed.images.map((i) => i.key)).toEqual(['a', 'b/c/d']);
    const odd = join(dir, 'in', 'photo[1].png');
    copyFileSync(STAR, odd);
    expect(imageInputs([odd], join(dir, 'out'))).toEqual({ images: [{ file: odd, key: 'photo[1]' }], expanded: false });
  });

  it('one clear error for a folder without images and for a glob that matches none', () => {
    const dir = folder();
    expect(() => imageInputs([join(dir, 'in', 'b')], 'out')).not.toThrow(); // b/c/d.jpg is below it
    mkdirSync(join(dir, 'none'));
    expect(() => imageInputs([join(dir, 'none')], 'out')).toThrow(`${join(dir, 'none')}: no PNG or JPEG files in this directory or below it`);
    expect(() => imageInputs([`${dir}/**/*.gif`], 'out')).toThrow(`${dir}/**/*.gif: no PNG or JPEG files match this pattern`);
  });

  it('two images with one output key are refused before any work', () => {
    expect(() =>
      checkOutputKeys([
        { file: 'x/a.png', key: 'a' },
        { file: 'y/a.jpg', key: 'a' },
      ]),
    ).toThrow("'x/a.png' and 'y/a.jpg' would both write a.*; explain them in separate runs or with different --out directories");
    expect(() =>
      checkOutputKeys([
        { file: 'x/a.png', key: 'x/a' },
        { file: 'y/a.png', key: 'y/a' },
      ]),
    ).not.toThrow();
  });
});

describe('clock', () => {
  it('m:ss under an hour, h:mm:ss above', () => {
    expect([clock(0), clock(59.6), clock(61), clock(3599), clock(3600), clock(36_061)]).toEqual(['0:00', '1:00', '1:01', '59:59', '1:00:00', '10:01:01']);
  });
});
