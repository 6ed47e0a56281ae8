// Keras 2 TFOpLambda layers (plain TF calls on Keras tensors, as keras.applications' MobileNetV3 records
// its hard-sigmoid `ReLU(6.)(x + 3.) * (1. / 6.)`). tfjs-layers cannot build these, so the model.json
// is written here by hand in the layout tf.keras' Node.serialize gives them: the first argument's
// record `[layer, node, tensor, kwargs]` (or `['_CONSTANT_VALUE', -1, value, kwargs]`), the second
// operand in kwargs as a number, a list or `[layer, node, tensor]`. Each model goes through the
// converter's command line, then loadModel and our forward, against a float64 forward written plainly
// below (logits within 1e-4 · max|ref|, each function's own output within 1e-5 of its max); Grad-CAM at
// the automatic node against its closed form for a GAP → Dense head, and at an inner node against central
// differences of the float64 forward (step 1e-6), both within 1e-3 of the map's max. The same block as a
// full-model H5 must convert to the TF.js file's tensors. Config-level cases and errors need no GPU.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { automaticTarget, rolesOf } from '../../src/models/roles.js';
import { gradientCams } from '../../src/methods/index.js';
import { importKerasTopology } from '../../tools/convert-weights/keras-topology.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { writeFullModelH5, type FixtureWeight } from '../fixtures/keras-h5.js';
import { readWeightsFile } from '../../src/models/weights-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-oplambda-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type J = unknown;
/** An ordinary Keras 2 layer: inbound_nodes [[[input, 0, 0, {}], …]]. */
const layer = (name: string, className: string, config: Record<string, J>, inputs: string[]) => ({
  name,
  class_name: className,
  config: { name, trainable: true, dtype: 'float32', ...config },
  inbound_nodes: inputs.length > 0 ? [inputs.map((i) => [i, 0, 0, {}])] : [],
});
/** A TFOpLambda: TFOpLambda preserves its input structure, so its one node is the bare record. */
const op = (name: string, fn: string, first: string | { constant: J }, kwargs: Record<string, J> = {}) => ({
  name,
  class_name: 'TFOpLambda',
  config: { name, trainable: true, dtype: 'float32', function: fn },
  inbound_nodes: [typeof first === 'string' ? [first, 0, 0, { ...kwargs, name: null }] : ['_CONSTANT_VALUE', -1, first.constant, { ...kwargs, name: null }]],
});
const ref = (name: string) => [name, 0, 0];
const conv = (name: string, filters: number, k: number, input: string, useBias = true, activation = 'linear') =>
  layer(name, 'Conv2D', { filters, kernel_size: [k, k], strides: [1, 1], padding: 'same', dilation_rate: [1, 1], activation, use_bias: useBias }, [input]);
const bn = (name: string, input: string) =>
  layer(name, 'BatchNormalization', { axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true }, [input]);
/** keras.applications.mobilenet_v3's hard_sigmoid(x) = ReLU(6.)(x + 3.) * (1. / 6.): three layers, the last one returned. */
const hardSigmoid = (x: string, k: string) => [
  op(`tf.__operators__.add${k}`, '__operators__.add', x, { y: 3.0 }),
  layer(`re_lu${k}`, 'ReLU', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, [`tf.__operators__.add${k}`]),
  op(`tf.math.multiply${k}`, 'math.multiply', `re_lu${k}`, { y: 0.16666666666666666 }),
];

const modelConfig = (name: string, layers: J[], output: string) => ({
  class_name: 'Functional',
  config: { name, layers, input_layers: [['image', 0, 0]], output_layers: [[output, 0, 0]] },
});

