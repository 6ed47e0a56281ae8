// hard_sigmoid by the Keras version the file records: Keras 2 (tf-keras) clip(0.2x + 0.5, 0, 1), Keras 3
// relu6(x + 3)/6 (keras/src/activations/activations.py). The same tiny full-model .h5 (an Activation layer and a
// convolution's activation=) written with keras_version '2.15.0', '3.5.0' and none, converted by the CLI, run, and
// compared with float64 code written plainly here. Inputs span [-5, 5], where the two formulas differ by up to 1/3.
// Tolerance: 1e-6 absolute on the activations (values in [0, 1], float32), 1e-5 · max|ref| on the logits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { writeFullModelH5, type FixtureKerasVersion, type FixtureLayer } from '../fixtures/keras-h5.js';
import { importKeras } from '../../tools/convert-weights/keras-import.js';
import { tfjsLayersFromJson } from '../../tools/convert-weights/tfjs-layers-json.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [H, W, C, UNITS] = [3, 2, 2, 2];
const KERNEL = randomArray(C * C, 3, -1.5, 1.5);
const BIAS = [0.25, -0.5];
const DENSE = randomArray(C * UNITS, 4, -1, 1);
const DENSE_BIAS = [0.1, -0.1];

const layer = (name: string, className: string, config: Record<string, unknown>, inputs: string[] = []) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: inputs.length > 0 ? [[...inputs.map((i) => [i, 0, 0, {}])]] : [],
});

const modelConfig = {
  class_name: 'Functional',
  config: {
    name: 'hard',
    layers: [
      layer('image', 'InputLayer', { batch_input_shape: [null, H, W, C] }),
      layer('hs', 'Activation', { activation: 'hard_sigmoid' }, ['image']),
      layer('conv', 'Conv2D', { filters: C, kernel_size: [1, 1], activation: 'hard_sigmoid' }, ['hs']),
      layer('gap', 'GlobalAveragePooling2D', {}, ['conv']),
      layer('out', 'Dense', { units: UNITS, activation: 'linear' }, ['gap']),
    ],
    input_layers: [['image', 0, 0]],
    output_layers: [['out', 0, 0]],
  },
};

const weights: FixtureLayer[] = [
  {
    name: 'conv',
    weights: [
      { storedName: 'conv/kernel:0', shape: [1, 1, C, C], data: KERNEL },
      { storedName: 'conv/bias:0', shape: [C], data: Float32Array.from(BIAS) },
    ],
  },
  {
    name: 'out',
    weights: [
      { storedName: 'out/kernel:0', shape: [C, UNITS], data: DENSE },
      { storedName: 'out/bias:0', shape: [UNITS], data: Float32Array.from(DENSE_BIAS) },
    ],
  },
];

const keras2 = (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5));
const keras3 = (v: number) => Math.min(6, Math.max(0, v + 3)) / 6;

/** The model in float64, NHWC: hard sigmoid, 1×1 convolution + hard sigmoid, mean over H·W, dense. */
function reference(x: Float32Array, batch: number, hs: (v: number) => number) {
  const a = Array.from(x, hs);
  const conv: number[] = [];
  for (let p = 0; p < batch * H * W; p++)
    for (let o = 0; o < C; o++) {
      let s = BIAS[o];
      for (let i = 0; i < C; i++) s += a[p * C + i] * KERNEL[i * C + o];
      conv.push(hs(s));
    }
  const logits: number[] = [];
  for (let n = 0; n < batch; n++) {
    const pooled = Array.from({ length: C }, (_, c) => {
      let s = 0;
      for (let p = 0; p < H * W; p++) s += conv[(n * H * W + p) * C + c];
      return s / (H * W);
    });
    for (let j = 0; j < UNITS; j++) logits.push(pooled.reduce((s, v, k) => s + v * DENSE[k * UNITS + j], DENSE_BIAS[j]));
  }
  return { a, conv, logits };
}

