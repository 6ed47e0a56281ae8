// Keras 3 .keras archives (model.save("m.keras")): config.json written here by hand in Keras 3's serialisation
// (module/class_name/config/registered_name, inbound nodes as call arguments holding keras_history),
// metadata.json, and model.weights.h5 laid out as keras/src/saving/saving_lib.py writes it (layers/<name>/vars/<i>,
// no weight names), zipped with fflate. The same network is built in tfjs-layers (its weights, randomised, fill
// the archive in Keras 3's variable order) and saved as a TF.js layers model.json.
// References: tfjs-layers predict() on the CPU backend — logits within 1e-4 · max|ref|; and the TF.js layers
// file's conversion: the same parameters bit for bit (the archive's positional vars named as the .h5/TF.js
// names say). Bad archives: exit 2, one line naming the file, nothing written.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { readSafetensors } from '../../src/models/safetensors-file.js';
import { readWeightSource } from '../../tools/convert-weights/read-source.js';
import { kerasSnakeCase } from '../../tools/convert-weights/keras3-weights.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { converterInProcess } from '../fixtures/converter-main.js';
import { randomise, saveTfjs } from '../fixtures/tfjs-layers-model.js';
import { writeKeras3WeightsH5, type FixtureKeras3Layer } from '../fixtures/keras-h5.js';
import { KERAS3_METADATA, keras3Functional, keras3Layer, keras3Tensor, writeKerasArchive } from '../fixtures/keras-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [H, W, C, UNITS] = [7, 6, 3, 3];
type Sym = tfl.SymbolicTensor;
const L = tfl.layers;
const call = (layer: tfl.layers.Layer, x: Sym): Sym => layer.apply(x) as Sym;

