// Fused execution of graphs (src/models/fuse.ts): which chains fuse, that hooks keep their tensors,
// and that fused runs compute what the layers compute. References: the same tiny pre-activation
// residual network in @tensorflow/tfjs-layers (CPU backend) for the forward (1e-4 relative, plus
// 1e-4·max|ref| absolute) and tf.grad through that model for input gradients (1e-3 relative, plus
// 1e-3·max|ref|); the guided input gradient against our unfused run (fuse: false) within 1e-5
// relative (a consistency check between two of our paths; the guided rule itself is tested
// against tfjs in test/ops/conv2d-epilogue.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { Tape, tensor, tidy, withOverrides, type Tensor } from '../../src/tensor/index.js';
import { GraphBuilder, uniformPadding } from '../../src/models/builder.js';
import { GraphIndex, type Graph } from '../../src/models/graph.js';
import { planSteps, type Step } from '../../src/models/fuse.js';
import { parameterSpecs, type ParameterSpec } from '../../src/models/shapes.js';
import { runGraph, type RunOptions } from '../../src/models/execute.js';
import { resnet50v2Graph } from '../../src/models/resnet50v2.js';
import { inceptionv3Graph } from '../../src/models/inceptionv3.js';
import { vgg16Graph } from '../../src/models/vgg16.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';

let tf: Tf;
beforeAll(async () => {
  tf = await tfjs();
});

const EPS = 1.001e-5;

/** A ResNet50V2 block in miniature plus an Inception-style unit and a VGG-style conv+ReLU. */
function tinyGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('x', 9, 11, 3);
  x = g.pad('p0', x, { top: 1, bottom: 2, left: 1, right: 0 });
  x = g.conv2d('c0', x, 8, 3, { strides: 2 });
  const bn = g.batchNorm('pbn', x, EPS);
  const pre = g.relu('prelu', bn);
  const sc = g.conv2d('sc', pre, 12, 1);
  let b = g.conv2d('c1', pre, 4, 1, { useBias: false });
  b = g.relu('r1', g.batchNorm('bn1', b, EPS));
  b = g.pad('pad1', b, uniformPadding(1));
  b = g.relu('r2', g.batchNorm('bn2', g.conv2d('c2', b, 4, 3, { useBias: false }), EPS));
  b = g.conv2d('c3', b, 12, 1);
  x = g.add('out', sc, b);
  x = g.conv2d('c4', x, 6, 3, { padding: 'same', activation: 'relu' });
  x = g.relu('r5', g.batchNorm('bn5', g.conv2d('c5', x, 5, 1, { useBias: false }), 1e-3, { scale: false }));
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', x), 4);
  return g.build();
}

function tfjsLayersModel(specs: ParameterSpec[], values: Map<string, Float32Array>): tfl.LayersModel {
  const L = tfl.layers;
  const inp = tfl.input({ shape: [9, 11, 3] });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  // Every batchnorm with a gamma (tf.grad fails inside tfjs-layers' batchnorm with scale: false);
  // bn5 has none in our graph and gets ones.
  const bnorm = (name: string, x: tfl.SymbolicTensor, epsilon = EPS) => apply(L.batchNormalization({ epsilon, name }), x);
  const relu = (name: string, x: tfl.SymbolicTensor) => apply(L.activation({ activation: 'relu', name }), x);
  let x = apply(
    L.zeroPadding2d({
      padding: [
        [1, 2],
        [1, 0],
      ],
      name: 'p0',
    }),
    inp,
  );
  x = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'c0' }), x);
  const pre = relu('prelu', bnorm('pbn', x));
  const sc = apply(L.conv2d({ filters: 12, kernelSize: 1, name: 'sc' }), pre);
  let b = relu('r1', bnorm('bn1', apply(L.conv2d({ filters: 4, kernelSize: 1, useBias: false, name: 'c1' }), pre)));
  b = apply(L.zeroPadding2d({ padding: 1, name: 'pad1' }), b);
  b = relu('r2', bnorm('bn2', apply(L.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'c2' }), b)));
  b = apply(L.conv2d({ filters: 12, kernelSize: 1, name: 'c3' }), b);
  x = apply(L.add({ name: 'out' }), [sc, b]);
  x = apply(L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c4' }), x);
  x = relu('r5', bnorm('bn5', apply(L.conv2d({ filters: 5, kernelSize: 1, useBias: false, name: 'c5' }), x), 1e-3));
  const out = apply(L.dense({ units: 4, name: 'logits' }), apply(L.globalAveragePooling2d({ name: 'gap' }), x));
  const model = tfl.model({ inputs: inp, outputs: out });
  for (const layer of model.layers) {
    const own = specs.filter((p) => p.node === layer.name);
    const weights = own.map((p) => tf.tensor(values.get(p.name) as Float32Array, [...p.shape]));
    if (layer.name === 'bn5') weights.unshift(tf.ones([5]));
    if (own.length > 0) layer.setWeights(weights);
  }
  return model;
}

