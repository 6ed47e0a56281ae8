// The input gradient through the columns (src/ops/conv2d-columns.ts: dCols = dY·Wᵀ, then each dX
// element gathers its taps), on the first-layer shapes it serves — few input channels, several
// taps: strided with asymmetric 'same' padding, dilated, batched, with a folded batchnorm's scale
// on dY — against the float64 definition (test/reference/conv.ts), and the paths it replaces
// (forced off). Tolerance: rtol 1e-4, atol 1e-5·max(1, max|ref|).
import { afterEach, describe, expect, it } from 'vitest';
import { Tape, tensor, watch } from '../../src/tensor/index.js';
import { conv2d, convGeometry, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { columnsPay } from '../../src/ops/conv2d-columns.js';
import { setSharedRowsForTests } from '../../src/ops/tiles.js';
import { conv2dInputGradientRef, convOutputSize, type ConvRefGeometry } from '../reference/conv.js';
import { dispatchedKernel, expectClose, maxAbs, randomArray } from '../helpers.js';

const RTOL = 1e-4;
const atolFor = (ref: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(ref));

const cases: { name: string; xs: number[]; ws: number[]; opts: Conv2dOptions }[] = [
  { name: "7×7 stride 2 'same' (a ResNet stem), odd 13×11", xs: [1, 13, 11, 3], ws: [7, 7, 3, 32], opts: { strides: [2, 2], padding: 'same' } },
  { name: '3×3 stride 1 pad 1 (a VGG first layer), batch 2', xs: [2, 9, 8, 3], ws: [3, 3, 3, 36], opts: { padding: 'same' } },
  { name: '3×3 stride 2 valid (an Inception stem)', xs: [1, 11, 10, 3], ws: [3, 3, 3, 32], opts: { strides: [2, 2] } },
  { name: '3×3 dilation 2, stride 1×2, 5 channels', xs: [2, 9, 10, 5], ws: [3, 3, 5, 40], opts: { strides: [1, 2], dilations: [2, 2], padding: 'same' } },
];

describe('conv2d input gradient through the columns vs the float64 definition (rtol 1e-4, atol 1e-5·max(1, max|ref|))', () => {
  afterEach(() => setSharedRowsForTests(undefined));

  for (const c of cases) {
    for (const path of ['columns', 'without the columns (per-lane tiles)'] as const) {
      it(`${c.name}, Cin ${c.xs[3]} / Cout ${c.ws[3]}: ${path}`, async () => {
        if (path !== 'columns') setSharedRowsForTests(false);
        const g = convGeometry(c.xs, c.ws, c.opts);
        expect(columnsPay(g)).toBe(path === 'columns');
        const ref: ConvRefGeometry = { strides: g.strides, dilations: g.dilations, pad: g.pad };
        const [OH, OW] = convOutputSize(c.xs, c.ws, ref);
        const xv = randomArray(
            c.xs.reduce((a, b) => a * b),
            1,
          ),
          wv = randomArray(
            c.ws.reduce((a, b) => a * b),
            2,
          ),
          gyv = randomArray(c.xs[0] * OH * OW * c.ws[3], 3);
        const x = watch(tensor(xv, c.xs));
        const w = tensor(wv, c.ws);
        const tape = new Tape();
        const y = tape.record(() => conv2d(x, w, c.opts));
        const { result, ran: columns } = dispatchedKernel('var<storage, read> cols', () => tape.backward(y, tensor(gyv, y.shape)));
        const { grads } = result;
        expect(columns).toBe(path === 'columns');
        const dx = conv2dInputGradientRef(gyv, c.xs, wv, c.ws, ref);
        expectClose(await grads.get(x)!.read(), dx, RTOL, atolFor(dx), 'dX');
        tape.dispose();
      });
    }
  }

  it("folds a batchnorm's scale on dY (the epilogue affine) before the columns", async () => {
    const xs = [1, 9, 9, 3],
      ws = [3, 3, 3, 32];
    const xv = randomArray(243, 4),
      wv = randomArray(864, 5),
      scale = randomArray(32, 6, 0.5, 1.5),
      gyv = randomArray(9 * 9 * 32, 7);
    const affine = tensor(Float32Array.from([...new Float32Array(32), ...scale, ...new Float32Array(32)]), [3, 32]);
    const x = watch(tensor(xv, xs));
    const tape = new Tape();
    const y = tape.record(() => conv2d(x, tensor(wv, ws), { padding: 'same', epilogue: { affine } }));
    const { grads } = tape.backward(y, tensor(gyv, y.shape));
    const scaled = gyv.map((v, i) => v * scale[i % 32]);
    const dx = conv2dInputGradientRef(scaled, xs, wv, ws, { strides: [1, 1], dilations: [1, 1], pad: { top: 1, bottom: 1, left: 1, right: 1 } });
    expectClose(await grads.get(x)!.read(), dx, RTOL, atolFor(dx), 'dX');
    tape.dispose();
  });
});
