// Full-size ResNet50V2: a Keras weights-only .h5 with seeded random weights (written from the
// tfjs-layers reference built under the Keras layer names, its classifier stored as 'probs' as
// keras-applications named it) → converter with --arch → loadModel → our forward on chelsea.png at
// 224×224 with 'tf' preprocessing. Reference: tfjs-layers (CPU backend) holding the same weights.
// Tolerance: max |logit − ref| ≤ 1e-4 · max |ref|, and the same top class. Measured 1.2e-6.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGENET_LABELS } from '../../src/models/labels/index.js';
import { tfjs } from '../tfjs.js';
import { kerasResnet50v2 } from '../fixtures/keras-applications.js';
import { argmax, runZooCheck } from '../fixtures/keras-zoo-check.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-zoo-resnet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ResNet50V2 at full size: Keras .h5 → gradscope weights → forward', () => {
  it('logits equal tfjs-layers on the same weights within 1e-4 of max|logit|, same class', { timeout: 900_000 }, async () => {
    const tf = await tfjs();
    const reference = kerasResnet50v2();
    const run = await runZooCheck(tf, { arch: 'resnet50v2', reference, dir, seed: 502, renames: { predictions: 'probs' }, expectParameters: 25_613_800 });
    expect(run.cli.stderr).toBe('');
    expect(run.cli.stdout).toMatch(/^wrote .*resnet50v2\.safetensors: resnet50v2, /);
    expect(run.model.definition.preprocessing).toBe('tf');
    expect(run.model.definition.labels).toEqual(IMAGENET_LABELS);
    expect(run.model.definition.defaultTarget).toBe('post_relu');
    expect(run.comparison.relativeError).toBeLessThanOrEqual(1e-4);
    expect(argmax(run.comparison.ours)).toBe(argmax(run.comparison.reference));
    run.model.dispose();
    reference.dispose();
  });
});
