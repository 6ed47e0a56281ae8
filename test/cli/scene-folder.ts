// A folder of small generated pictures for the folder tests: scenes from src/data (48×48 PNGs), spread
// over subfolders so that the walk is recursive. Deterministic: scene i of seed 7.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderScene } from '../../src/data/index.js';
import { encodePng } from '../../src/image/write-png.js';

/** Writes `count` scenes as <dir>/dNN/scene-NNNN.png (perFolder to a folder); returns the files in walk order. */
export function writeSceneFolder(dir: string, count: number, perFolder = 100, size = 48): string[] {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${String(Math.floor(i / perFolder)).padStart(2, '0')}`);
    if (i % perFolder === 0) mkdirSync(sub, { recursive: true });
    const scene = renderScene(7, i, { size });
    const file = join(sub, `scene-${String(i).padStart(4, '0')}.png`);
    writeFileSync(file, encodePng({ width: size, height: size, data: scene.pixels }));
    files.push(file);
  }
  return files;
}
