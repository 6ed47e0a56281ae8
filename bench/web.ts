// The same Grad-CAM (scenes-resnet, automatic node, top-1 class) timed in the page (headless Chromium,
// WebGPU on SwiftShader) and in Node (Dawn on lavapipe), warm, on the six bundled scenes; prints the
// medians and the machine's load. `--screenshot <file.png>` also saves the page as the README shows it.
// Run: npm run bench:web [-- --screenshot docs/web-page.jpg]
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { explain } from '../src/methods/index.js';
import { readImage } from '../src/image/read-image.js';
import { loadModel } from '../src/models/load.js';
import { initGpu, releaseGpu } from '../src/tensor/index.js';
import { buildPage } from '../test/browser/build-page.js';
import { launchChromium } from '../test/browser/chromium.js';
import { serveStatic } from '../test/browser/static-server.js';

const ROOT = join(import.meta.dirname, '..');
const SCENES = ['circle', 'cross', 'heart', 'ring', 'star', 'triangle'].map((s) => join(ROOT, 'examples', 'scenes', `${s}.png`));
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function inPage(screenshot?: string): Promise<number[]> {
  const site = await buildPage();
  const server = await serveStatic(site);
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1100, height: 760 });
    await page.goto(server.url);
    await page.waitForFunction('window.gradscope?.lastExplanation !== undefined', { timeout: 300_000 });
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < SCENES.length; i++) {
        const before = JSON.stringify(await page.evaluate('window.gradscope.lastExplanation'));
        await page.evaluate(`document.querySelectorAll('#image-list button')[${i}].click()`);
        await page.waitForFunction(`JSON.stringify(window.gradscope.lastExplanation) !== ${JSON.stringify(before)} && !window.gradscope.busy()`, {
          timeout: 300_000,
        });
        const ms = (await page.evaluate('window.gradscope.lastExplanation.elapsedMs')) as number;
        if (round > 0 || i > 0) times.push(ms); // the very first one compiles the pipelines
      }
    }
    if (screenshot) {
      await page.evaluate(`document.querySelectorAll('#image-list button')[4].click()`);
      await page.waitForFunction(`window.gradscope.lastExplanation.image.file === 'star.png' && !window.gradscope.busy()`, { timeout: 300_000 });
      writeFileSync(screenshot, await page.screenshot(screenshot.endsWith('.png') ? { type: 'png' } : { type: 'jpeg', quality: 80 }));
    }
    return times;
  } finally {
    await chromium.close();
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
}

async function inNode(): Promise<number[]> {
  await initGpu();
  const model = await loadModel('scenes-resnet');
  const images = await Promise.all(SCENES.map((s) => readImage(s)));
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < images.length; i++) {
      const e = await explain(model, images[i], { method: 'gradcam' });
      if (round > 0 || i > 0) times.push(e.elapsedMs);
    }
  }
  model.dispose();
  releaseGpu();
  return times;
}

const at = process.argv.indexOf('--screenshot');
const shot = at > 0 ? process.argv[at + 1] : undefined;
const load0 = loadavg()[0];
const page = await inPage(shot);
const node = await inNode();
const load1 = loadavg()[0];
console.log(`Grad-CAM, scenes-resnet 96×96, warm, median of ${page.length}:`);
console.log(`  page (Chromium, SwiftShader): ${median(page).toFixed(0)} ms`);
console.log(`  node (Dawn, lavapipe):        ${median(node).toFixed(0)} ms`);
console.log(`  load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${readFileSync('/proc/cpuinfo', 'utf8').split('\nprocessor').length} cores`);