async function convertAndCheck(name: string, kerasVersion: FixtureKerasVersion, hs: (v: number) => number): Promise<string> {
  const file = join(dir, `${name}.h5`);
  await writeFullModelH5(file, weights, modelConfig, { kerasVersion });
  const out = join(dir, `${name}.safetensors`);
  const cli = runConverter([file, '--out', out, '--preprocess', 'unit']);
  expect(cli.stderr).toBe('');
  expect(cli.status).toBe(0);
  const model = await loadModel(out);
  const x = randomArray(2 * H * W * C, 7, -5, 5);
  const r = await tidy(() => {
    const run = model.run(tensor(x, [2, H, W, C]), { keep: ['hs', 'conv'] });
    return { y: run.logits, hs: run.activations.get('hs'), conv: run.activations.get('conv') };
  });
  const ref = reference(x, 2, hs);
  expectClose(await r.hs!.read(), ref.a, 0, 1e-6, `${name}: Activation('hard_sigmoid')`);
  expectClose(await r.conv!.read(), ref.conv, 0, 1e-6, `${name}: Conv2D(activation='hard_sigmoid')`);
  expectClose(await r.y.read(), ref.logits, 0, 1e-5 * maxAbs(ref.logits), `${name}: logits`);
  model.dispose();
  return cli.stdout;
}

describe('hard_sigmoid by keras_version vs float64 (activations 1e-6 absolute, logits 1e-5 · max|ref|)', () => {
  it("keras_version '2.15.0': clip(0.2x + 0.5, 0, 1)", async () => {
    const stdout = await convertAndCheck('keras2', '2.15.0', keras2);
    expect(stdout).not.toContain('records no Keras version');
  });

  it("keras_version '3.5.0': relu6(x + 3)/6", async () => {
    await convertAndCheck('keras3', '3.5.0', keras3);
  });

  it("no keras_version: Keras 2's, and the converter says so", async () => {
    const stdout = await convertAndCheck('unversioned', null, keras2);
    expect(stdout).toContain("the file records no Keras version: hard_sigmoid (hs, conv) read as Keras 2's clip(0.2x + 0.5, 0, 1)");
  });
});

describe('the TF.js layers modelTopology.keras_version picks the formula too (no GPU)', () => {
  const hardSigmoidAttrs = (kerasVersion: string | undefined, activation = 'hard_sigmoid') => {
    const topology = { ...(kerasVersion ? { keras_version: kerasVersion } : {}), model_config: modelConfig };
    const json = { format: 'layers-model', modelTopology: { ...topology, model_config: { ...modelConfig } } };
    const config = JSON.parse(JSON.stringify(json).replaceAll('"hard_sigmoid"', JSON.stringify(activation))) as Record<string, unknown>;
    const contents = tfjsLayersFromJson('model.json', config, () =>
      weights.flatMap((l) =>
        l.weights.map((w) => ({ spec: { name: w.storedName.replace(/:0$/, ''), shape: w.shape, dtype: 'float32' as const }, data: w.data as Float32Array })),
      ),
    );
    const node = importKeras('model.json', contents).graph.nodes.find((n) => n.name === 'hs');
    return node?.op === 'hardsigmoid' ? node.attrs : undefined;
  };
  it("'3.5.0' → alpha 1/6; '2.15.0' and tfjs-layers' own 'tfjs-layers 4.22.0' → 0.2; tfjs' spelling hardSigmoid → 0.2 always", () => {
    expect(hardSigmoidAttrs('3.5.0')).toEqual({ alpha: 1 / 6, beta: 0.5 });
    expect(hardSigmoidAttrs('2.15.0')).toEqual({ alpha: 0.2, beta: 0.5 });
    expect(hardSigmoidAttrs('tfjs-layers 4.22.0')).toEqual({ alpha: 0.2, beta: 0.5 });
    expect(hardSigmoidAttrs('3.5.0', 'hardSigmoid')).toEqual({ alpha: 0.2, beta: 0.5 });
  });
});