/** A TF.js layers model.json as tfjs-converter writes it for a Keras .h5 (modelTopology.model_config) plus one shard. */
function writeModel(name: string, layers: J[], output: string, weights: [string, number[], Float32Array][]): string {
  const into = join(dir, name);
  mkdirSync(into, { recursive: true });
  const bytes = new Uint8Array(weights.reduce((s, [, , d]) => s + d.byteLength, 0));
  let at = 0;
  for (const [, , d] of weights) {
    bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  writeFileSync(join(into, 'group1-shard1of1.bin'), bytes);
  const model_config = modelConfig(name, layers, output);
  const manifest = [{ paths: ['group1-shard1of1.bin'], weights: weights.map(([n, shape]) => ({ name: n, shape, dtype: 'float32' })) }];
  const json = { format: 'layers-model', modelTopology: { keras_version: '2.9.0', backend: 'tensorflow', model_config }, weightsManifest: manifest };
  writeFileSync(join(into, 'model.json'), JSON.stringify(json));
  return join(into, 'model.json');
}

// ---- float64 reference, written plainly: NHWC maps as (batch, height, width, channels) arrays ----
interface Map4 {
  readonly d: Float64Array;
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
}
const map4 = (n: number, h: number, w: number, c: number, d = new Float64Array(n * h * w * c)): Map4 => ({ d, n, h, w, c });
/** Stride 1, 'same' padding with an odd kernel [k, k, cin, cout] (HWIO). */
function conv2d(x: Map4, kernel: Float32Array, k: number, cout: number, bias?: Float32Array): Map4 {
  const out = map4(x.n, x.h, x.w, cout);
  const p = (k - 1) / 2;
  for (let b = 0; b < x.n; b++)
    for (let i = 0; i < x.h; i++)
      for (let j = 0; j < x.w; j++)
        for (let o = 0; o < cout; o++) {
          let s = bias ? bias[o] : 0;
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const [y, z] = [i + u - p, j + v - p];
              if (y < 0 || y >= x.h || z < 0 || z >= x.w) continue;
              for (let q = 0; q < x.c; q++) s += x.d[((b * x.h + y) * x.w + z) * x.c + q] * kernel[((u * k + v) * x.c + q) * cout + o];
            }
          out.d[((b * x.h + i) * x.w + j) * cout + o] = s;
        }
  return out;
}
const each = (x: Map4, f: (v: number, channel: number) => number): Map4 =>
  map4(
    x.n,
    x.h,
    x.w,
    x.c,
    x.d.map((v, i) => f(v, i % x.c)),
  );
/** a ∘ b with b either the same shape or [N, 1, 1, C] (the SE gate). */
function zip(a: Map4, b: Map4, f: (p: number, q: number) => number): Map4 {
  const spatial = b.h === 1 && b.w === 1 && a.h * a.w > 1;
  return map4(
    a.n,
    a.h,
    a.w,
    a.c,
    a.d.map((v, i) => f(v, b.d[spatial ? Math.floor(i / (a.h * a.w * a.c)) * a.c + (i % a.c) : i])),
  );
}
function batchnorm(x: Map4, [gamma, beta, mean, variance]: Float32Array[], eps = 1e-3): Map4 {
  return each(x, (v, k) => ((v - mean[k]) / Math.sqrt(variance[k] + eps)) * gamma[k] + beta[k]);
}
/** Global average pool kept as [N, 1, 1, C]. */
function gap(x: Map4): Map4 {
  const out = map4(x.n, 1, 1, x.c);
  for (let i = 0; i < x.d.length; i++) out.d[Math.floor(i / (x.h * x.w * x.c)) * x.c + (i % x.c)] += x.d[i] / (x.h * x.w);
  return out;
}
function dense(x: Map4, kernel: Float32Array, bias: Float32Array): number[] {
  const units = bias.length;
  return Array.from({ length: x.n * units }, (_, i) => {
    const [b, j] = [Math.floor(i / units), i % units];
    let s = bias[j];
    for (let k = 0; k < x.c; k++) s += x.d[b * x.c + k] * kernel[k * units + j];
    return s;
  });
}
const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
const hardSigmoid64 = (v: number) => relu6(v + 3) * (1 / 6);
const hardSwish = (x: Map4) => zip(x, each(x, hardSigmoid64), (p, q) => p * q);

// ---- the MobileNetV3-style block ----
const H = 9,
  W = 7;
