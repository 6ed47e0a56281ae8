// Full-size InceptionV3: a Keras weights-only .h5 with seeded random weights, written from the
// tfjs-layers reference (the Keras 2.2.4 InceptionV3 topology serialised by Keras itself, shipped in
// the nsfwjs package, with the keras.applications head avg_pool → predictions) → converter with
// --arch → loadModel → our forward on chelsea.png at 299×299 with 'tf' preprocessing. Reference:
// tfjs-layers (CPU backend) holding the same weights. Tolerance: max |logit − ref| ≤ 1e-4 · max |ref|,
// and the same top class.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGENET_LABELS } from '../../src/models/labels/index.js';
import { tfjs } from '../tfjs.js';
import { kerasInceptionv3 } from '../fixtures/keras-applications.js';
import { argmax, runZooCheck } from '../fixtures/keras-zoo-check.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-zoo-inception-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InceptionV3 at full size: Keras .h5 → gradscope weights → forward', () => {
  it('logits equal tfjs-layers on the same weights within 1e-4 of max|logit|, same class', { timeout: 900_000 }, async () => {
    const tf = await tfjs();
    const reference = await kerasInceptionv3();
    const run = await runZooCheck(tf, { arch: 'inceptionv3', reference, dir, seed: 3, expectParameters: 23_851_784 });
    expect(run.cli.stderr).toBe('');
    expect(run.cli.stdout).toMatch(/^wrote .*inceptionv3\.safetensors: inceptionv3, /);
    expect(run.model.definition.preprocessing).toBe('tf');
    expect(run.model.definition.labels).toEqual(IMAGENET_LABELS);
    expect(run.model.definition.defaultTarget).toBe('mixed10');
    expect(run.comparison.relativeError).toBeLessThanOrEqual(1e-4);
    expect(argmax(run.comparison.ours)).toBe(argmax(run.comparison.reference));
    run.model.dispose();
    reference.dispose();
  });
});
