// Importing Keras topologies as graphs. Small TF.js layers models built and saved by tfjs-layers
// itself (so the config is a genuine Keras-format serialisation) go through the converter's command
// line WITHOUT --arch, then loadModel, then our forward at odd sizes with batch 2, against tfjs-layers
// predict() on the same weights (CPU backend). Their last Dense has a softmax, which the importer drops:
// reference logits = the penultimate output × kernel + bias in float64; softmax(ours) is also compared
// with predict(). Tolerances: logits 1e-4 · max|ref|, probabilities 1e-5 absolute.
// The config reader and the error paths are checked on hand-written configs (no GPU).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { automaticTarget } from '../../src/models/roles.js';
import { importKerasTopology } from '../../tools/convert-weights/keras-topology.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs } from '../tfjs.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { randomise, saveTfjs } from '../fixtures/tfjs-layers-model.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-topology-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;
const call = (layer: tfl.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/** Every layer class the importer handles, at odd sizes: 13×11×3 input, stride 2 'same', asymmetric padding. */
function everyLayerModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [13, 11, 3], name: 'image' });
  const z = call(
    L.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 1],
      ],
      name: 'pad',
    }),
    input,
  );
  const c1 = call(L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_a' }), z);
  const a1 = call(L.activation({ activation: 'relu', name: 'act_a' }), call(L.batchNormalization({ epsilon: 1e-3, name: 'bn_a' }), c1));
  const c2 = call(L.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: 'conv_b' }), a1);
  const s = call(L.add({ name: 'sum' }), [c1, c2]);
  const ap = call(L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'avg' }), s);
  const b2 = call(L.batchNormalization({ epsilon: 1.001e-5, scale: false, name: 'bn_b' }), ap);
  const r = call(L.reLU({ name: 'relu_layer' }), b2);
  const lin = call(L.activation({ activation: 'linear', name: 'linear' }), r);
  const cat = call(L.concatenate({ name: 'cat' }), [s, lin]);
  const mp = call(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool' }), cat);
  const gap = call(L.globalAveragePooling2d({ name: 'gap' }), mp);
  const gmp = call(L.globalMaxPooling2d({ name: 'gmp' }), mp);
  const pooled = call(L.concatenate({ name: 'pooled' }), [gap, gmp]);
  const shaped = call(L.reshape({ targetShape: [2, 3, 4], name: 'shaped' }), pooled);
  const f = call(L.flatten({ name: 'flat' }), shaped);
  const d1 = call(L.dense({ units: 7, activation: 'relu', name: 'hidden' }), f);
  const dr = call(L.dropout({ rate: 0.5, name: 'drop' }), d1);
  const out = call(L.dense({ units: 4, activation: 'softmax', name: 'probs' }), dr);
  return tfl.model({ inputs: input, outputs: out, name: 'every_layer' });
}

/**
 * The MobileNet/EfficientNet layer classes: DepthwiseConv2D (stride 2, depth multiplier 2, 5 channels),
 * ReLU(max_value) = ReLU6, LeakyReLU, Activation(sigmoid, hard_sigmoid, swish,
 * relu6, tanh, elu, selu, gelu, softplus), Multiply (a sigmoid gate), Rescaling, LayerNormalization, Permute, SeparableConv2D.
 */
function mobileModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [11, 9, 5], name: 'image' });
  const scaled = call(L.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescale' }), input);
  const dw = call(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, name: 'dw' }), scaled);
  const r6 = call(L.reLU({ maxValue: 6, name: 'relu6_layer' }), call(L.batchNormalization({ name: 'dw_bn' }), dw));
  // Multiplier 1: tfjs-layers 4.22 leaves depth_multiplier out of a SeparableConv2D's saved config.
  const sep = call(L.separableConv2d({ filters: 7, kernelSize: 3, padding: 'same', activation: 'relu', name: 'sep' }), r6);
  const dw2 = call(L.depthwiseConv2d({ kernelSize: 3, padding: 'valid', useBias: false, name: 'dw_plain' }), sep);
  const leaky = call(L.reLU({ name: 'relu_plain' }), dw2);
  const acts = ['sigmoid', 'hardSigmoid', 'swish', 'relu6', 'tanh', 'elu', 'selu', 'gelu', 'softplus'].map((a) =>
    call(L.activation({ activation: a as 'sigmoid', name: `act_${a}` }), leaky),
  );
  const gate = call(L.multiply({ name: 'gate' }), [acts[2], acts[0]]);
  let sum = gate;
  for (const [i, a] of acts.slice(1).entries()) sum = call(L.add({ name: `sum_${i}` }), [sum, a]);
  const diff = call(L.add({ name: 'diff' }), [sum, call(L.leakyReLU({ alpha: 0.2, name: 'leaky' }), dw2)]);
  const normed = call(L.layerNormalization({ epsilon: 1e-3, name: 'ln' }), diff);
  const swapped = call(L.permute({ dims: [2, 1, 3], name: 'swap_hw' }), normed);
  const gap = call(L.globalAveragePooling2d({ name: 'gap' }), swapped);
  const out = call(L.dense({ units: 3, activation: 'softmax', name: 'probs' }), gap);
  return tfl.model({ inputs: input, outputs: out, name: 'mobile' });
}

/**
 * `activation=` on Conv2D, DepthwiseConv2D, SeparableConv2D and Dense other than relu/linear: each becomes the
 * layer's `<layer>/linear` node and the activation node under the layer's name (the Activation layer's mapping),
 * including a softmax over a convolution's channels and a Dense softmax before the output.
 */
function activatedModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 7, 5], name: 'image' });
  const c1 = call(L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'swish', name: 'conv_swish' }), input);
  const dw = call(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw_relu6' }), c1);
  const sep = call(L.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'sep_sigmoid' }), dw);
  const c2 = call(L.conv2d({ filters: 7, kernelSize: 1, activation: 'tanh', name: 'conv_tanh' }), sep);
  const c3 = call(L.conv2d({ filters: 4, kernelSize: 1, activation: 'softmax', name: 'conv_softmax' }), c2);
  const c4 = call(L.conv2d({ filters: 6, kernelSize: 3, activation: 'elu', name: 'conv_elu' }), c3);
  let x = call(L.globalAveragePooling2d({ name: 'gap' }), c4);
  for (const a of ['selu', 'gelu', 'softplus', 'hardSigmoid', 'softmax']) x = call(L.dense({ units: 8, activation: a as 'selu', name: `dense_${a}` }), x);
  const out = call(L.dense({ units: 3, activation: 'softmax', name: 'probs' }), x);
  return tfl.model({ inputs: input, outputs: out, name: 'activated' });
}

