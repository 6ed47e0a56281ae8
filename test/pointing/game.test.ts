// pointingGame end to end on models: the flat-map rule and the baselines on hand-made scenes with a
// model whose maps are known (test/cli/fixture.ts: class 'tree' has zero dense weights, so its
// Grad-CAM map is exactly all-zero), and, on an untrained scenes-resnet, that the maps scored are
// the explain path's maps and the hits those of the float64 reference upsampling
// (test/pointing/reference.ts) of those maps.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '../../src/data/scenes.js';
import { computeLowres, explain } from '../../src/methods/index.js';
import {
  CENTRE_BASELINE,
  pointingGame,
  pointingRates,
  POINTING_FAST_METHODS,
  RANDOM_BASELINE,
  sceneMaps,
  type PointingScene,
} from '../../src/metrics/pointing-game.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { FIXTURE_SIZE, writeFixtureWeights } from '../cli/fixture.js';
import { randomArray } from '../helpers.js';
import { tempDir, writeUntrainedScenesResnet } from './fixtures.js';
import { argmaxReference, upsampleReference } from './reference.js';

let fixture: Model;
let scenes: Model;

beforeAll(async () => {
  const dir = tempDir('game');
  const fixturePath = join(dir, 'fixture.safetensors');
  writeFixtureWeights(fixturePath);
  fixture = await loadModel(fixturePath);
  scenes = await loadModel(writeUntrainedScenesResnet(dir));
});

afterAll(() => {
  fixture?.dispose();
  scenes?.dispose();
});

function fixtureScene(classIndex: number, on: (x: number, y: number) => boolean): PointingScene {
  const n = FIXTURE_SIZE;
  const pixels = Uint8Array.from(randomArray(n * n * 3, 11, 0, 255), Math.round);
  const data = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[y * n + x] = on(x, y) ? 1 : 0;
  return { pixels, mask: { width: n, height: n, data }, classIndex };
}

describe('pointingGame on hand-made scenes (exact counts)', () => {
  it('a flat (all-zero) map is a miss even when the object covers the whole picture; an ok map there is a hit', async () => {
    const everywhere = () => true;
    const tree = await pointingGame(fixture, () => fixtureScene(3, everywhere), 2, { methods: ['gradcam'] });
    expect(tree.scores.map((s) => [s.name, s.hits, s.n, s.flat])).toEqual([
      ['gradcam', 0, 2, 2],
      [CENTRE_BASELINE, 2, 2, 0],
      [RANDOM_BASELINE, 2, 2, 0],
    ]);
    const cat = await pointingGame(fixture, () => fixtureScene(0, everywhere), 2, { methods: ['gradcam'] });
    expect(cat.scores[0]).toMatchObject({ name: 'gradcam', hits: 2, n: 2, rate: 1, flat: 0 });
    expect(cat.meanObjectFraction).toBe(1);
    expect(pointingRates(cat)).toEqual({ gradcam: 1, [CENTRE_BASELINE]: 1, [RANDOM_BASELINE]: 1 });
  });

  it('the centre baseline hits exactly when the mask covers pixel (11, 11) of a 24×24 scene', async () => {
    const onCentre = await pointingGame(fixture, () => fixtureScene(0, (x, y) => x === 11 && y === 11), 1, { methods: ['gradcam'] });
    expect(onCentre.scores.find((s) => s.name === CENTRE_BASELINE)?.hits).toBe(1);
    const beside = await pointingGame(fixture, () => fixtureScene(0, (x, y) => (x === 12 && y === 11) || (x === 11 && y === 12)), 1, { methods: ['gradcam'] });
    expect(beside.scores.find((s) => s.name === CENTRE_BASELINE)?.hits).toBe(0);
  });

  it('refuses scenes that are not at the model input size', async () => {
    const wrong: PointingScene = { pixels: new Uint8Array(10 * 10 * 3), mask: { width: 10, height: 10, data: new Uint8Array(100) }, classIndex: 0 };
    await expect(pointingGame(fixture, () => wrong, 1, { methods: ['gradcam'] })).rejects.toThrow(/model input size 24x24/);
  });
});

describe('pointingGame on an untrained scenes-resnet', () => {
  it('sceneMaps gives each fast method the map computeLowres gives it alone (rtol 1e-5: the same passes, grouped)', async () => {
    const s = renderScene(5, 0);
    const { maps } = await sceneMaps(scenes, s.pixels, POINTING_FAST_METHODS, 'post_relu', s.label);
    const input = scenes.preprocess(s.pixels);
    try {
      for (const method of POINTING_FAST_METHODS) {
        const alone = await computeLowres(scenes, input, { method, node: 'post_relu', classIndex: s.label });
        const got = maps.get(method);
        expect(got?.status, method).toBe(alone.status);
        expect([got?.map.height, got?.map.width], method).toEqual([alone.map.height, alone.map.width]);
        const scale = Math.max(...alone.map.data);
        got?.map.data.forEach((v, i) => expect(Math.abs(v - alone.map.data[i]), `${method} at ${i}`).toBeLessThanOrEqual(1e-5 * scale));
      }
    } finally {
      input.dispose();
    }
  });

  it("per scene, a Grad-CAM hit is exactly whether explain()'s map, upsampled by the float64 reference, peaks on the mask", async () => {
    for (let i = 0; i < 4; i++) {
      const s = renderScene(5, 10 + i);
      const scene: PointingScene = { pixels: s.pixels, mask: { width: 96, height: 96, data: s.mask }, classIndex: s.label };
      const game = await pointingGame(scenes, () => scene, 1, { methods: ['gradcam'] });
      const expl = await explain(scenes, { width: 96, height: 96, data: s.pixels }, { method: 'gradcam', classIndex: s.label });
      const up = upsampleReference(expl.lowres.data, expl.lowres.height, expl.lowres.width, 96, 96);
      const expectedHit = expl.status === 'ok' && s.mask[argmaxReference(up)] === 1;
      expect(game.scores[0].hits, `scene ${i}`).toBe(expectedHit ? 1 : 0);
      expect(game.node).toBe(expl.node);
    }
  });

  it('the random baseline depends on its seed only; the methods and the centre do not', async () => {
    const sceneAt = (i: number): PointingScene => {
      const s = renderScene(5, 20 + i);
      return { pixels: s.pixels, mask: { width: 96, height: 96, data: s.mask }, classIndex: s.label };
    };
    const a = await pointingGame(scenes, sceneAt, 3, { methods: ['gradcam', 'eigencam'], seed: 1 });
    const b = await pointingGame(scenes, sceneAt, 3, { methods: ['gradcam', 'eigencam'], seed: 1 });
    const c = await pointingGame(scenes, sceneAt, 3, { methods: ['gradcam', 'eigencam'], seed: 2 });
    expect(pointingRates(b)).toEqual(pointingRates(a));
    const withoutRandom = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== RANDOM_BASELINE));
    expect(withoutRandom(pointingRates(c))).toEqual(withoutRandom(pointingRates(a)));
    expect(a.correct).toBe(c.correct);
  });
});
