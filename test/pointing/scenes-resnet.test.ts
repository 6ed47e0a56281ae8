// The requirement on the bundled model: Grad-CAM at the automatic node points inside the
// object on at least 90 % of 100 held-out scenes (the scenes the trainer evaluated on, stream of the
// training seed in the weights' metadata). Skipped, and saying why, only while the weights file has
// not been trained yet.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heldOutScene, heldOutScenes } from '../../src/cli/pointing-game-command.js';
import { pointingGame } from '../../src/gradcam/pointing-game.js';
import { loadModel, WEIGHTS_DIR } from '../../src/models/load.js';

const WEIGHTS = join(WEIGHTS_DIR, 'scenes-resnet.safetensors');
const trained = existsSync(WEIGHTS);
const name = trained
  ? 'Grad-CAM at the automatic node (post_relu) hits the object on ≥ 90 % of 100 held-out scenes (threshold: the issue\'s requirement)'
  : 'Grad-CAM ≥ 90 % on 100 held-out scenes — SKIPPED: weights/scenes-resnet.safetensors does not exist yet (npm run train-demo)';

describe('scenes-resnet pointing game', () => {
  it.skipIf(!trained)(name, async () => {
    const model = await loadModel('scenes-resnet');
    try {
      const scenes = heldOutScenes(WEIGHTS, 96);
      const result = await pointingGame(model, (i) => heldOutScene(scenes, i), 100, { methods: ['gradcam'], layer: 'auto' });
      expect(result.node).toBe('post_relu');
      const [gradcam] = result.scores;
      expect(gradcam.name).toBe('gradcam');
      expect(gradcam.rate, `${gradcam.hits} of 100 hits`).toBeGreaterThanOrEqual(0.9);
    } finally {
      model.dispose();
    }
  });
});