function mobileV3Block(): { modelJson: string; weights: Map<string, Float32Array[]>; layers: J[]; list: [string, number[], Float32Array][] } {
  const layers = [
    layer('image', 'InputLayer', { batch_input_shape: [null, H, W, 3], sparse: false, ragged: false }, []),
    conv('Conv', 4, 3, 'image'),
    bn('Conv/BatchNorm', 'Conv'),
    ...hardSigmoid('Conv/BatchNorm', ''),
    layer('multiply', 'Multiply', {}, ['Conv/BatchNorm', 'tf.math.multiply']),
    // Squeeze-excitation (keras.applications' mobilenet_v3: GAP(keepdims) → conv → ReLU → conv → hard_sigmoid → Multiply).
    layer('expanded_conv/squeeze_excite/AvgPool', 'GlobalAveragePooling2D', { data_format: 'channels_last', keepdims: true }, ['multiply']),
    conv('expanded_conv/squeeze_excite/Conv', 2, 1, 'expanded_conv/squeeze_excite/AvgPool', true, 'relu'),
    conv('expanded_conv/squeeze_excite/Conv_1', 4, 1, 'expanded_conv/squeeze_excite/Conv'),
    ...hardSigmoid('expanded_conv/squeeze_excite/Conv_1', '_1'),
    layer('expanded_conv/squeeze_excite/Mul', 'Multiply', {}, ['multiply', 'tf.math.multiply_1']),
    conv('expanded_conv/project', 4, 1, 'expanded_conv/squeeze_excite/Mul'),
    layer('expanded_conv/Add', 'Add', {}, ['multiply', 'expanded_conv/project']),
    conv('Conv_1', 6, 1, 'expanded_conv/Add', false),
    bn('Conv_1/BatchNorm', 'Conv_1'),
    ...hardSigmoid('Conv_1/BatchNorm', '_2'),
    // The last hard-swish as a TFOpLambda whose second operand is a Keras tensor (x * hard_sigmoid(x)).
    op('tf.math.multiply_3', 'math.multiply', 'Conv_1/BatchNorm', { y: ref('tf.math.multiply_2') }),
    layer('gap_last', 'GlobalAveragePooling2D', { data_format: 'channels_last' }, ['tf.math.multiply_3']),
    layer('probs', 'Dense', { units: 3, activation: 'softmax', use_bias: true }, ['gap_last']),
  ];
  let seed = 300;
  const rand = (n: number, lo = -0.5, hi = 0.5) => randomArray(n, seed++, lo, hi);
  const bnWeights = (c: number) => [rand(c, 0.5, 1.5), rand(c), rand(c), rand(c, 0.5, 1.5)];
  const weights = new Map<string, Float32Array[]>([
    ['Conv', [rand(3 * 3 * 3 * 4), rand(4)]],
    ['Conv/BatchNorm', bnWeights(4)],
    ['expanded_conv/squeeze_excite/Conv', [rand(4 * 2, -1, 1), rand(2)]],
    ['expanded_conv/squeeze_excite/Conv_1', [rand(2 * 4, -2, 2), rand(4)]],
    ['expanded_conv/project', [rand(4 * 4), rand(4)]],
    ['Conv_1', [rand(4 * 6, -1, 1)]],
    ['Conv_1/BatchNorm', bnWeights(6)],
    ['probs', [rand(6 * 3), rand(3)]],
  ]);
  const shapes: Record<string, number[][]> = {
    Conv: [[3, 3, 3, 4], [4]],
    'expanded_conv/squeeze_excite/Conv': [[1, 1, 4, 2], [2]],
    'expanded_conv/squeeze_excite/Conv_1': [[1, 1, 2, 4], [4]],
    'expanded_conv/project': [[1, 1, 4, 4], [4]],
    Conv_1: [[1, 1, 4, 6]],
    probs: [[6, 3], [3]],
  };
  const BN = ['gamma', 'beta', 'moving_mean', 'moving_variance'];
  const list: [string, number[], Float32Array][] = [];
  for (const [name, ws] of weights) {
    const names = name.endsWith('/BatchNorm') ? BN : ['kernel', 'bias'];
    ws.forEach((w, i) => list.push([`${name}/${names[i]}`, shapes[name]?.[i] ?? [w.length], w]));
  }
  return { modelJson: writeModel('mobile_v3_block', layers, 'probs', list), weights, layers, list };
}