/** A Sequential model (no InputLayer in its config: Keras names it '<first layer>_input'). */
function sequentialModel(): tfl.LayersModel {
  const m = tfl.sequential({ name: 'seq' });
  m.add(L.conv2d({ inputShape: [9, 7, 3], filters: 5, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', name: 'first' }));
  m.add(L.maxPooling2d({ poolSize: 2, strides: 1, name: 'pool' }));
  m.add(L.flatten({ name: 'flat' }));
  m.add(L.dense({ units: 3, activation: 'softmax', name: 'out' }));
  return m;
}

function softmax(z: ArrayLike<number>, rows: number): number[] {
  const cols = z.length / rows;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, j) => z[r * cols + j]);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

/** Also compares the outputs of the `inner` layers (our nodes of the same names) with predict()'s, 1e-5 · max|ref| each. */
async function checkAgainstTfjs(
  model: tfl.LayersModel,
  name: string,
  penultimate: string,
  outputLayer: string,
  inner: string[] = [],
): Promise<{ nodes: string[]; target: string }> {
  const tf = await tfjs();
  randomise(tf, model, name.length * 101);
  const modelJson = await saveTfjs(tf, model, join(dir, name));
  const out = join(dir, `${name}.safetensors`);
  const cli = runConverter([modelJson, '--out', out, '--preprocess', 'unit']);
  expect(cli.stderr).toBe('');
  expect(cli.status).toBe(0);
  expect(cli.stdout).toContain(`dropped the final softmax of '${outputLayer}'`);
  expect(cli.stdout).toContain('no labels: the');

  const ours = await loadModel(out);
  expect(ours.name).toBe(name);
  expect(ours.definition.labels[0]).toBe('class 0');
  const [, h, w, c] = model.inputs[0].shape as number[];
  const x = randomArray(2 * h * w * c, 7, 0, 1);
  const run = tidy(() => {
    const r = ours.run(tensor(x, [2, h, w, c]), { keep: inner });
    return { logits: r.logits, inner: inner.map((l) => r.activations.get(l) as ReturnType<typeof tensor>) };
  });
  const logits = await run.logits.read();

  const xt = tf.tensor4d(x, [2, h, w, c]);
  const probe = tfl.model({ inputs: model.inputs, outputs: [penultimate, ...inner].map((l) => model.getLayer(l).output as Sym).concat(model.outputs[0]) });
  const outputs = (probe.predict(xt) as TfTensor[]).map((t) => Float32Array.from(t.dataSync()));
  const [features, probabilities] = [outputs[0], outputs[outputs.length - 1]];
  for (const [i, l] of inner.entries()) {
    const ref = outputs[i + 1];
    const got = await run.inner[i].read();
    expectClose(got, ref, 0, 1e-5 * maxAbs(ref), `${name}: layer ${l}`);
  }
  for (const t of [run.logits, ...run.inner]) t.dispose();
  const [kernel, bias] = model
    .getLayer(outputLayer)
    .getWeights()
    .map((t) => t.dataSync());
  const units = bias.length,
    width = features.length / 2;
  const reference = Array.from({ length: 2 * units }, (_, i) => {
    const [row, j] = [Math.floor(i / units), i % units];
    let s = bias[j];
    for (let k = 0; k < width; k++) s += features[row * width + k] * kernel[k * units + j];
    return s;
  });
  expectClose(logits, reference, 0, 1e-4 * maxAbs(reference), `${name} logits`);
  expectClose(softmax(logits, 2), probabilities, 0, 1e-5, `${name} softmax(logits) vs predict()`);
  const nodes = ours.graph.nodes.map((n) => n.name);
  const target = ours.definition.defaultTarget;
  ours.dispose();
  xt.dispose();
  return { nodes, target };
}

describe('Keras topology import through the converter, against tfjs-layers (1e-4 · max|ref|)', () => {
  it('a functional model with every supported layer class, batch 2', async () => {
    const { nodes, target } = await checkAgainstTfjs(everyLayerModel(), 'every_layer', 'drop', 'probs');
    expect(nodes[0]).toBe('image');
    expect(nodes).toContain('relu_layer');
    expect(nodes[nodes.length - 1]).toBe('probs');
    expect(target).toBe('cat');
  });

  it(
    'MobileNet/EfficientNet layer classes (depthwise, separable, ReLU6, leaky, the Activation table, ' +
      'Multiply, Rescaling, LayerNormalization, Permute), batch 2',
    async () => {
      const { nodes, target } = await checkAgainstTfjs(mobileModel(), 'mobile', 'gap', 'probs');
      expect(nodes.slice(0, 6)).toEqual(['image', 'rescale/scale', 'rescale/scaled', 'rescale/offset', 'rescale', 'dw']);
      expect(nodes).toContain('relu6_layer');
      expect(nodes.slice(nodes.indexOf('sep/depthwise'), nodes.indexOf('sep') + 1)).toEqual(['sep/depthwise', 'sep']);
      expect(target).toBe('swap_hw');
    },
  );

  it('activation= other than relu on Conv2D, DepthwiseConv2D, SeparableConv2D and Dense, batch 2', async () => {
    const activated = activatedModel();
    const inner = activated.layers.filter((l) => /_/.test(l.name) && l.name !== 'dense_softmax').map((l) => l.name);
    const { nodes, target } = await checkAgainstTfjs(activated, 'activated', 'dense_softmax', 'probs', inner);
    expect(nodes.slice(0, 8)).toEqual([
      'image',
      'conv_swish/linear',
      'conv_swish',
      'dw_relu6/linear',
      'dw_relu6',
      'sep_sigmoid/depthwise',
      'sep_sigmoid/linear',
      'sep_sigmoid',
    ]);
    expect(nodes.slice(-3)).toEqual(['dense_softmax/linear', 'dense_softmax', 'probs']);
    expect(target).toBe('conv_elu');
  });

  it('a Sequential model', async () => {
    const { nodes, target } = await checkAgainstTfjs(sequentialModel(), 'seq', 'flat', 'out');
    expect(nodes).toEqual(['first_input', 'first', 'pool', 'flat', 'out']);
    expect(target).toBe('first');
  });
});

const layer = (name: string, className: string, config: Record<string, unknown>, inputs: string[] = []) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: inputs.length > 0 ? [[...inputs.map((i) => [i, 0, 0, {}])]] : [],
});
const functional = (layers: unknown[], output: string) => ({
  class_name: 'Model',
  config: { name: 'm', layers, input_layers: [['x', 0, 0]], output_layers: [[output, 0, 0]] },
});
const input = layer('x', 'InputLayer', { batch_input_shape: [null, 8, 8, 3] });

