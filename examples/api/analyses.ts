// Analyses over depth: Grad-CAM at every block output in one forward and one backward (evolution), and
// how the gradient splits between shortcut and branch in each residual block (gradflow).
// Run: npx tsx examples/api/analyses.ts <image.png|jpg>
// Prints one JSON line: the evolution nodes with their map maxima, and per block the shortcut/branch norm ratio.
import { evolution, evolutionNodes, gradflow, loadModel, modelInputPixels, readImage, releaseGpu } from 'gradscope';

const file = process.argv[2];
if (!file) throw new Error('usage: analyses.ts <image>');
const model = await loadModel('scenes-resnet');
const { height, width } = model.definition.inputSize;
const input = model.preprocess(modelInputPixels(await readImage(file), width, height).data);

const evo = await evolution(model, input, { method: 'gradcam', nodes: evolutionNodes(model.definition, 'blocks') });
const flow = await gradflow(model, input);
console.log(
  JSON.stringify({
    class: evo.classIndex,
    evolution: evo.maps.map((m) => ({ node: m.target, max: m.max })),
    backwards: evo.backwards,
    gradflow: flow.blocks.map((b) => ({ ratio: b.baseline.ratio, closure: b.baseline.closure })),
  }),
);
input.dispose();
model.dispose();
releaseGpu();
