// The long methods report progress after each batched pass (the page's progress bar reads it): counts
// rise to the total, and the map is the same with or without the callback (it only observes).
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/methods/index.js';
import { modelWithRandomWeights, tinyDefinition, TINY_SIZE } from './fixtures.js';

function image() {
  const data = new Uint8Array(TINY_SIZE.height * TINY_SIZE.width * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  return { width: TINY_SIZE.width, height: TINY_SIZE.height, data };
}

describe('progress of the long methods', () => {
  const cases = [
    // Score-CAM's total is the channels it scores (constant channels are left out), read from the first call.
    { method: 'scorecam' as const, options: { batchSize: 2 }, total: undefined },
    { method: 'smoothgrad' as const, options: { samples: 5, batchSize: 2 }, total: 5 },
    { method: 'integrated-gradients' as const, options: { steps: 6, batchSize: 4 }, total: 7 },
  ];
  for (const c of cases) {
    it(`${c.method}: done counts rise by batch to ${c.total ?? 'the channels scored'}, and the map is identical without the callback`, async () => {
      const { model } = modelWithRandomWeights(tinyDefinition(), 5);
      try {
        const seen: [number, number][] = [];
        const withProgress = await explain(model, image(), { method: c.method, ...c.options, onProgress: (d, t) => seen.push([d, t]) });
        const without = await explain(model, image(), { method: c.method, ...c.options });
        const total = c.total ?? seen[0][1];
        expect(total).toBeGreaterThan(c.options.batchSize);
        expect(seen.length).toBe(Math.ceil(total / c.options.batchSize));
        expect(seen.every(([, t]) => t === total)).toBe(true);
        expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((a, b) => a - b));
        expect(seen[seen.length - 1][0]).toBe(total);
        expect(Array.from(withProgress.lowres.data)).toEqual(Array.from(without.lowres.data));
      } finally {
        model.dispose();
      }
    });
  }
});
