// The two MobileNetV2 classifiers the nsfwjs package ships with real trained weights (5 classes,
// uint8-quantized), each imported from its own format through the converter's command line:
// - mobilenet_v2: Keras 2.2.4 MobileNetV2 in TF.js layers format (ReLU(max_value=6), DepthwiseConv2D);
// - mobilenet_v2_mid: a TF-Hub MobileNetV2 (alpha 1.4) in TF.js graph-model format (_FusedConv2D and
//   FusedDepthwiseConv2dNative with BiasAdd+Relu6, preprocessing Mul/Sub inside the graph).
// References (CPU backend): logits from tfjs-layers (layers) and from tfjs-converter's GraphModel
// (graph) on two real photos, within 1e-4 of max|logit| and the same class; Grad-CAM at the automatic
// node and two inner nodes from tf.grad — through tfjs-layers' own layers downstream of the node, and
// through an unfused tfjs-core interpreter of the graph (GraphModel's fused Relu6 ops have no tfjs
// gradient) whose forward is checked against GraphModel first — within 1e-3 of each map's max.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { automaticTarget } from '../../src/models/roles.js';
import { NSFWJS_LABELS } from '../../src/models/labels/index.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { explain, gradientCams } from '../../src/methods/index.js';
import { ensureNsfwjsModel } from '../fixtures/nsfwjs-models.js';
import { argmax, CHELSEA, photoPixels, REPO, runConverter } from '../fixtures/keras-zoo-check.js';
import { loadTfjsLayersModel, tfjsLayersGradCams, tfjsLayersLogits } from '../fixtures/tfjs-layers-reference.js';
import { loadTfjsGraphModel, tfjsGraphValues } from '../fixtures/tfjs-graph-reference.js';
import { graphInterpreter, interpreterGradCams } from '../fixtures/tfjs-graph-interpreter.js';
import { expectClose, maxAbs } from '../helpers.js';
import { tfjs } from '../tfjs.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-nsfwjs-mobilenet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PHOTOS = [CHELSEA, join(REPO, 'test', 'fixtures', 'images', 'coffee.png')];
const SHAPE = [1, 224, 224, 3];

/** Our logits for each photo (the model's own preprocessing) and the unit-scaled inputs both sides get. */
async function ourLogits(model: Model): Promise<{ inputs: Float32Array[]; logits: Float32Array[] }> {
  const inputs: Float32Array[] = [];
  const logits: Float32Array[] = [];
  for (const photo of PHOTOS) {
    const pixels = (await photoPixels(224, 224, photo)).data;
    inputs.push(preprocessPixels('unit', pixels, 224, 224));
    const out = tidy(() => model.run(model.preprocess(pixels)).logits);
    logits.push(await out.read());
    out.dispose();
  }
  return { inputs, logits };
}

function convert(fixture: 'nsfwjs-mobilenet-v2' | 'nsfwjs-mobilenet-v2-mid', description: string): string {
  const modelJson = ensureNsfwjsModel(fixture);
  const out = join(dir, `${fixture}.safetensors`);
  const cli = runConverter([modelJson, '--out', out]);
  expect(cli.stderr).toBe('');
  expect(cli.status).toBe(0);
  expect(cli.stdout).toContain(`recognised the weights of ${description}`);
  expect(cli.stdout).toContain("preprocessing 'unit' (from known source");
  return out;
}

async function guidedCount(model: Model): Promise<number> {
  const expl = await explain(model, await photoPixels(224, 224), { method: 'guided-backprop' });
  return expl.overriddenRelus ?? -1;
}

describe('nsfwjs MobileNetV2, TF.js layers model (Keras 2.2.4, real weights)', () => {
  it('converts, picks out_relu (the last ReLU6 before pooling), equals tfjs-layers on two photos (1e-4 of ' +
    'max|logit|) and its Grad-CAM equals tf.grad (1e-3 of max)', {
    timeout: 900_000,
  }, async () => {
    const model = await loadModel(convert('nsfwjs-mobilenet-v2', 'nsfwjs MobileNetV2 (npm package nsfwjs, dist/models/mobilenet_v2)'));
    try {
      expect(model.definition.labels).toEqual([...NSFWJS_LABELS]);
      const target = automaticTarget(model.graph);
      expect(target.node).toBe('out_relu');
      expect(target.reason).toMatch(
        /^out_relu \(7×7×1280\) is the last feature map with spatial size > 1, and it reaches the output only through average_pooling2d_1/,
      );
      expect(model.graph.nodes.find((n) => n.name === 'out_relu')).toMatchObject({ op: 'clip', attrs: { min: 0, max: 6 } });

      const reference = await loadTfjsLayersModel(ensureNsfwjsModel('nsfwjs-mobilenet-v2'));
      const { inputs, logits } = await ourLogits(model);
      for (const [i, input] of inputs.entries()) {
        const ref = await tfjsLayersLogits(reference, input, SHAPE);
        expectClose(logits[i], ref, 0, 1e-4 * maxAbs(ref), `photo ${i} logits`);
        expect(argmax(logits[i])).toBe(argmax(ref));
        const err = Math.max(...ref.map((v, k) => Math.abs(v - logits[i][k]))) / maxAbs(ref);
        console.log(`nsfwjs MobileNetV2 (layers) photo ${i}: ${NSFWJS_LABELS[argmax(ref)]}, logit error ${err.toExponential(2)} of max|logit|`);
      }

      const nodes = ['out_relu', 'block_13_expand_relu', 'block_12_add'];
      const ours = await gradientCams(model, tensor(inputs[0], SHAPE), nodes, 'gradcam');
      const maps = await tfjsLayersGradCams(reference, inputs[0], SHAPE, nodes, ours.classIndex);
      for (const m of ours.maps) {
        const ref = maps.get(m.node) as Float32Array;
        expect(maxAbs(ref), `reference map at ${m.node} is not all zero`).toBeGreaterThan(0);
        expectClose(m.map.data, ref, 0, 1e-3 * maxAbs(ref), `Grad-CAM at ${m.node}`);
        console.log(
          `nsfwjs MobileNetV2 (layers) Grad-CAM at ${m.node}: error ` +
            `${(Math.max(...ref.map((v, k) => Math.abs(v - m.map.data[k]))) / maxAbs(ref)).toExponential(2)}` +
            ' of max',
        );
      }
      reference.dispose();

      // Guided backprop overrides every ReLU6 (35 clips from 0) and the two Dense ReLUs of the head.
      const relu6 = model.graph.nodes.filter((n) => n.op === 'clip' && n.attrs.min === 0).length;
      const relus = model.graph.nodes.filter((n) => n.op === 'relu' || ('activation' in n.attrs && n.attrs.activation === 'relu')).length;
      expect([relu6, relus]).toEqual([35, 2]);
      expect(await guidedCount(model)).toBe(relu6 + relus);
    } finally {
      model.dispose();
    }
  });
});