/** The block in float64 from `multiply` (the first hard-swish) on, and up to it. */
function blockReference(w: Map<string, Float32Array[]>) {
  const g = (name: string) => w.get(name) as Float32Array[];
  const head = (x: Map4) => hardSwish(batchnorm(conv2d(x, g('Conv')[0], 3, 4, g('Conv')[1]), g('Conv/BatchNorm')));
  const lastMap = (hs1: Map4) => {
    const squeezed = conv2d(gap(hs1), g('expanded_conv/squeeze_excite/Conv')[0], 1, 2, g('expanded_conv/squeeze_excite/Conv')[1]);
    const gate = each(
      conv2d(
        each(squeezed, (v) => Math.max(v, 0)),
        g('expanded_conv/squeeze_excite/Conv_1')[0],
        1,
        4,
        g('expanded_conv/squeeze_excite/Conv_1')[1],
      ),
      hardSigmoid64,
    );
    const projected = conv2d(
      zip(hs1, gate, (p, q) => p * q),
      g('expanded_conv/project')[0],
      1,
      4,
      g('expanded_conv/project')[1],
    );
    return hardSwish(
      batchnorm(
        conv2d(
          zip(hs1, projected, (p, q) => p + q),
          g('Conv_1')[0],
          1,
          6,
        ),
        g('Conv_1/BatchNorm'),
      ),
    );
  };
  const logits = (last: Map4) => dense(gap(last), g('probs')[0], g('probs')[1]);
  return { head, lastMap, logits };
}

const camOf = (a: Map4, grad: (k: number) => number): number[] =>
  Array.from({ length: a.h * a.w }, (_, p) =>
    Math.max(
      0,
      Array.from({ length: a.c }, (_, k) => grad(k) * a.d[p * a.c + k]).reduce((s, v) => s + v, 0),
    ),
  );

