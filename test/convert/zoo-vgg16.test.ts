// Full-size VGG16 (138M parameters; fc1 alone is 392 MiB, above one storage binding): a Keras
// weights-only .h5 with seeded random weights (written from the tfjs-layers reference built under
// the Keras layer names) → converter with --arch → loadModel → our forward on chelsea.png at
// 224×224 with 'caffe' preprocessing. Reference: tfjs-layers (CPU backend) holding the same weights.
// Tolerance: max |logit − ref| ≤ 1e-4 · max |ref|, and the same top class.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGENET_LABELS } from '../../src/models/labels/index.js';
import { tfjs } from '../tfjs.js';
import { kerasVgg16 } from '../fixtures/keras-applications.js';
import { argmax, runZooCheck } from '../fixtures/keras-zoo-check.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-zoo-vgg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VGG16 at full size: Keras .h5 → gradscope weights → forward', () => {
  it('logits equal tfjs-layers on the same weights within 1e-4 of max|logit|, same class', { timeout: 900_000 }, async () => {
    const tf = await tfjs();
    const reference = kerasVgg16();
    const run = await runZooCheck(tf, { arch: 'vgg16', reference, dir, seed: 16, expectParameters: 138_357_544 });
    expect(run.cli.stderr).toBe('');
    expect(run.cli.stdout).toMatch(/^wrote .*vgg16\.safetensors: vgg16, /);
    expect(run.model.definition.preprocessing).toBe('caffe');
    expect(run.model.definition.labels).toEqual(IMAGENET_LABELS);
    expect(run.model.definition.defaultTarget).toBe('block5_conv3');
    expect(run.comparison.relativeError).toBeLessThanOrEqual(1e-4);
    expect(argmax(run.comparison.ours)).toBe(argmax(run.comparison.reference));
    run.model.dispose();
    reference.dispose();
  });
});