describe('Keras config reading and its errors (no GPU)', () => {
  it('lists every unsupported class and attribute once, with its layer names', () => {
    const config = functional(
      [
        input,
        layer('up1', 'UpSampling2D', {}, ['x']),
        layer('up2', 'UpSampling2D', {}, ['up1']),
        layer('mish', 'Conv2D', { filters: 4, kernel_size: [1, 1], activation: 'mish' }, ['up2']),
        layer('mul', 'Lambda', {}, ['mish', 'up2']),
        layer('gap', 'GlobalAveragePooling2D', {}, ['mul']),
        layer('out', 'Dense', { units: 2, activation: 'softsign' }, ['gap']),
      ],
      'out',
    );
    expect(() => importKerasTopology(config)).toThrow(
      'unsupported Keras layers: UpSampling2D (up1, up2); Conv2D with activation="mish" (mish); Lambda (mul); Dense with activation="softsign" (out)',
    );
  });

  it('ReLU(max_value) is a clip, ReLU(negative_slope) a leaky ReLU; a threshold is refused (tfjs-layers cannot make these configs)', () => {
    const graph = importKerasTopology(
      functional(
        [
          input,
          layer('six', 'ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, ['x']),
          layer('slope', 'ReLU', { max_value: null, negative_slope: 0.1, threshold: 0 }, ['six']),
        ],
        'slope',
      ),
    ).graph;
    expect(graph.nodes.slice(1).map((n) => [n.name, n.op, n.attrs])).toEqual([
      ['six', 'clip', { min: 0, max: 6 }],
      ['slope', 'leakyrelu', { alpha: 0.1 }],
    ]);
    expect(() => importKerasTopology(functional([input, layer('t', 'ReLU', { threshold: 0.5 }, ['x'])], 't'))).toThrow(
      'unsupported Keras layers: ReLU with max_value/negative_slope/threshold [null,0,0.5] (a threshold, or a slope with a maximum, is not supported) (t)',
    );
  });

  it("Keras 3's hard_silu and leaky_relu names: the Activation layer and a Dense's activation= map alike", () => {
    const graph = importKerasTopology(
      functional(
        [
          input,
          layer('hs', 'Activation', { activation: 'hard_silu' }, ['x']),
          layer('gap', 'GlobalAveragePooling2D', {}, ['hs']),
          layer('leaky', 'Dense', { units: 4, activation: 'leaky_relu' }, ['gap']),
          layer('out', 'Dense', { units: 2 }, ['leaky']),
        ],
        'out',
      ),
    ).graph;
    expect(graph.nodes.map((n) => [n.name, n.op, n.attrs])).toEqual([
      ['x', 'input', { height: 8, width: 8, channels: 3 }],
      ['hs', 'hardswish', {}],
      ['gap', 'globalavgpool', {}],
      ['leaky/linear', 'dense', { units: 4, useBias: true }],
      ['leaky', 'leakyrelu', { alpha: 0.2 }],
      ['out', 'dense', { units: 2, useBias: true }],
    ]);
  });

  it('reads Keras 3 call records (keras_history), drops layers that do not lead to the output, keeps a mid-graph softmax', () => {
    const tensorArg = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 8, 8, 3], keras_history: [name, 0, 0] } });
    const k3 = (name: string, className: string, config: Record<string, unknown>, args: unknown[]) => ({
      name,
      class_name: className,
      config: { name, ...config },
      inbound_nodes: [{ args, kwargs: {} }],
    });
    const config = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_shape: [null, 8, 8, 3] }, inbound_nodes: [] },
          k3('conv', 'Conv2D', { filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: true }, [tensorArg('x')]),
          k3('unused', 'Conv2D', { filters: 2, kernel_size: [1, 1], activation: 'linear' }, [tensorArg('x')]),
          k3('both', 'Add', {}, [[tensorArg('conv'), tensorArg('x')]]),
          k3('sm', 'Softmax', { axis: -1 }, [tensorArg('both')]),
          k3('gap', 'GlobalAveragePooling2D', {}, [tensorArg('sm')]),
          k3('out', 'Dense', { units: 3, activation: 'softmax' }, [tensorArg('gap')]),
        ],
        input_layers: ['x', 0, 0],
        output_layers: ['out', 0, 0],
      },
    };
    const imported = importKerasTopology(config);
    expect(imported.graph.nodes.map((n) => [n.name, n.op, n.inputs])).toEqual([
      ['x', 'input', []],
      ['conv', 'conv2d', ['x']],
      ['both', 'add', ['conv', 'x']],
      ['sm', 'softmax', ['both']],
      ['gap', 'globalavgpool', ['sm']],
      ['out', 'dense', ['gap']],
    ]);
    expect(imported.droppedSoftmax).toBe('out');
    expect(imported.unusedLayers).toEqual(['unused']);
    expect(automaticTarget(imported.graph).node).toBe('both');
  });

  it('rejects shared layers, several outputs, unknown inputs, an open input size without --input-size, a non-image input', () => {
    const shared = functional(
      [input, { ...layer('c', 'Conv2D', { filters: 3, kernel_size: 1 }, ['x']), inbound_nodes: [[['x', 0, 0, {}]], [['x', 0, 0, {}]]] }],
      'c',
    );
    expect(() => importKerasTopology(shared)).toThrow('Conv2D called 2 times (shared layers) (c)');
    const two = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [input],
        input_layers: [['x', 0, 0]],
        output_layers: [
          ['x', 0, 0],
          ['x', 0, 0],
        ],
      },
    };
    expect(() => importKerasTopology(two)).toThrow('2 outputs');
    expect(() => importKerasTopology(functional([input, layer('r', 'ReLU', {}, ['ghost'])], 'r'))).toThrow("reads 'ghost'");
    const open = functional([layer('x', 'InputLayer', { batch_input_shape: [null, null, null, 3] }), layer('r', 'ReLU', {}, ['x'])], 'r');
    expect(() => importKerasTopology(open)).toThrow('InputLayer with input shape [null,null,null,3] (height and width must be fixed: pass --input-size HxW');
    expect(importKerasTopology(open, { inputSize: { height: 5, width: 7 } }).graph.nodes[0].attrs).toEqual({ height: 5, width: 7, channels: 3 });
    const vector = functional([layer('x', 'InputLayer', { batch_input_shape: [null, 10] }), layer('d', 'Dense', { units: 2 }, ['x'])], 'd');
    expect(() => importKerasTopology(vector)).toThrow('InputLayer with input shape [null,10]');
    expect(() => importKerasTopology({ nothing: true })).toThrow('not a Keras model topology');
  });

  it('a Dense on a feature map fails at shape inference, naming the layer', () => {
    const config = functional([input, layer('d', 'Dense', { units: 2 }, ['x'])], 'd');
    expect(() => importKerasTopology(config)).toThrow(/dense 'd'/);
  });
});
