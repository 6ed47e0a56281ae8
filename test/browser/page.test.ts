// The built page in headless Chromium (WebGPU on SwiftShader), served from 127.0.0.1 like any static
// site: an image through the file input gives the same low-res Grad-CAM map as the Node path (Dawn on
// lavapipe) for the same image, model and node, within 1e-4 of the map's max; evolution and gradient
// flow render; a corrupt image is one line and the next image still works; a screenshot is not blank.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/methods/index.js';
import { readImage } from '../../src/image/read-image.js';
import { loadModel } from '../../src/models/load.js';
import { convertWeights } from '../../tools/convert-weights/to-native.js';
import { writeTinyOnnxCnn } from '../fixtures/onnx-tiny-cnn.js';
import { randomise, saveTfjs } from '../fixtures/tfjs-layers-model.js';
import { writeFullModelH5 } from '../fixtures/keras-h5.js';
import { tfjs } from '../tfjs.js';
import { buildPage } from './build-page.js';
import { launchChromium, type Chromium } from './chromium.js';
import { serveStatic, type StaticServer } from './static-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCENE = join(ROOT, 'examples', 'scenes', 'star.png');

interface Sidecar {
  image: { file: string; width: number; height: number };
  node: string;
  class: number;
  method: string;
  lowres: { height: number; width: number; data: number[] };
  weights: { sha256: string };
}

let dir: string, site: string, server: StaticServer, chromium: Chromium, page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradscope-page-'));
  site = await buildPage();
  server = await serveStatic(site);
  chromium = await launchChromium();
  page = await chromium.browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(e instanceof Error ? e.message : String(e)));
  await page.goto(server.url);
  await page.waitForFunction('window.gradscope?.lastExplanation !== undefined', { timeout: 240_000 });
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
  if (site) rmSync(site, { recursive: true, force: true });
});

async function sidecar(): Promise<Sidecar> {
  return (await page.evaluate('window.gradscope.lastExplanation')) as Sidecar;
}

async function upload(path: string): Promise<void> {
  const input = await page.$('#images');
  if (!input) throw new Error('no #images input');
  await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
}

async function waitForExplanationOf(file: string): Promise<Sidecar> {
  await page.waitForFunction(`window.gradscope.lastExplanation?.image?.file === ${JSON.stringify(file)}`, { timeout: 240_000 });
  return sidecar();
}

/** The Node path: the CLI's readImage, loadModel and explain on Dawn. */
async function nodeMap(path: string, node: string, classIndex: number, spec = 'scenes-resnet') {
  const model = await loadModel(spec);
  try {
    return await explain(model, await readImage(path), { method: 'gradcam', layer: node, classIndex });
  } finally {
    model.dispose();
  }
}

function expectSameMap(page: Sidecar['lowres'], node: { height: number; width: number; data: Float32Array }, max: number): void {
  expect([page.height, page.width]).toEqual([node.height, node.width]);
  let worst = 0;
  for (let i = 0; i < node.data.length; i++) worst = Math.max(worst, Math.abs(page.data[i] - node.data[i]));
  expect(max).toBeGreaterThan(0);
  expect(worst).toBeLessThanOrEqual(1e-4 * max);
}

