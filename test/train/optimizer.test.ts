// Optimizer kernels against float64 references (optimizer-reference.ts) over four steps with a
// changing learning rate; sizes odd and not multiples of 4, one parameter without weight decay.
// Tolerance 1e-5 relative + 1e-6 absolute (float32 arithmetic over four updates of O(1e-2)).
import { describe, expect, it } from 'vitest';
import { keep, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { AdamW, SgdMomentum, type Optimizer } from '../../src/train/optimizer.js';
import { warmupCosine } from '../../src/train/schedule.js';
import { expectClose, randomArray } from '../helpers.js';
import { adamwReference, sgdMomentumReference } from './optimizer-reference.js';

const LRS = [0.01, 0.03, 0.02, 0.005];
const SHAPES = [[3, 3, 5, 7], [1031], [2]];

async function run(make: (decayed: Tensor[], plain: Tensor[]) => Optimizer, wd: number, reference: typeof adamwReference) {
  const initial = SHAPES.map((s, k) =>
    randomArray(
      s.reduce((a, b) => a * b, 1),
      100 + k,
    ),
  );
  const grads = LRS.map((_, step) =>
    SHAPES.map((s, k) =>
      randomArray(
        s.reduce((a, b) => a * b, 1),
        200 + 10 * step + k,
        -2,
        2,
      ),
    ),
  );
  const params = SHAPES.map((s, k) => keep(tensor(initial[k], s)));
  // The last parameter (a bias-like vector) has no weight decay.
  const optimizer = make(params.slice(0, -1), params.slice(-1));
  LRS.forEach((lr, step) => {
    tidy(() => {
      const map = new Map(params.map((p, k) => [p, tensor(grads[step][k], SHAPES[k])]));
      optimizer.step(map, lr);
    });
  });
  expect(optimizer.steps).toBe(LRS.length);
  for (let k = 0; k < params.length; k++) {
    const expected = reference(
      initial[k],
      grads.map((g) => g[k]),
      LRS,
      k === params.length - 1 ? 0 : wd,
    );
    expectClose(await params[k].read(), expected, 1e-5, 1e-6, `parameter ${k} ${JSON.stringify(SHAPES[k])}`);
    params[k].dispose();
  }
  optimizer.dispose();
}

describe('optimizers (in-place WGSL updates)', () => {
  it('AdamW matches the float64 reference after 4 steps (rtol 1e-5, atol 1e-6)', async () => {
    await run(
      (d, p) =>
        new AdamW([
          { params: d, weightDecay: 0.05 },
          { params: p, weightDecay: 0 },
        ]),
      0.05,
      adamwReference,
    );
  });

  it('SGD with momentum 0.9 and L2 decay matches the float64 reference after 4 steps (rtol 1e-5, atol 1e-6)', async () => {
    await run(
      (d, p) =>
        new SgdMomentum([
          { params: d, weightDecay: 5e-4 },
          { params: p, weightDecay: 0 },
        ]),
      5e-4,
      sgdMomentumReference,
    );
  });

  it('skips parameters without a gradient and rejects a gradient of the wrong shape', async () => {
    const a = keep(tensor([1, 2, 3], [3]));
    const b = keep(tensor([4, 5], [2]));
    const opt = new SgdMomentum([{ params: [a, b], weightDecay: 0 }]);
    tidy(() => opt.step(new Map([[a, tensor([1, 1, 1], [3])]]), 0.5));
    expect(Array.from(await a.read())).toEqual([0.5, 1.5, 2.5]);
    expect(Array.from(await b.read())).toEqual([4, 5]);
    expect(() => tidy(() => opt.step(new Map([[a, tensor([1, 1], [2])]]), 0.5))).toThrow(/SgdMomentum: expected gradient of shape \[3\]/);
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('warm-up then cosine: starts at 10 % of the peak, reaches the peak after the warm-up, ends at endFactor (exact arithmetic)', () => {
    const s = { peak: 0.1, steps: 101, warmup: 10 };
    expect(warmupCosine(s, 0)).toBeCloseTo(0.01, 12);
    expect(warmupCosine(s, 5)).toBeCloseTo(0.055, 12);
    expect(warmupCosine(s, 10)).toBeCloseTo(0.1, 12);
    expect(warmupCosine(s, 55)).toBeCloseTo(0.05, 12);
    expect(warmupCosine(s, 100)).toBeCloseTo(0, 12);
    expect(warmupCosine({ ...s, endFactor: 0.02 }, 100)).toBeCloseTo(0.002, 12);
  });
});
