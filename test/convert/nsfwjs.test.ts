// The real nsfwjs InceptionV3 (Keras 2.2.4 topology, uint8-quantized TF.js layers model, 6 shards)
// through the converter twice: WITHOUT --arch (its Keras topology imported as a graph) and with
// --arch nsfwjs-inceptionv3 (weights mapped onto the native definition). Both are loaded with
// loadModel and run on chelsea.png (resizeRgb to 299×299, x/255).
// Reference: tfjs-layers loading the same model.json on the CPU backend. Its last layer applies a
// softmax, so the reference logits are dropout_3's output times dense_3's kernel plus bias in float64,
// and softmax(our logits) is also compared with tfjs' own predict(). Tolerances: mixed10 and logits
// within 1e-4 · max|ref|, probabilities within 1e-5 absolute, and the same class.
// (This replaces the opt-in test/models/nsfwjs-full.test.ts: it runs by default, ~1.5–2 min here.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tidy, type Tensor } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { nsfwjsInceptionv3Graph } from '../../src/models/inceptionv3.js';
import { automaticTarget } from '../../src/models/roles.js';
import { NSFWJS_LABELS } from '../../src/models/labels/index.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { readWeightsFile } from '../../src/models/weights-file.js';
import { ensureNsfwjsInception } from '../fixtures/nsfwjs-models.js';
import { argmax, photoPixels, runConverter } from '../fixtures/keras-zoo-check.js';
import { expectClose, maxAbs } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { loadTfjsLayersModel } from '../fixtures/tfjs-layers-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-nsfwjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Reference {
  mixed10: Float32Array;
  logits: number[];
  probabilities: Float32Array;
  ms: number;
}

/** tfjs-layers on the same model.json and shards. */
async function tfjsReference(modelJson: string, input: Float32Array): Promise<Reference> {
  const tf = await tfjs();
  const t = performance.now();
  const model = await loadTfjsLayersModel(modelJson);
  const x = tf.tensor4d(input, [1, 299, 299, 3]);
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: [...['mixed10', 'dropout_3'].map((n) => model.getLayer(n).output as tfl.SymbolicTensor), model.outputs[0]],
  });
  const [mixed10, features, probabilities] = (probe.predict(x) as TfTensor[]).map((y) => Float32Array.from(y.dataSync()));
  const dense3 = model
    .getLayer('dense_3')
    .getWeights()
    .map((w) => w.dataSync());
  const [kernel, bias] = dense3;
  const logits = Array.from({ length: 5 }, (_, j) => features.reduce((s, f, i) => s + f * kernel[i * 5 + j], bias[j]));
  model.dispose();
  x.dispose();
  return { mixed10, logits, probabilities, ms: performance.now() - t };
}

function softmax(z: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(z));
  const e = Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

async function forward(model: Model, pixels: Uint8Array): Promise<{ logits: Float32Array; mixed10: Float32Array; ms: number }> {
  const t = performance.now();
  const r = tidy(() => model.run(model.preprocess(pixels), { keep: ['mixed10'] }));
  const logits = await r.logits.read();
  const mixed10 = await (r.activations.get('mixed10') as Tensor).read();
  r.logits.dispose();
  r.activations.get('mixed10')?.dispose();
  return { logits, mixed10, ms: performance.now() - t };
}

