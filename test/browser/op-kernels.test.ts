// The engine's kernels on a second WebGPU implementation: a representative subset of the op tests
// (conv2d strided and fused, inference batchnorm, max/avg/global pooling, dense, concat — each forward
// and backward) runs inside headless Chromium (SwiftShader) and must meet the references the Node op
// tests use: tfjs-core's CPU backend for the output and tf.grads for every gradient, plus the float64
// conv2d reference for the convolutions. Tolerance as in test/ops: rtol 1e-4, atol 1e-5·max(1, max|ref|).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samePadding } from '../../src/ops/padding.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { conv2dRef } from '../reference/conv.js';
import { tfjs, type Tf } from '../tfjs.js';
import type { Input, OpCase, OpResult } from './op-harness.js';
import { launchChromium, type Chromium } from './chromium.js';
import { browserEdges } from './edges-plugin.js';
import { serveStatic, type StaticServer } from './static-server.js';

type TfTensor = ReturnType<Tf['tensor']>;

let dir: string, server: StaticServer, chromium: Chromium, page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradscope-ops-'));
  await build({
    entryPoints: [join(import.meta.dirname, 'op-harness.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    outfile: join(dir, 'harness.js'),
    logLevel: 'silent',
    plugins: [browserEdges],
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./harness.js"></script>');
  server = await serveStatic(dir);
  chromium = await launchChromium();
  page = await chromium.browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction('typeof globalThis.runOpCase === "function"', { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let seedCounter = 5000;
function input(shape: number[], grad: boolean, lo = -1, hi = 1): Input {
  return {
    shape,
    data: Array.from(
      randomArray(
        shape.reduce((a, b) => a * b, 1),
        seedCounter++,
        lo,
        hi,
      ),
    ),
    grad,
  };
}

async function inChromium(c: OpCase): Promise<OpResult> {
  return (await page.evaluate(`globalThis.runOpCase(${JSON.stringify(c)})`)) as OpResult;
}

const RTOL = 1e-4;
const atolFor = (expected: ArrayLike<number>) => 1e-5 * Math.max(1, maxAbs(expected));

/** Output and gradients of the case against tfjs (forward and tf.grads), the reference written with tfjs ops. */
async function expectMatchesTfjs(c: OpCase, got: OpResult, reference: (tf: Tf, t: Record<string, TfTensor>) => TfTensor): Promise<void> {
  const tf = await tfjs();
  const names = Object.keys(c.inputs);
  const tensors = Object.fromEntries(names.map((n) => [n, tf.tensor(c.inputs[n].data, c.inputs[n].shape)]));
  const y = reference(tf, tensors);
  expect(got.shape).toEqual(y.shape);
  const yRef = y.dataSync();
  expectClose(got.y, yRef, RTOL, atolFor(yRef), `${c.op} y vs tfjs`);
  const wanted = names.filter((n) => c.inputs[n].grad);
  const grads = tf.grads((...xs: TfTensor[]) =>
    reference(tf, Object.fromEntries(names.map((n) => [n, wanted.includes(n) ? xs[wanted.indexOf(n)] : tensors[n]]))),
  );
  const g = grads(
    wanted.map((n) => tensors[n]),
    tf.tensor(c.seed.data, c.seed.shape),
  );
  wanted.forEach((n, i) => {
    const ref = g[i].dataSync();
    expectClose(got.grads[n], ref, RTOL, atolFor(ref), `${c.op} d${n} vs tf.grads`);
  });
}

function seedFor(shape: number[]) {
  return {
    shape,
    data: Array.from(
      randomArray(
        shape.reduce((a, b) => a * b, 1),
        seedCounter++,
      ),
    ),
  };
}

type Pads = [[number, number], [number, number], [number, number], [number, number]];

describe('op kernels inside Chromium (WebGPU on SwiftShader) meet the Node references', () => {
  it('conv2d 3×3 stride 2, asymmetric padding, Cin 8 / Cout 12, bias: y vs float64 and tfjs; dX, dW, db vs tf.grads', async () => {
    const pad = { top: 0, bottom: 2, left: 1, right: 0 };
    const c: OpCase = {
      op: 'conv2d',
      inputs: { x: input([1, 9, 8, 8], true), w: input([3, 3, 8, 12], true), b: input([12], true) },
      options: { strides: [2, 2], padding: pad },
      seed: seedFor([1, 5, 4, 12]),
    };
    const got = await inChromium(c);
    const y64 = conv2dRef(c.inputs.x.data, c.inputs.x.shape, c.inputs.w.data, c.inputs.w.shape, { strides: [2, 2], dilations: [1, 1], pad }, c.inputs.b.data);
    expectClose(got.y, y64, RTOL, atolFor(y64), 'y vs float64');
    const pads: Pads = [
      [0, 0],
      [0, 2],
      [1, 0],
      [0, 0],
    ];
    await expectMatchesTfjs(c, got, (tf, t) => tf.add(tf.conv2d(t.x as never, t.w as never, [2, 2], pads, 'NHWC'), t.b));
  });

  it('conv2d 3×3 stride 2, Cin 32 / Cout 36 (shared-row tiles where the device has subgroups of ≥ 8): y vs float64 and tfjs; dX, dW vs tf.grads', async () => {
    const pad = { top: 1, bottom: 1, left: 1, right: 1 };
    const c: OpCase = {
      op: 'conv2d',
      inputs: { x: input([1, 9, 8, 32], true), w: input([3, 3, 32, 36], true) },
      options: { strides: [2, 2], padding: pad },
      seed: seedFor([1, 5, 4, 36]),
    };
    const got = await inChromium(c);
    console.log(`Chromium's device ${got.sharedRows ? 'ran' : 'has no subgroups of ≥ 8 lanes for'} shared-row tiles`);
    const y64 = conv2dRef(c.inputs.x.data, c.inputs.x.shape, c.inputs.w.data, c.inputs.w.shape, { strides: [2, 2], dilations: [1, 1], pad });
    expectClose(got.y, y64, RTOL, atolFor(y64), 'y vs float64');
    const pads: Pads = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ];
    await expectMatchesTfjs(c, got, (tf, t) => tf.conv2d(t.x as never, t.w as never, [2, 2], pads, 'NHWC'));
  });

  it("conv2d 'same' stride 2 on 7×8, Cin 2 / Cout 5 (scalar paths): y vs float64 and tfjs; dX, dW vs tf.grads", async () => {
    const c: OpCase = {
      op: 'conv2d',
      inputs: { x: input([2, 7, 8, 2], true), w: input([3, 3, 2, 5], true) },
      options: { strides: [2, 2], padding: 'same' },
      seed: seedFor([2, 4, 4, 5]),
    };
    const got = await inChromium(c);
    const pad = samePadding(7, 8, 3, 3, 2, 2, 1, 1);
    const y64 = conv2dRef(c.inputs.x.data, c.inputs.x.shape, c.inputs.w.data, c.inputs.w.shape, { strides: [2, 2], dilations: [1, 1], pad });
    expectClose(got.y, y64, RTOL, atolFor(y64), 'y vs float64');
    await expectMatchesTfjs(c, got, (tf, t) => tf.conv2d(t.x as never, t.w as never, 2, 'same', 'NHWC'));
  });

  it('fused conv2d (bias, folded batchnorm, residual, ReLU in the store): y vs tfjs; dX, dW, db, dResidual vs tf.grads', async () => {
    const eps = 1e-3;
    const c: OpCase = {
      op: 'conv2d-fused',
      inputs: {
        x: input([1, 6, 6, 8], true),
        w: input([3, 3, 8, 8], true),
        b: input([8], true),
        residual: input([1, 6, 6, 8], true),
        mean: input([8], false),
        variance: input([8], false, 0.5, 1.5),
        gamma: input([8], false),
        beta: input([8], false),
      },
      options: { padding: 'same', epsilon: eps },
      seed: seedFor([1, 6, 6, 8]),
    };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => {
      const y = tf.add(tf.conv2d(t.x as never, t.w as never, 1, 'same', 'NHWC'), t.b);
      return tf.relu(tf.add(tf.batchNorm(y, t.mean, t.variance, t.beta, t.gamma, eps), t.residual));
    });
  });

  it('inference batchnorm: y vs tfjs; dX, dGamma, dBeta vs tf.grads', async () => {
    const eps = 1.001e-5;
    const c: OpCase = {
      op: 'batchnorm',
      inputs: { x: input([2, 3, 5, 6], true), mean: input([6], false), variance: input([6], false, 0.2, 2), gamma: input([6], true), beta: input([6], true) },
      options: { epsilon: eps },
      seed: seedFor([2, 3, 5, 6]),
    };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.batchNorm(t.x, t.mean, t.variance, t.beta, t.gamma, eps));
  });

  it('max pool 3×3 stride 2 valid: y vs tfjs; dX vs tf.grads', async () => {
    const c: OpCase = { op: 'maxpool', inputs: { x: input([1, 9, 7, 4], true) }, options: { kernel: [3, 3], strides: [2, 2] }, seed: seedFor([1, 4, 3, 4]) };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.maxPool(t.x as never, 3, 2, 'valid'));
  });

  it('average pool 2×2 stride 2 valid (tfjs has no wrong-gradient trap without padding): y vs tfjs; dX vs tf.grads', async () => {
    const c: OpCase = {
      op: 'avgpool',
      inputs: { x: input([2, 6, 8, 3], true) },
      options: { kernel: [2, 2], strides: [2, 2], countIncludePad: false },
      seed: seedFor([2, 3, 4, 3]),
    };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.avgPool(t.x as never, 2, 2, 'valid'));
  });

  it('global average pool: y vs tfjs mean over H, W; dX vs tf.grads', async () => {
    const c: OpCase = { op: 'globalavgpool', inputs: { x: input([2, 5, 4, 6], true) }, options: {}, seed: seedFor([2, 6]) };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.mean(t.x, [1, 2]));
  });

  it('dense with bias, 3×20 → 7: y vs tfjs; dX, dW, db vs tf.grads', async () => {
    const c: OpCase = { op: 'dense', inputs: { x: input([3, 20], true), w: input([20, 7], true), b: input([7], true) }, options: {}, seed: seedFor([3, 7]) };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.add(tf.matMul(t.x as never, t.w as never), t.b));
  });

  it('concat of three tensors along channels (3 + 5 + 1): y vs tfjs; every input gradient vs tf.grads', async () => {
    const c: OpCase = {
      op: 'concat',
      inputs: { a: input([2, 3, 4, 3], true), b: input([2, 3, 4, 5], true), c: input([2, 3, 4, 1], true) },
      options: { axis: -1 },
      seed: seedFor([2, 3, 4, 9]),
    };
    const got = await inChromium(c);
    await expectMatchesTfjs(c, got, (tf, t) => tf.concat([t.a, t.b, t.c], -1));
  });
});