describe('Keras TFOpLambda layers through the converter, against a float64 forward', () => {
  it(
    'a MobileNetV3-style block (hard-sigmoid/hard-swish via TFOpLambda, SE gate, residual Add): logits (1e-4 · max|ref|), roles, ' +
      'automatic target, Grad-CAM at it (closed form) and inside (central differences), both 1e-3 of max',
    async () => {
      const { modelJson, weights } = mobileV3Block();
      const out = join(dir, 'mobile_v3_block.safetensors');
      const cli = runConverter([modelJson, '--out', out, '--preprocess', 'unit']);
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      const model = await loadModel(out);
      try {
        const nodes = model.graph.nodes.map((n) => [n.name, n.op]);
        expect(nodes.slice(3, 8)).toEqual([
          ['tf.__operators__.add/y', 'constant'],
          ['tf.__operators__.add', 'add'],
          ['re_lu', 'clip'],
          ['tf.math.multiply/y', 'constant'],
          ['tf.math.multiply', 'mul'],
        ]);
        expect(model.graph.nodes.find((n) => n.name === 'tf.math.multiply_3')?.inputs).toEqual(['Conv_1/BatchNorm', 'tf.math.multiply_2']);
        expect(model.graph.nodes.find((n) => n.name === 'expanded_conv/squeeze_excite/AvgPool')).toMatchObject({
          op: 'reducemean',
          attrs: { axes: [1, 2], keepdims: true },
        });

        const x = randomArray(2 * H * W * 3, 17, 0, 1);
        const logits = await tidy(() => model.run(tensor(x, [2, H, W, 3])).logits).read();
        const r = blockReference(weights);
        const hs1 = r.head(map4(2, H, W, 3, Float64Array.from(x)));
        const reference = r.logits(r.lastMap(hs1));
        expectClose(logits, reference, 0, 1e-4 * maxAbs(reference), 'logits');

        // x + 3 adds a constant: it joins no branches, so only the SE gate and projection are a residual branch.
        const roles = rolesOf(model.graph);
        for (const n of ['Conv/BatchNorm', 'tf.__operators__.add', 'multiply', 'expanded_conv/Add', 'Conv_1/BatchNorm', 'tf.math.multiply_3'])
          expect(roles.get(n), n).toBe('feature-map');
        for (const n of ['expanded_conv/squeeze_excite/Mul', 'expanded_conv/project']) expect(roles.get(n), n).toBe('residual-branch');
        const target = automaticTarget(model.graph);
        expect(target.node).toBe('tf.math.multiply_3');
        expect(target.reason).toContain('reaches the output only through gap_last');
        expect(model.definition.defaultTarget).toBe('tf.math.multiply_3');

        // Grad-CAM on the first sample: at the target its gradient is W[k, c] / (H·W) everywhere (GAP → Dense).
        const one = x.slice(0, H * W * 3);
        const hsOne = r.head(map4(1, H, W, 3, Float64Array.from(one)));
        const cams = await gradientCams(model, tensor(one, [1, H, W, 3]), ['tf.math.multiply_3', 'multiply'], 'gradcam');
        const c = cams.classIndex;
        const kernel = (weights.get('probs') as Float32Array[])[0];
        const last = r.lastMap(hsOne);
        const expected = new Map<string, number[]>([['tf.math.multiply_3', camOf(last, (k) => kernel[k * 3 + c] / (H * W))]]);
        // At `multiply`: d logit_c / d hs1 by central differences of the float64 forward, averaged over space.
        const step = 1e-6;
        const alpha = new Array<number>(4).fill(0);
        for (let i = 0; i < hsOne.d.length; i++) {
          const shifted = (s: number) => {
            const d = Float64Array.from(hsOne.d);
            d[i] += s;
            return r.logits(r.lastMap(map4(1, H, W, 4, d)))[c];
          };
          alpha[i % 4] += (shifted(step) - shifted(-step)) / (2 * step) / (H * W);
        }
        expected.set(
          'multiply',
          camOf(hsOne, (k) => alpha[k]),
        );
        for (const m of cams.maps) {
          const want = expected.get(m.node) as number[];
          expect(maxAbs(want), `reference map at ${m.node} is not all zero`).toBeGreaterThan(0);
          expectClose(m.map.data, want, 0, 1e-3 * maxAbs(want), `Grad-CAM at ${m.node}`);
        }
      } finally {
        model.dispose();
      }
    },
  );
});

/** The functions' outputs the model adds up, in order. */
const SUMMED = [
  'tf.nn.relu',
  'tf.nn.relu6',
  'tf.math.sigmoid',
  'tf.math.tanh',
  'tf.nn.silu',
  'tf.nn.swish',
  'tf.math.negative',
  'tf.math.sqrt',
  'tf.math.log',
  'tf.math.reciprocal',
  'tf.math.pow',
  'tf.math.erf',
  'tf.math.softplus',
  'tf.nn.gelu',
  'tf.nn.gelu_1',
  'tf.nn.leaky_relu',
  'tf.nn.elu',
];