/** The network in tfjs-layers: Conv2D without bias, BN without beta, DepthwiseConv2D, BN without gamma, SeparableConv2D, LayerNormalization, Dense. */
function tfjsModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [H, W, C], name: 'image' });
  let x = call(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv' }), input);
  x = call(L.batchNormalization({ center: false, name: 'bn' }), x);
  x = call(L.activation({ activation: 'relu', name: 'act' }), x);
  x = call(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw' }), x);
  x = call(L.batchNormalization({ scale: false, name: 'bn2' }), x);
  x = call(L.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu', name: 'sep' }), x);
  x = call(L.globalAveragePooling2d({ name: 'gap' }), x);
  x = call(L.layerNormalization({ epsilon: 1e-3, name: 'ln' }), x);
  const out = call(L.dense({ units: UNITS, name: 'out' }), x);
  return tfl.model({ inputs: input, outputs: out, name: 'keras3_net' });
}

const k3 = (className: string, name: string, config: Record<string, unknown>, input?: string) =>
  keras3Layer(className, name, config, input === undefined ? [] : [input]);

const conv = {
  data_format: 'channels_last',
  dilation_rate: [1, 1],
  groups: 1,
  kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform' },
};
const bn = { axis: -1, momentum: 0.99, epsilon: 0.001 };

/** config.json for the network above, written by hand the way Keras 3.5 writes it. */
const keras3Config = (layers = keras3Layers()) => keras3Functional('keras3_net', layers, 'image', 'out');

function keras3Layers() {
  return [
    k3('InputLayer', 'image', { batch_shape: [null, H, W, C], dtype: 'float32', sparse: false }),
    k3('Conv2D', 'conv', { ...conv, filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', activation: 'linear', use_bias: false }, 'image'),
    k3('BatchNormalization', 'bn', { ...bn, center: false, scale: true }, 'conv'),
    k3('Activation', 'act', { activation: 'relu' }, 'bn'),
    k3(
      'DepthwiseConv2D',
      'dw',
      { ...conv, kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 1, activation: 'relu6', use_bias: true },
      'act',
    ),
    k3('BatchNormalization', 'bn2', { ...bn, center: true, scale: false }, 'dw'),
    k3(
      'SeparableConv2D',
      'sep',
      { ...conv, filters: 5, kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 1, activation: 'relu', use_bias: false },
      'bn2',
    ),
    k3('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, 'sep'),
    k3('LayerNormalization', 'ln', { axis: [-1], epsilon: 0.001, center: true, scale: true, rms_scaling: false }, 'gap'),
    k3('Dense', 'out', { units: UNITS, activation: 'linear', use_bias: true }, 'ln'),
  ];
}

/**
 * Where Keras 3 files each weighted layer: under its class name snake-cased and counted per class in model.layers
 * order (saving_lib.py _save_container_state), not under the layer's name — written out by hand here.
 */
const KERAS3_PATHS: Record<string, string> = {
  conv: 'layers/conv2d',
  bn: 'layers/batch_normalization',
  dw: 'layers/depthwise_conv2d',
  bn2: 'layers/batch_normalization_1',
  sep: 'layers/separable_conv2d',
  ln: 'layers/layer_normalization',
  out: 'layers/dense',
};

/** Each weighted layer's variables in Keras 3's order (trainable first, each in build() order: the tfjs order too). */
function keras3Vars(model: tfl.LayersModel, skip: readonly string[] = []): FixtureKeras3Layer[] {
  return model.layers
    .filter((l) => l.weights.length > 0 && !skip.includes(l.name))
    .map((l) => ({
      path: KERAS3_PATHS[l.name],
      vars: [...l.trainableWeights, ...l.nonTrainableWeights].map((w) => ({ shape: w.shape as number[], data: w.read().dataSync() as Float32Array })),
    }));
}

const writeArchive = writeKerasArchive;
const METADATA = KERAS3_METADATA;

let model: tfl.LayersModel;
beforeAll(async () => {
  const tf = await tfjs();
  model = tfjsModel();
  randomise(tf, model, 31);
});

describe('Keras 3 .keras archive vs tfjs-layers predict (logits 1e-4 · max|ref|) and vs the TF.js layers file (same parameters)', () => {
  it('converts by content (no .keras extension), runs as tfjs-layers does, and maps the same weights as the TF.js file', async () => {
    const tf = await tfjs();
    const archive = join(dir, 'net.bin');
    await writeArchive(archive, { config: keras3Config(), weights: keras3Vars(model), metadata: METADATA });
    const out = join(dir, 'net.safetensors');
    const cli = runConverter([archive, '--out', out, '--preprocess', 'unit']);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);

    const x = randomArray(2 * H * W * C, 17, -1, 1);
    const ref = tf.tidy(() => Array.from((model.predict(tf.tensor(x, [2, H, W, C])) as TfTensor).dataSync()));
    const ours = await loadModel(out);
    const y = await tidy(() => ours.run(tensor(x, [2, H, W, C])).logits).read();
    expectClose(y, ref, 0, 1e-4 * maxAbs(ref), 'logits vs tfjs-layers predict');
    ours.dispose();

    const tfjsOut = join(dir, 'net-tfjs.safetensors');
    const fromTfjs = runConverter([await saveTfjs(tf, model, join(dir, 'tfjs')), '--out', tfjsOut, '--preprocess', 'unit']);
    expect(fromTfjs.status, fromTfjs.stderr).toBe(0);
    const a = readSafetensors(out).tensors,
      b = readSafetensors(tfjsOut).tensors;
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, t] of a) {
      expect(t.shape, k).toEqual(b.get(k)?.shape);
      expect(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(b.get(k)!.data.buffer, b.get(k)!.data.byteOffset, b.get(k)!.data.byteLength),
        ),
        k,
      ).toBe(true);
    }
    const metadata = readSafetensors(out).metadata;
    expect([metadata.sourceFormat, metadata.kerasVersion]).toEqual(['keras-archive', '3.5.0']);
  });
});

const outDir = join(dir, 'out');

const converter = converterInProcess;

async function expectRejected(file: string, message: string): Promise<void> {
  const r = await converter([file, '--out', join(outDir, 'x.safetensors')]);
  expect(r.status, r.stderr).toBe(2);
  const line = r.stderr.replace(/\n$/, '');
  expect(line).not.toContain('\n');
  expect(line).toContain(`${file}: ${message}`);
  expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
}

describe('bad .keras archives: exit 2, one line naming the file, nothing written (no GPU)', () => {
  beforeAll(() => mkdirSync(outDir, { recursive: true }));

  it('a corrupt zip', async () => {
    const file = join(dir, 'corrupt.keras');
    const good = join(dir, 'good.keras');
    await writeArchive(good, { config: keras3Config(), weights: keras3Vars(model), metadata: METADATA });
    const bytes = readFileSync(good);
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    await expectRejected(file, 'not a readable zip archive');
  });

  it('a zip without config.json', async () => {
    const file = join(dir, 'noconfig.keras');
    await writeArchive(file, { weights: keras3Vars(model), metadata: METADATA });
    await expectRejected(file, 'a zip without config.json: not a Keras 3 .keras archive');
  });

  it('a weights file missing a layer', async () => {
    const file = join(dir, 'missing.keras');
    await writeArchive(file, { config: keras3Config(), weights: keras3Vars(model, ['sep']), metadata: METADATA });
    await expectRejected(file, "model.weights.h5 has no weights for layer 'sep' (SeparableConv2D): expected layers/separable_conv2d/vars/0…1");
  });

  it('a Keras 3 .weights.h5 alone (no config to name its groups): points to the .keras archive', async () => {
    const file = join(dir, 'alone.weights.h5');
    await writeKeras3WeightsH5(file, keras3Vars(model));
    await expectRejected(
      file,
      "no 'layer_names' attribute: not a Keras weights file (this looks like a Keras 3 .weights.h5 file, which files weights by class, " +
        'not by layer name: convert the whole model saved as .keras, model.save("m.keras"))',
    );
  });

  it('a layer whose variable count its config contradicts', async () => {
    const file = join(dir, 'miscounted.keras');
    const layers = keras3Layers().map((l) => (l.name === 'conv' ? { ...l, config: { ...l.config, use_bias: true } } : l));
    await writeArchive(file, { config: keras3Config(layers), weights: keras3Vars(model), metadata: METADATA });
    await expectRejected(file, "layer 'conv' (Conv2D) has 1 weights in layers/conv2d/vars, its config implies 2 (kernel, bias)");
  });
});

describe('Keras 3 weights layout (no GPU)', () => {
  it("names groups as keras/src/utils/naming.py to_snake_case does (the names h5ls shows in Keras 3's files)", () => {
    const names = ['Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'ReLU', 'PReLU', 'GlobalAveragePooling2D', 'InputLayer', 'Dense'];
    expect(names.map(kerasSnakeCase)).toEqual([
      'conv2d',
      'batch_normalization',
      'depthwise_conv2d',
      're_lu',
      'p_re_lu',
      'global_average_pooling2d',
      'input_layer',
      'dense',
    ]);
  });

  it("reads a nested model's layers (layers/functional/layers/<class>/vars), keras.ops taking no name, BN without gamma as beta", async () => {
    const file = join(dir, 'nested.keras');
    const inner = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'backbone',
        trainable: true,
        layers: [
          keras3Layer('InputLayer', 'inner_image', { batch_shape: [null, 4, 4, 2], dtype: 'float32', sparse: false }),
          keras3Layer('Conv2D', 'inner_conv', { filters: 2, kernel_size: [1, 1], use_bias: true, activation: 'linear' }, ['inner_image']),
          {
            module: 'keras.src.ops.numpy',
            class_name: 'Add',
            name: 'add',
            config: { name: 'add' },
            inbound_nodes: [{ args: [keras3Tensor('inner_conv'), 1] }],
          },
          keras3Layer('Conv2D', 'inner_conv_b', { filters: 2, kernel_size: [1, 1], use_bias: false, activation: 'linear' }, ['add']),
          keras3Layer('BatchNormalization', 'inner_bn', { axis: -1, epsilon: 0.001, center: true, scale: false }, ['inner_conv_b']),
        ],
        input_layers: ['inner_image', 0, 0],
        output_layers: [['inner_bn', 0, 0]],
      },
      registered_name: 'Functional',
      name: 'backbone',
      inbound_nodes: [{ args: [keras3Tensor('image')], kwargs: {} }],
    };
    const config = keras3Functional(
      'outer',
      [
        keras3Layer('InputLayer', 'image', { batch_shape: [null, 4, 4, 2], dtype: 'float32', sparse: false }),
        inner,
        keras3Layer('GlobalAveragePooling2D', 'gap', {}, ['backbone']),
        keras3Layer('Dense', 'head', { units: 3, use_bias: false }, ['gap']),
      ],
      'image',
      'head',
    );
    const v = (shape: number[], seed: number) => ({
      shape,
      data: randomArray(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
    });
    const weights = [
      { path: 'layers/functional/layers/conv2d', vars: [v([1, 1, 2, 2], 1), v([2], 2)] },
      { path: 'layers/functional/layers/conv2d_1', vars: [v([1, 1, 2, 2], 7)] },
      { path: 'layers/functional/layers/batch_normalization', vars: [v([2], 3), v([2], 4), v([2], 5)] },
      { path: 'layers/dense', vars: [v([2, 3], 6)] },
    ];
    await writeKerasArchive(file, { config, weights, metadata: KERAS3_METADATA });
    const source = await readWeightSource(file);
    expect(source.kind).toBe('keras-archive');
    if (source.kind !== 'keras-archive') return;
    expect(source.contents.kerasVersion).toBe('3.5.0');
    const got = source.contents.layers.map((l) => [l.layer, l.className, l.weights.map((w) => `${w.name} ${w.storedName}`)]);
    expect(got).toEqual([
      ['inner_conv', 'Conv2D', ['kernel layers/functional/layers/conv2d/vars/0', 'bias layers/functional/layers/conv2d/vars/1']],
      ['inner_conv_b', 'Conv2D', ['kernel layers/functional/layers/conv2d_1/vars/0']],
      [
        'inner_bn',
        'BatchNormalization',
        [
          'beta layers/functional/layers/batch_normalization/vars/0',
          'moving_mean layers/functional/layers/batch_normalization/vars/1',
          'moving_variance layers/functional/layers/batch_normalization/vars/2',
        ],
      ],
      ['head', 'Dense', ['kernel layers/dense/vars/0']],
    ]);
    expect(Array.from(source.contents.layers[2].weights[2].data)).toEqual(Array.from(weights[2].vars[2].data));
  });
});