describe('nsfwjs MobileNetV2-mid, TF.js graph model (converter 1.7.4, real weights)', () => {
  const P = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';
  const LOGITS = 'StatefulPartitionedCall/sequential/dense/BiasAdd';

  it('converts with its Mul/Sub preprocessing, picks Conv_1/Relu6, equals GraphModel on two photos (1e-4 ' +
    'of max|logit|) and its Grad-CAM equals tf.grad (1e-3 of max)', {
    timeout: 900_000,
  }, async () => {
    const tf = await tfjs();
    const modelJson = ensureNsfwjsModel('nsfwjs-mobilenet-v2-mid');
    const model = await loadModel(convert('nsfwjs-mobilenet-v2-mid', 'nsfwjs MobileNetV2-mid graph model (npm package nsfwjs, dist/models/mobilenet_v2_mid)'));
    try {
      expect(model.graph.nodes.slice(0, 5).map((n) => [n.name.replace(P, ''), n.op])).toEqual([
        ['input', 'input'],
        ['hub_input/Mul/y', 'constant'],
        ['hub_input/Mul', 'mul'],
        ['hub_input/Sub/y', 'constant'],
        ['hub_input/Sub', 'sub'],
      ]);
      const target = automaticTarget(model.graph);
      expect(target.node).toBe(`${P}MobilenetV2/Conv_1/Relu6`);
      expect(target.reason).toContain('(7×7×1792) is the last feature map with spatial size > 1, and it reaches the output only through');

      const reference = await loadTfjsGraphModel(modelJson);
      const { inputs, logits } = await ourLogits(model);
      for (const [i, input] of inputs.entries()) {
        const [ref] = await tfjsGraphValues(reference, input, SHAPE, [LOGITS]);
        expectClose(logits[i], ref, 0, 1e-4 * maxAbs(ref), `photo ${i} logits`);
        expect(argmax(logits[i])).toBe(argmax(ref));
        const err = Math.max(...Array.from(ref, (v, k) => Math.abs(v - logits[i][k]))) / maxAbs(ref);
        console.log(`nsfwjs MobileNetV2-mid (graph) photo ${i}: ${NSFWJS_LABELS[argmax(ref)]}, logit error ${err.toExponential(2)} of max|logit|`);
      }

      // The interpreter that tf.grad goes through must first reproduce GraphModel.
      const interp = graphInterpreter(tf, modelJson, reference);
      const x = tf.tensor4d(inputs[0], [1, 224, 224, 3]);
      const [graphLogits] = await tfjsGraphValues(reference, inputs[0], SHAPE, [LOGITS]);
      expectClose(interp.run(x).get(LOGITS)!.dataSync(), graphLogits, 0, 1e-5 * maxAbs(graphLogits), 'interpreter vs GraphModel');

      const nodes = [`${P}MobilenetV2/Conv_1/Relu6`, `${P}MobilenetV2/expanded_conv_13/expand/Relu6`, `${P}MobilenetV2/expanded_conv_12/add`];
      const ours = await gradientCams(model, tensor(inputs[0], SHAPE), nodes, 'gradcam');
      const maps = interpreterGradCams(tf, interp, x, LOGITS, nodes, ours.classIndex);
      for (const m of ours.maps) {
        const ref = maps.get(m.node) as Float32Array;
        expect(maxAbs(ref), `reference map at ${m.node} is not all zero`).toBeGreaterThan(0);
        expectClose(m.map.data, ref, 0, 1e-3 * maxAbs(ref), `Grad-CAM at ${m.node}`);
        console.log(
          `nsfwjs MobileNetV2-mid (graph) Grad-CAM at ${m.node.replace(P, '')}: error ` +
            `${(Math.max(...Array.from(ref, (v, k) => Math.abs(v - m.map.data[k]))) / maxAbs(ref)).toExponential(2)}` +
            ' of max',
        );
      }
      reference.dispose();
      x.dispose();

      // 35 fused Relu6 epilogues became clip nodes; guided backprop overrides every one.
      const relu6 = model.graph.nodes.filter((n) => n.op === 'clip' && n.attrs.min === 0).length;
      expect(relu6).toBe(35);
      expect(await guidedCount(model)).toBe(relu6);
    } finally {
      model.dispose();
    }
  });
});