/** Every other supported function, on a 5×4×3 input: a plain value first (1 - x), list and tensor operands, reduce_mean, reshape. */
function functionsModel(): { modelJson: string; conv: Float32Array[]; probs: Float32Array[]; layers: J[] } {
  const u = 'conv';
  const layers = [
    layer('image', 'InputLayer', { batch_input_shape: [null, 5, 4, 3] }, []),
    conv(u, 4, 3, 'image'),
    op('tf.math.subtract', 'math.subtract', { constant: 1.0 }, { y: ref(u) }),
    op('tf.math.truediv', 'math.truediv', 'tf.math.subtract', { y: 2.0 }),
    op('tf.math.maximum', 'math.maximum', 'tf.math.truediv', { y: ref(u) }),
    op('tf.math.minimum', 'math.minimum', 'tf.math.maximum', { y: [0.5, 1.0, 1.5, 2.0] }),
    op('tf.math.add', 'math.add', 'tf.math.minimum', { y: -0.25 }),
    op('tf.nn.relu', 'nn.relu', 'tf.math.add'),
    op('tf.math.multiply', 'math.multiply', u, { y: 8.0 }),
    op('tf.nn.relu6', 'nn.relu6', 'tf.math.multiply'),
    op('tf.math.sigmoid', 'math.sigmoid', u),
    op('tf.math.tanh', 'math.tanh', u),
    op('tf.nn.silu', 'nn.silu', u, { beta: 1.0 }),
    op('tf.nn.swish', 'nn.swish', u),
    op('tf.math.negative', 'math.negative', u),
    op('tf.math.abs', 'math.abs', u),
    op('tf.math.sqrt', 'math.sqrt', 'tf.math.abs'),
    op('tf.math.exp', 'math.exp', u),
    op('tf.math.log', 'math.log', 'tf.math.exp'),
    op('tf.math.reciprocal', 'math.reciprocal', 'tf.math.exp'),
    op('tf.math.pow', 'math.pow', 'tf.math.sigmoid', { y: 2.0 }),
    op('tf.math.erf', 'math.erf', u),
    op('tf.math.softplus', 'math.softplus', u),
    op('tf.nn.gelu', 'nn.gelu', u, { approximate: false }),
    op('tf.nn.gelu_1', 'nn.gelu', u, { approximate: true }),
    op('tf.nn.leaky_relu', 'nn.leaky_relu', u, { alpha: 0.1 }),
    op('tf.nn.elu', 'nn.elu', u),
    ...SUMMED.slice(1).map((term, i) =>
      op(`tf.__operators__.add_${i}`, '__operators__.add', i === 0 ? SUMMED[0] : `tf.__operators__.add_${i - 1}`, { y: ref(term) }),
    ),
    op('tf.math.reduce_mean', 'math.reduce_mean', `tf.__operators__.add_${SUMMED.length - 2}`, { axis: [1, 2], keepdims: true }),
    op('tf.reshape', 'reshape', 'tf.math.reduce_mean', { shape: [-1, 4] }),
    layer('probs', 'Dense', { units: 3, activation: 'softmax', use_bias: true }, ['tf.reshape']),
  ];
  const convW = [randomArray(3 * 3 * 3 * 4, 41), randomArray(4, 42)];
  const probs = [randomArray(4 * 3, 43), randomArray(3, 44)];
  const modelJson = writeModel('functions', layers, 'probs', [
    ['conv/kernel', [3, 3, 3, 4], convW[0]],
    ['conv/bias', [4], convW[1]],
    ['probs/kernel', [4, 3], probs[0]],
    ['probs/bias', [3], probs[1]],
  ]);
  return { modelJson, conv: convW, probs, layers };
}

