// Load a model three ways (zoo name, file path, bytes) and explain one image with Grad-CAM.
// Run: npx tsx examples/api/load-and-explain.ts <image.png|jpg> [out-dir]
// Prints one JSON line: the explained class and, per way of loading, the map's maximum.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain, loadModel, readImage, releaseGpu, renderExplanation, WEIGHTS_DIR, writePng, type Model } from 'gradscope';

const [file, outDir] = process.argv.slice(2);
if (!file) throw new Error('usage: load-and-explain.ts <image> [out-dir]');
const image = await readImage(file);
const weights = join(WEIGHTS_DIR, 'scenes-resnet.safetensors'); // the bundled default model

const models: Record<string, Model> = {
  name: await loadModel('scenes-resnet'), // a zoo name: weights/<name>.safetensors of the package
  path: await loadModel(weights), // any gradscope .safetensors file
  bytes: await loadModel(readFileSync(weights), { name: 'scenes-resnet.safetensors' }), // bytes, e.g. from a fetch
};

const maxima: Record<string, number> = {};
let summary = {};
for (const [how, model] of Object.entries(models)) {
  const e = await explain(model, image, { method: 'gradcam' }); // layer 'auto', top-1 class
  maxima[how] = e.max;
  summary = { label: e.label, class: e.class, probability: e.probability, node: e.node, status: e.status };
  if (outDir && how === 'name') await writePng(join(outDir, 'overlay.png'), renderExplanation(e, image, { colormap: 'jet', alpha: 0.5 }).overlay);
  model.dispose();
}
console.log(JSON.stringify({ ...summary, maxima }));
releaseGpu();