describe('the built page in Chromium', () => {
  it('shows a bundled scene explained with the bundled model on first load, with the weights hash of the committed file', async () => {
    const doc = await sidecar();
    expect(doc.method).toBe('gradcam');
    expect(doc.image.file).toMatch(/\.png$/);
    const { createHash } = await import('node:crypto');
    expect(doc.weights.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(ROOT, 'weights', 'scenes-resnet.safetensors')))
        .digest('hex'),
    );
  });

  it('a PNG and a JPEG through the file input: low-res Grad-CAM equals the Node path (Dawn) within 1e-4 of the map max', async () => {
    await upload(SCENE);
    const png = await waitForExplanationOf('star.png');
    const ref = await nodeMap(SCENE, png.node, png.class);
    expectSameMap(png.lowres, ref.lowres, ref.max);

    // A JPEG (odd size, so the resize matters) goes through the same jpeg-js decoder on both sides.
    const source = PNG.sync.read(readFileSync(join(ROOT, 'test', 'fixtures', 'images', 'coffee.png')));
    const jpg = join(dir, 'coffee-small.jpg');
    writeFileSync(jpg, jpeg.encode({ data: source.data, width: source.width, height: source.height }, 90).data);
    await upload(jpg);
    const fromJpeg = await waitForExplanationOf('coffee-small.jpg');
    const refJpeg = await nodeMap(jpg, fromJpeg.node, fromJpeg.class);
    expect([fromJpeg.image.width, fromJpeg.image.height]).toEqual([source.width, source.height]);
    expectSameMap(fromJpeg.lowres, refJpeg.lowres, refJpeg.max);
  });

  it("repeated explanations leave the worker's live GPU memory where it was (steady, no growth)", async () => {
    const live = async () => (await page.evaluate('window.gradscope.workerMemory()')) as { liveBytes: number; liveBuffers: number };
    const explainImage = async (i: number) => {
      await page.evaluate(`window.gradscope.lastExplanation = undefined; document.querySelectorAll('#image-list button')[${i}].click()`);
      await page.waitForFunction('window.gradscope.lastExplanation !== undefined && !window.gradscope.busy()', { timeout: 240_000 });
    };
    await explainImage(1);
    const before = await live();
    for (let round = 0; round < 3; round++) for (const i of [2, 3, 1]) await explainImage(i);
    expect(await live()).toEqual(before);
    expect(before.liveBytes).toBeGreaterThan(0); // the model's weights
  });

  it('evolution grid and gradient-flow chart render as pictures', async () => {
    await page.click('#run-evolution');
    await page.waitForFunction("document.getElementById('evolution').naturalWidth > 0", { timeout: 240_000 });
    await page.click('#run-gradflow');
    await page.waitForFunction("document.getElementById('gradflow').naturalWidth > 0", { timeout: 240_000 });
    const sizes = (await page.evaluate("['evolution', 'gradflow'].map((id) => document.getElementById(id).naturalWidth)")) as number[];
    expect(sizes.every((w) => w > 200)).toBe(true);
  });

  it('a corrupt image is one line in the page; the next image still works and the earlier ones stay', async () => {
    const count = async () => (await page.evaluate("document.querySelectorAll('#image-list li').length")) as number;
    const before = await count();
    const bad = join(dir, 'broken.png');
    const good = readFileSync(SCENE);
    writeFileSync(bad, Buffer.concat([good.subarray(0, 60), Buffer.alloc(200, 7)]));
    await upload(bad);
    await page.waitForFunction("!document.getElementById('message').hidden", { timeout: 60_000 });
    const message = (await page.evaluate("document.getElementById('message').textContent")) as string;
    expect(message).toContain('broken.png');
    expect(message).not.toContain('\n');
    expect(await count()).toBe(before);

    const next = join(dir, 'heart.png');
    writeFileSync(next, readFileSync(join(ROOT, 'examples', 'scenes', 'heart.png')));
    await upload(next);
    const doc = await waitForExplanationOf('heart.png');
    expect(doc.lowres.data.length).toBe(doc.lowres.height * doc.lowres.width);
    expect(await page.evaluate("document.getElementById('message').hidden")).toBe(true);
  });

  it('long work can be cancelled: Score-CAM stopped mid-run is one line, and the next explanation works', async () => {
    await page.evaluate(`(() => { const m = document.getElementById('method'); m.value = 'scorecam'; m.dispatchEvent(new Event('change')); })()`);
    await page.waitForFunction('window.gradscope.busy()', { timeout: 60_000 });
    await page.click('#cancel');
    await page.waitForFunction(`document.getElementById('message').textContent.startsWith('cancelled')`, { timeout: 60_000 });
    expect(((await sidecar()) as unknown as { method: string }).method).not.toBe('scorecam');
    await page.evaluate(`(() => { window.gradscope.lastExplanation = undefined; const m = document.getElementById('method');
      m.value = 'gradcam'; m.dispatchEvent(new Event('change')); })()`);
    await page.waitForFunction(`window.gradscope.lastExplanation?.method === 'gradcam'`, { timeout: 240_000 });
    expect(await page.evaluate(`document.getElementById('message').hidden`)).toBe(true);
  });

  it('a screenshot of the page is not blank (the overlay canvas holds many colours)', async () => {
    const shot = PNG.sync.read(Buffer.from(await page.screenshot({ type: 'png' })));
    const colours = new Set<number>();
    for (let p = 0; p < shot.width * shot.height; p += 7) colours.add((shot.data[p * 4] << 16) | (shot.data[p * 4 + 1] << 8) | shot.data[p * 4 + 2]);
    expect(colours.size).toBeGreaterThan(500);
    if (process.env.GRADSCOPE_SCREENSHOT) writeFileSync(process.env.GRADSCOPE_SCREENSHOT, PNG.sync.write(shot));
    expect(pageErrors).toEqual([]);
  });

  it('a dropped ONNX model converts in the page and explains: same low-res map as the CLI converter + Node path (1e-4 of max)', async () => {
    const onnx = join(dir, 'tiny.onnx');
    writeTinyOnnxCnn(onnx);

    const input = await page.$('#model-file');
    if (!input) throw new Error('no #model-file input');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(onnx);
    await page.waitForFunction(`document.getElementById('model-name').textContent.includes('tiny.onnx')`, { timeout: 120_000 });
    const image = join(dir, 'cross.png');
    writeFileSync(image, readFileSync(join(ROOT, 'examples', 'scenes', 'cross.png')));
    await upload(image);
    const doc = await waitForExplanationOf('cross.png');
    expect((doc as unknown as { model: string }).model).toBe('tiny.onnx');
    expect([doc.lowres.height, doc.lowres.width]).toEqual([16, 16]);

    const converted = join(dir, 'tiny.safetensors');
    await convertWeights({ input: onnx, out: converted, preprocess: 'tf' });
    const ref = await nodeMap(image, doc.node, doc.class, converted);
    expectSameMap(doc.lowres, ref.lowres, ref.max);
  });

  /** A small Keras model (two convs, the second strided, GAP, Dense + softmax) with seeded weights. */
  async function tinyKerasModel() {
    const tf = await tfjs();
    const tfl = await import('@tensorflow/tfjs-layers');
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a' }));
    m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_b' }));
    m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
    m.add(tfl.layers.dense({ units: 5, activation: 'softmax', name: 'out' }));
    randomise(tf, m, 77);
    return { tf, m };
  }

  /** Drops the model files on the page, explains a scene with it, and compares with the CLI converter + Node path. */
  async function expectConvertedLikeCli(files: string[], name: string, scene: string): Promise<void> {
    const input = await page.$('#model-file');
    if (!input) throw new Error('no #model-file input');
    await (input as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(...files);
    await page.waitForFunction(`document.getElementById('model-name').textContent.includes(${JSON.stringify(name)})`, { timeout: 120_000 });
    const image = join(dir, `${scene}.png`);
    writeFileSync(image, readFileSync(join(ROOT, 'examples', 'scenes', `${scene}.png`)));
    await upload(image);
    const doc = await waitForExplanationOf(`${scene}.png`);
    expect((doc as unknown as { model: string }).model).toBe(name);
    expect([doc.lowres.height, doc.lowres.width]).toEqual([16, 16]);
    const converted = join(dir, `${scene}.safetensors`);
    await convertWeights({ input: files[0], out: converted, preprocess: 'tf' });
    const ref = await nodeMap(image, doc.node, doc.class, converted);
    expectSameMap(doc.lowres, ref.lowres, ref.max);
  }

  it('a dropped TF.js layers model (model.json + shard) converts in the page and explains like the CLI converter + Node path (1e-4 of max)', async () => {
    const { tf, m } = await tinyKerasModel();
    const modelJson = await saveTfjs(tf, m, join(dir, 'tfjs'));
    await expectConvertedLikeCli([modelJson, join(dir, 'tfjs', 'group1-shard1of1.bin')], 'model.json', 'ring');
  });

  it('a dropped Keras .h5 (full model) converts in the page (h5wasm in the browser) like the CLI converter + Node path (1e-4 of max)', async () => {
    const { m } = await tinyKerasModel();
    const layers = m.layers
      .filter((l) => l.weights.length > 0)
      .map((l) => ({
        name: l.name,
        weights: l.getWeights().map((w, i) => ({
          storedName: `${l.name}/${l.weights[i].originalName.split('/').pop()}:0`,
          shape: w.shape,
          data: w.dataSync() as Float32Array,
        })),
      }));
    const h5 = join(dir, 'tiny.h5');
    await writeFullModelH5(h5, layers, m.toJSON(null, false));
    await expectConvertedLikeCli([h5], 'tiny.h5', 'triangle');
  });

  it('a browser without WebGPU gets one sentence naming the browsers and flags that have it, not a blank page', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const p = await plain.browser.newPage();
      await p.goto(server.url);
      await p.waitForFunction(`!document.getElementById('nogpu').hidden`, { timeout: 60_000 });
      const text = (await p.evaluate(`document.getElementById('nogpu').textContent`)) as string;
      expect(text).toMatch(/^This browser has no WebGPU: .*Chrome.*Safari.*Firefox.*--enable-unsafe-webgpu.*\.$/);
    } finally {
      await plain.close();
    }
  });
});