/** erf by its Maclaurin series: within 1e-12 for |x| ≤ 3, 1e-6 at 5 (cancellation); past 5 it is ±1 within 2e-12. */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x,
    sum = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function functionsReference(x: Map4, convW: Float32Array[], probs: Float32Array[]): { terms: Map4[]; logits: number[] } {
  const u = conv2d(x, convW[0], 3, 4, convW[1]);
  const bound = [0.5, 1.0, 1.5, 2.0];
  const a = zip(
    each(u, (v) => (1 - v) / 2),
    u,
    (p, q) => Math.max(p, q),
  );
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const silu = (v: number) => v * sigmoid(v);
  // In the order of SUMMED.
  const terms = [
    each(a, (v, k) => Math.max(Math.min(v, bound[k]) - 0.25, 0)),
    each(u, (v) => relu6(v * 8)),
    each(u, sigmoid),
    each(u, Math.tanh),
    each(u, silu),
    each(u, silu),
    each(u, (v) => -v),
    each(u, (v) => Math.sqrt(Math.abs(v))),
    each(u, (v) => Math.log(Math.exp(v))),
    each(u, (v) => 1 / Math.exp(v)),
    each(u, (v) => sigmoid(v) ** 2),
    each(u, erf),
    each(u, (v) => Math.log1p(Math.exp(v))),
    each(u, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
    each(u, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
    each(u, (v) => (v > 0 ? v : 0.1 * v)),
    each(u, (v) => (v > 0 ? v : Math.expm1(v))),
  ];
  const sum = terms.reduce((s, t) => zip(s, t, (p, q) => p + q));
  return { terms, logits: dense(gap(sum), probs[0], probs[1]) };
}

describe('every other TFOpLambda function, against a float64 forward', () => {
  it(
    '1 - x (a plain value first), truediv, maximum with a tensor, minimum with a list, math.add, pow, relu, relu6, sigmoid, tanh, ' +
      'silu, swish, negative, abs, sqrt, exp, log, reciprocal, erf, softplus, gelu (both forms), leaky_relu, elu, tensor + tensor, ' +
      'reduce_mean(keepdims), reshape: each output within 1e-5 of its max, logits within 1e-4 · max|ref|, batch 2',
    async () => {
      const { modelJson, conv: convW, probs } = functionsModel();
      const out = join(dir, 'functions.safetensors');
      const cli = runConverter([modelJson, '--out', out, '--preprocess', 'unit']);
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      const model = await loadModel(out);
      try {
        expect(model.graph.nodes.find((n) => n.name === 'tf.math.subtract')?.inputs).toEqual(['tf.math.subtract/x', 'conv']);
        const x = randomArray(2 * 5 * 4 * 3, 45, -1, 1);
        const run = model.run(tensor(x, [2, 5, 4, 3]), { keep: SUMMED });
        const reference = functionsReference(map4(2, 5, 4, 3, Float64Array.from(x)), convW, probs);
        expectClose(await run.logits.read(), reference.logits, 0, 1e-4 * maxAbs(reference.logits), 'logits');
        // Each function's own output: float32 elementwise rounding, within 1e-5 of the term's max.
        for (const [i, term] of SUMMED.entries()) {
          const want = reference.terms[i].d;
          expectClose(await (run.activations.get(term) as Tensor).read(), want, 0, 1e-5 * maxAbs(want), term);
        }
        run.logits.dispose();
        for (const t of run.activations.values()) t.dispose();
      } finally {
        model.dispose();
      }
    },
  );
});

describe('TFOpLambda configs and their errors (no GPU)', () => {
  const functional = (layers: J[], output: string) => ({
    class_name: 'Functional',
    config: { name: 'm', layers, input_layers: [['image', 0, 0]], output_layers: [[output, 0, 0]] },
  });
  const image = layer('image', 'InputLayer', { batch_input_shape: [null, 6, 6, 3] }, []);

  it('maps each function to its graph op, operands in call order, constants as <layer>/<argument> nodes', () => {
    const { layers } = functionsModel();
    const imported = importKerasTopology({ model_config: functional(layers, 'probs') });
    const byName = new Map(imported.graph.nodes.map((n) => [n.name, n]));
    expect(byName.get('tf.math.minimum')).toMatchObject({ op: 'min', inputs: ['tf.math.maximum', 'tf.math.minimum/y'] });
    expect(byName.get('tf.math.minimum/y')).toMatchObject({ op: 'constant', attrs: { shape: [4] } });
    expect([...(imported.constants.get('tf.math.minimum/y/value')?.data ?? [])]).toEqual([0.5, 1, 1.5, 2]);
    expect([...(imported.constants.get('tf.math.subtract/x/value')?.data ?? [])]).toEqual([1]);
    expect(byName.get('tf.nn.relu6')).toMatchObject({ op: 'clip', attrs: { min: 0, max: 6 } });
    expect(byName.get('tf.math.reduce_mean')).toMatchObject({ op: 'reducemean', attrs: { axes: [1, 2], keepdims: true } });
    expect(byName.get('tf.reshape')).toMatchObject({ op: 'reshape', attrs: { shape: [4] } });
    expect(byName.get('tf.__operators__.add_5')).toMatchObject({ op: 'add', inputs: ['tf.__operators__.add_4', 'tf.math.negative'] });
  });

  it('refuses what it cannot express in one line naming each function, argument and layer', () => {
    const config = functional(
      [
        image,
        op('tf.math.cumsum', 'math.cumsum', 'image'),
        op('tf.math.cumsum_1', 'math.cumsum', 'tf.math.cumsum'),
        op('tf.math.reduce_mean', 'math.reduce_mean', 'tf.math.cumsum_1', { axis: null, keepdims: false }),
        op('tf.nn.silu', 'nn.silu', 'tf.math.reduce_mean', { beta: 2.0 }),
        op('tf.math.multiply', 'math.multiply', 'tf.nn.silu'),
        op('tf.reshape', 'reshape', 'tf.math.multiply', { shape: [2, 3] }),
      ],
      'tf.reshape',
    );
    let message = '';
    try {
      importKerasTopology(config);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(
      /^unsupported Keras layers: TFOpLambda with function="math.cumsum" \(supported: __operators__.add, .*\) \(tf.math.cumsum, tf.math.cumsum_1\); /,
    );
    expect(message).toContain('TFOpLambda with function="math.reduce_mean" with axis=null (axes other than the batch axis 0) (tf.math.reduce_mean)');
    expect(message).toContain('TFOpLambda with function="nn.silu" with beta=2 (only 1) (tf.nn.silu)');
    expect(message).toContain('TFOpLambda with function="math.multiply" with y=null (a layer\'s output or numbers) (tf.math.multiply)');
    expect(message).toContain('TFOpLambda with function="reshape" with shape=[2,3] (a list with -1 or None for the batch) (tf.reshape)');
  });

  it('reads a tensor operand in kwargs as an input, so the layer it names is kept and ordered before', () => {
    const config = functional(
      [
        image,
        op('tf.math.multiply', 'math.multiply', 'image', { y: ref('side') }),
        layer('side', 'ReLU', {}, ['image']),
        layer('gap', 'GlobalAveragePooling2D', {}, ['tf.math.multiply']),
      ],
      'gap',
    );
    const imported = importKerasTopology(config);
    expect(imported.graph.nodes.map((n) => n.name)).toEqual(['image', 'side', 'tf.math.multiply', 'gap']);
    expect(imported.unusedLayers).toEqual([]);
  });

  it('the block as a full-model Keras H5 (layer groups nested at each "/", as h5py makes them) converts to the same tensors as its TF.js file', async () => {
    const { modelJson, layers, list } = mobileV3Block();
    const byLayer = new Map<string, FixtureWeight[]>();
    for (const [stored, shape, data] of list) {
      const owner = stored.slice(0, stored.lastIndexOf('/'));
      byLayer.set(owner, [...(byLayer.get(owner) ?? []), { storedName: `${stored}:0`, shape, data }]);
    }
    const h5 = join(dir, 'mobile_v3_block.h5');
    const names = layers.map((l) => (l as { name: string }).name);
    await writeFullModelH5(
      h5,
      names.map((name) => ({ name, weights: byLayer.get(name) ?? [] })),
      modelConfig('mobile_v3_block', layers, 'probs'),
    );
    const files = [modelJson, h5].map((input, i) => {
      const out = join(dir, `same-${i}.safetensors`);
      const cli = runConverter([input, '--out', out, '--preprocess', 'unit']);
      expect(cli.stderr, input).toBe('');
      return readWeightsFile(out).params;
    });
    expect([...files[1].keys()]).toEqual([...files[0].keys()]);
    expect([...files[0].keys()]).toContain('expanded_conv/squeeze_excite/Conv/kernel');
    for (const [k, v] of files[0]) expect([...(files[1].get(k)?.data ?? [])], k).toEqual([...v.data]);
  });

  it("refuses Keras 3's keras.ops operations (x + 3. saved as an 'Add' of keras.src.ops.numpy) as ops, not as the Add layer", () => {
    const tensorArg = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 6, 6, 3], keras_history: [name, 0, 0] } });
    const config = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', name: 'image', config: { name: 'image', batch_shape: [null, 6, 6, 3] }, inbound_nodes: [] },
          {
            module: 'keras.src.ops.numpy',
            class_name: 'Add',
            name: 'add',
            config: { name: 'add' },
            inbound_nodes: [{ args: [tensorArg('image'), 3.0], kwargs: {} }],
          },
        ],
        input_layers: ['image', 0, 0],
        output_layers: ['add', 0, 0],
      },
    };
    expect(() => importKerasTopology(config)).toThrow('unsupported Keras layers: Add (keras.src.ops.numpy) (add)');
  });
});