describe('nsfwjs InceptionV3 (real TF.js uint8 weights) converted and run at full size', () => {
  let modelJson: string;
  const imported = join(dir, 'nsfwjs.safetensors');
  const native = join(dir, 'nsfwjs-native.safetensors');
  beforeAll(() => {
    modelJson = ensureNsfwjsInception();
  });

  it('converts without --arch: the Keras topology as a graph, final softmax dropped, preprocessing and labels from the known source', () => {
    const cli = runConverter([modelJson, '--out', imported]);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^wrote .*: imported graph, 318 nodes, 22,360,869 parameters/);
    expect(cli.stdout).toContain("dropped the final softmax of 'dense_3'");
    expect(cli.stdout).toContain("preprocessing 'unit' (from known source: nsfwjs divides the pixels by 255");
    const { metadata } = readWeightsFile(imported);
    expect(metadata.source).toBe('nsfwjs-inception/model.json');
    expect(metadata.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(metadata.preprocessing).toBe('unit');
    expect(metadata.labels).toEqual([...NSFWJS_LABELS]);
    expect(metadata.licence).toMatch(/^nsfwjs model weights, MIT License/);
    expect(metadata.extra?.outputActivation).toContain('dense_3');

    // The imported graph is the native nsfwjs definition node for node (Keras orders the nodes differently).
    const graph = JSON.parse(metadata.architecture) as ReturnType<typeof nsfwjsInceptionv3Graph>;
    const nativeNodes = new Map(nsfwjsInceptionv3Graph().nodes.map((n) => [n.name, n]));
    expect(graph.nodes.map((n) => n.name).sort()).toEqual([...nativeNodes.keys()].sort());
    for (const node of graph.nodes) {
      const { op, inputs, attrs, role } = nativeNodes.get(node.name)!;
      expect({ name: node.name, op: node.op, inputs: node.inputs, role: node.role }).toEqual({ name: node.name, op, inputs, role });
      if (node.op !== 'identity') expect(node.attrs).toEqual(attrs);
    }
    expect(automaticTarget(graph).node).toBe('mixed10');
  });

  it('converts with --arch nsfwjs-inceptionv3 onto the native definition', () => {
    const cli = runConverter([join(dirname(modelJson)), '--arch', 'nsfwjs-inceptionv3', '--out', native]);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^wrote .*: nsfwjs-inceptionv3, 318 nodes, 22,360,869 parameters/);
    expect(readWeightsFile(native).metadata.architecture).toBe('nsfwjs-inceptionv3');
  });

  it('both load and equal tfjs-layers on chelsea.png: mixed10 and logits within 1e-4 of max|ref|, probabilities within 1e-5, same class', {
    timeout: 600_000,
  }, async () => {
    const pixels = (await photoPixels(299, 299)).data;
    const reference = await tfjsReference(modelJson, preprocessPixels('unit', pixels, 299, 299));
    const times: Record<string, number> = { reference: reference.ms };
    for (const [kind, path] of [
      ['imported', imported],
      ['native', native],
    ] as const) {
      let t = performance.now();
      const model = await loadModel(path);
      times[`${kind} load`] = performance.now() - t;
      expect(model.definition.inputSize).toEqual({ height: 299, width: 299 });
      expect(model.definition.preprocessing).toBe('unit');
      expect(model.definition.labels).toEqual([...NSFWJS_LABELS]);
      expect(model.definition.defaultTarget).toBe('mixed10');
      const names = new Set(model.graph.nodes.map((n) => n.name));
      expect(names.has('conv2d_94') && names.has('mixed10')).toBe(true);
      if (kind === 'imported') expect(model.name).toBe('nsfwjs');
      t = performance.now();
      const ours = await forward(model, pixels);
      times[`${kind} forward`] = ours.ms;
      expectClose(ours.mixed10, reference.mixed10, 0, 1e-4 * maxAbs(reference.mixed10), `${kind} mixed10`);
      expectClose(ours.logits, reference.logits, 0, 1e-4 * maxAbs(reference.logits), `${kind} logits`);
      expectClose(softmax(ours.logits), reference.probabilities, 0, 1e-5, `${kind} softmax(logits) vs tfjs predict()`);
      expect(argmax(ours.logits)).toBe(argmax(reference.logits));
      const err = Math.max(...Array.from(ours.logits, (v, i) => Math.abs(v - reference.logits[i]))) / maxAbs(reference.logits);
      console.log(
        `nsfwjs ${kind}: logits ${Array.from(ours.logits, (v) => v.toFixed(4)).join(', ')}; relative error ` +
          `${err.toExponential(2)}; class ${NSFWJS_LABELS[argmax(ours.logits)]}`,
      );
      model.dispose();
    }
    console.log(`nsfwjs ms: ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])))}`);
  });
});
