// Weights files for the pointing-game tests: scenes-resnet with its untrained initial parameters
// (the architecture, labels and input of the real model; its maps point anywhere), written once per
// test file into a temporary directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHAPE_CLASSES } from '../../src/data/classes.js';
import { scenesResnetGraph } from '../../src/models/scenes-resnet.js';
import { writeWeightsFile } from '../../src/models/weights-file.js';
import { initialParameters } from '../../src/train/initialise.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gradscope-pointing-${prefix}-`));
}

/** An untrained scenes-resnet (initialisation seed `seed`) at `dir`/untrained.safetensors. */
export function writeUntrainedScenesResnet(dir: string, seed = 1): string {
  const path = join(dir, 'untrained.safetensors');
  writeWeightsFile(path, initialParameters(scenesResnetGraph(), seed), {
    architecture: 'scenes-resnet',
    source: 'test/pointing/fixtures.ts (untrained initial parameters)',
    sourceSha256: '',
    preprocessing: 'tf',
    labels: SHAPE_CLASSES,
    licence: 'MIT',
  });
  return path;
}