function setup(seed: number) {
  const graph = tinyGraph();
  const specs = parameterSpecs(graph);
  const values = new Map(
    specs.map((p, i) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      return [p.name, p.kind === 'moving_variance' ? randomArray(n, seed + i, 0.5, 1.5) : randomArray(n, seed + i, -0.5, 0.5)];
    }),
  );
  const params = new Map(specs.map((p) => [p.name, tensor(values.get(p.name) as Float32Array, p.shape)]));
  return { graph, specs, values, params };
}

const describeStep = (s: Step) =>
  s.kind === 'conv' ? `${s.nodes.join('+')}${s.residual ? ` (+${s.residual})` : ''}` : s.kind === 'batchnorm-relu' ? s.nodes.join('+') : s.output;

function plan(graph: Graph, held: string[] = []): string[] {
  const index = new GraphIndex(graph);
  return planSteps(index, { enabled: true, held: new Set([index.source(index.output.name), ...held]), canFold: () => true }).map(describeStep);
}

describe('fusion plan', () => {
  it('fuses pad → conv, conv → batchnorm → relu, conv → add, batchnorm → relu and conv + ReLU activation', () => {
    expect(plan(tinyGraph())).toEqual(['p0+c0+pbn+prelu', 'sc', 'c1+bn1+r1', 'pad1+c2+bn2+r2', 'c3+out (+sc)', 'c4', 'c5+bn5+r5', 'gap', 'logits']);
  });

  it('a hooked node inside a chain stays a tensor of its own (the chain is cut there)', () => {
    // bn1 is hooked: the conv still folds it (its output is bn1's tensor) but the ReLU runs alone.
    expect(plan(tinyGraph(), ['bn1', 'pad1'])).toEqual([
      'p0+c0+pbn+prelu',
      'sc',
      'c1+bn1',
      'r1',
      'pad1',
      'c2+bn2+r2',
      'c3+out (+sc)',
      'c4',
      'c5+bn5+r5',
      'gap',
      'logits',
    ]);
    expect(plan(tinyGraph(), ['c0'])).toEqual(['p0+c0', 'pbn+prelu', 'sc', 'c1+bn1+r1', 'pad1+c2+bn2+r2', 'c3+out (+sc)', 'c4', 'c5+bn5+r5', 'gap', 'logits']);
  });

  it('ResNet50V2, InceptionV3 and VGG16: every batchnorm folds or pairs with its ReLU; every residual Add joins its conv', () => {
    const count = (steps: string[], re: RegExp) => steps.filter((s) => re.test(s)).length;
    const resnet = plan(resnet50v2Graph());
    expect(resnet.length).toBe(77);
    expect(count(resnet, /_bn\+.*_relu$/)).toBe(32 + 17); // conv+bn+relu in the branches, preact/post bn+relu
    expect(count(resnet, /_3_conv\+conv\d_block\d_out \(\+/)).toBe(16);
    expect(count(resnet, /_2_pad\+conv\d_block\d_2_conv/)).toBe(16);
    expect(resnet).toContain('conv1_pad+conv1_conv');
    const inception = plan(inceptionv3Graph());
    expect(count(inception, /^conv2d_\d+\+batch_normalization_\d+\+activation_\d+$/)).toBe(94);
    expect(plan(vgg16Graph()).length).toBe(22);
  });
});

describe('fused execution', () => {
  const opts = (fuse: boolean): RunOptions => ({ fuse });

  it('logits and a hooked intermediate equal tfjs-layers (1e-4); fused equals unfused (1e-5)', async () => {
    const { graph, specs, values, params } = setup(10);
    const xv = randomArray(2 * 9 * 11 * 3, 3);
    const x = tensor(xv, [2, 9, 11, 3]);
    const reference = tfjsLayersModel(specs, values);
    const expected = (reference.predict(tf.tensor(xv, [2, 9, 11, 3])) as ReturnType<Tf['tensor']>).dataSync();
    const fused = tidy(() => runGraph(graph, params, x, { keep: ['bn2', 'out'] }, opts(true)));
    const plain = tidy(() => runGraph(graph, params, x, { keep: ['bn2', 'out'] }, opts(false)));
    const got = await fused.logits.read();
    expectClose(got, expected, 1e-4, 1e-4 * maxAbs(expected), 'logits vs tfjs-layers');
    expectClose(got, await plain.logits.read(), 1e-5, 1e-6 * maxAbs(expected), 'fused vs unfused logits');
    for (const name of ['bn2', 'out']) {
      const sub = tfl.model({ inputs: reference.inputs, outputs: reference.getLayer(name).output as tfl.SymbolicTensor });
      const ref = (sub.predict(tf.tensor(xv, [2, 9, 11, 3])) as ReturnType<Tf['tensor']>).dataSync();
      expectClose(await (fused.activations.get(name) as Tensor).read(), ref, 1e-4, 1e-4 * maxAbs(ref), `hooked '${name}' vs tfjs-layers`);
    }
    reference.dispose();
  });

  it(
    'input gradient equals tf.grad through the tfjs-layers model (1e-3); the guided one equals the ' + 'unfused run (1e-5) with as many overridden ReLUs',
    async () => {
      const { graph, specs, values, params } = setup(40);
      const xv = randomArray(1 * 9 * 11 * 3, 5);
      const seedv = Float32Array.from([0, 1, 0, 0]);
      const inputGradient = (fuse: boolean, overrides: Record<string, string>) => {
        const x = tensor(xv, [1, 9, 11, 3]);
        const tape = new Tape();
        const out = tidy(() => {
          const r = tape.record(() => runGraph(graph, params, x, { watch: ['x'] }, opts(fuse)));
          const { grads, overridden } = withOverrides(overrides, () => tape.backward(r.logits, tensor(seedv, [1, 4])));
          return { g: grads.get(x) as Tensor, relus: overridden.relu ?? 0 };
        });
        tape.dispose();
        return out;
      };
      const reference = tfjsLayersModel(specs, values);
      const seed = tf.tensor(seedv, [1, 4]);
      const expected = tf
        .grad((t: ReturnType<Tf['tensor']>) => tf.sum(tf.mul(reference.apply(t) as ReturnType<Tf['tensor']>, seed)))(tf.tensor(xv, [1, 9, 11, 3]))
        .dataSync();
      const plainGrad = inputGradient(true, {});
      expectClose(await plainGrad.g.read(), expected, 1e-3, 1e-3 * maxAbs(expected), 'dlogit/dx vs tf.grad');
      const fused = inputGradient(true, { relu: 'guided' });
      const unfused = inputGradient(false, { relu: 'guided' });
      const u = await unfused.g.read();
      expectClose(await fused.g.read(), u, 1e-5, 1e-6 * Math.max(1, maxAbs(u)), 'guided dx, fused vs unfused');
      expect(fused.relus).toBe(unfused.relus);
      expect(fused.relus).toBe(5); // prelu, r1, r2, c4 (activation), r5
      reference.dispose();
    },
  );
});
