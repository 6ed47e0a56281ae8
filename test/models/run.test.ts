// Running graphs on the GPU. References: the same tiny topology built with @tensorflow/tfjs-layers
// (CPU backend) and loaded with the same weights, for the forward; tf.grad over the tail of the
// same network written with @tensorflow/tfjs-core ops, for the gradients delivered to hooks; plain
// float64 statistics for training-mode batch statistics. Tolerances: forward 1e-4 relative (plus
// 1e-4·max|ref| absolute), gradients 1e-3 relative (plus 1e-3·max|ref| absolute).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { Tape, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { GraphBuilder } from '../../src/models/builder.js';
import type { Graph } from '../../src/models/graph.js';
import { parameterSpecs, type ParameterSpec } from '../../src/models/shapes.js';
import { runGraph } from '../../src/models/execute.js';
import { bindWeights } from '../../src/models/parameters.js';
import { UnknownNodeError } from '../../src/models/targets.js';
import { Model } from '../../src/models/model.js';
import { resnet50v2 } from '../../src/models/resnet50v2.js';
import { expectClose, expectSteadyMemory, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';

let tf: Tf;
beforeAll(async () => {
  tf = await tfjs();
});

/** Random parameters: variances in [0.5, 1.5] (they must be positive), everything else in [−0.5, 0.5]. */
function randomParameters(specs: ParameterSpec[], seed: number): Map<string, Float32Array> {
  return new Map(
    specs.map((p, i) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      return [p.name, p.kind === 'moving_variance' ? randomArray(n, seed + i, 0.5, 1.5) : randomArray(n, seed + i, -0.5, 0.5)];
    }),
  );
}

function upload(specs: ParameterSpec[], values: Map<string, Float32Array>): Map<string, Tensor> {
  return new Map(specs.map((p) => [p.name, tensor(values.get(p.name) as Float32Array, p.shape)]));
}

/**
 * Every op the native nets use, at odd sizes, batch 2: asymmetric zero padding, a stride-2 'same'
 * conv with fused ReLU, batchnorm (with and without gamma), a 1×1 conv without bias, a residual
 * add, a 'same' average pool that excludes padding, concat, pad + valid max pool, flatten,
 * dense + ReLU, dropout (identity) and the logits layer.
 */
function forwardGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', 7, 9, 3);
  const p0 = g.pad('p0', x, { top: 1, bottom: 2, left: 0, right: 1 });
  const c1 = g.conv2d('c1', p0, 6, 3, { strides: 2, padding: 'same', activation: 'relu' });
  const bn1 = g.batchNorm('bn1', c1, 1.001e-5);
  const r1 = g.relu('r1', bn1);
  const c2 = g.conv2d('c2', r1, 6, 1, { useBias: false });
  const s = g.add('s', c1, c2);
  const ap = g.avgPool('ap', s, 3, 1, 'same', false);
  const bn2 = g.batchNorm('bn2', ap, 1e-3, { scale: false });
  const cat = g.concat('cat', [s, bn2]);
  const p1 = g.pad('p1', cat, { top: 1, bottom: 1, left: 1, right: 1 });
  const mp = g.maxPool('mp', p1, 3, 2);
  g.role = undefined;
  const f = g.flatten('f', mp);
  const d1 = g.dense('d1', f, 7, 'relu');
  const drop = g.identity('drop', d1, 'dropout');
  g.dense('logits', drop, 4);
  return g.build();
}

/** The same network with tfjs-layers (Keras semantics), weights set layer by layer in Keras order. */
function tfjsLayersModel(specs: ParameterSpec[], values: Map<string, Float32Array>): tfl.LayersModel {
  const L = tfl.layers;
  const inp = tfl.input({ shape: [7, 9, 3] });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;
  const p0 = apply(
    L.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 1],
      ],
      name: 'p0',
    }),
    inp,
  );
  const c1 = apply(L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c1' }), p0);
  const bn1 = apply(L.batchNormalization({ epsilon: 1.001e-5, name: 'bn1' }), c1);
  const r1 = apply(L.activation({ activation: 'relu', name: 'r1' }), bn1);
  const c2 = apply(L.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: 'c2' }), r1);
  const s = apply(L.add({ name: 's' }), [c1, c2]);
  const ap = apply(L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'ap' }), s);
  const bn2 = apply(L.batchNormalization({ epsilon: 1e-3, scale: false, name: 'bn2' }), ap);
  const cat = apply(L.concatenate({ name: 'cat' }), [s, bn2]);
  const p1 = apply(L.zeroPadding2d({ padding: 1, name: 'p1' }), cat);
  const mp = apply(L.maxPooling2d({ poolSize: 3, strides: 2, name: 'mp' }), p1);
  const f = apply(L.flatten({ name: 'f' }), mp);
  const d1 = apply(L.dense({ units: 7, activation: 'relu', name: 'd1' }), f);
  const drop = apply(L.dropout({ rate: 0.5, name: 'drop' }), d1);
  const out = apply(L.dense({ units: 4, name: 'logits' }), drop);
  const model = tfl.model({ inputs: inp, outputs: out });
  for (const layer of model.layers) {
    const own = specs.filter((p) => p.node === layer.name);
    if (own.length > 0) layer.setWeights(own.map((p) => tf.tensor(values.get(p.name) as Float32Array, [...p.shape])));
  }
  return model;
}

describe('running a graph', () => {
  it('forward of a tiny graph using every op equals tfjs-layers with the same weights (1e-4 relative)', async () => {
    const graph = forwardGraph();
    const specs = parameterSpecs(graph);
    const values = randomParameters(specs, 100);
    const xv = randomArray(2 * 7 * 9 * 3, 7);
    const reference = tfjsLayersModel(specs, values);
    const expected = (reference.predict(tf.tensor(xv, [2, 7, 9, 3])) as ReturnType<Tf['tensor']>).dataSync();
    const params = upload(specs, values);
    const x = tensor(xv, [2, 7, 9, 3]);
    const { logits, activations } = tidy(() => runGraph(graph, bindWeights(graph, params), x, { keep: ['s', 'drop', 'logits:input'] }));
    expect(logits.shape).toEqual([2, 4]);
    expectClose(await logits.read(), expected, 1e-4, 1e-4 * maxAbs(expected), 'logits');
    // Keras' intermediate 's' (the residual Add) through a sub-model of the reference.
    const sRef = (
      tfl.model({ inputs: reference.inputs, outputs: reference.getLayer('s').output as tfl.SymbolicTensor }).predict(tf.tensor(xv, [2, 7, 9, 3])) as ReturnType<
        Tf['tensor']
      >
    ).dataSync();
    expectClose(await (activations.get('s') as Tensor).read(), sRef, 1e-4, 1e-4 * maxAbs(sRef), "activation 's'");
    // A dropout node is the tensor it passes through.
    expect(activations.get('drop')).toBe(activations.get('logits:input'));
    reference.dispose();
  });

  it('unknown hook names fail before any work, with the nearest node names', () => {
    const graph = forwardGraph();
    const params = upload(parameterSpecs(graph), randomParameters(parameterSpecs(graph), 1));
    const x = tensor(new Float32Array(2 * 7 * 9 * 3), [2, 7, 9, 3]);
    expect(() => runGraph(graph, params, x, { watch: ['bn3'] })).toThrow(UnknownNodeError);
    expect(() => runGraph(graph, params, x, { keep: ['cats'] })).toThrow(/no node named 'cats'; nearest names: cat, /);
    expect(() => runGraph(graph, params, x, { watchInputs: ['s'] })).toThrow(/'s' has 2 inputs/);
    expect(() => runGraph(graph, params, tensor(new Float32Array(7 * 9 * 4), [1, 7, 9, 4]))).toThrow(/model input: expected \[N, H, W, 3\]/);
  });
});

/** conv(ReLU) → [bn → relu → conv] + skip → relu → global average pool → dense: a ResNet in miniature. */
function residualGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', 5, 7, 3);
  const h = g.conv2d('h', x, 5, 3, { padding: 'same', activation: 'relu' });
  const b = g.inRole('residual-branch', () => g.conv2d('b2', g.relu('b1', g.batchNorm('b0', h, 1e-3)), 5, 3, { padding: 'same' }));
  const s = g.add('s', h, b);
  const r = g.relu('r', s);
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', r), 3);
  return g.build();
}

describe('hooks and gradients', () => {
  it("gradients arrive at a residual Add ('s') and at 'gap:input', equal to tf.grad of the network's tail (1e-3)", async () => {
    const graph = residualGraph();
    const specs = parameterSpecs(graph);
    const v = randomParameters(specs, 300);
    const params = upload(specs, v);
    const xv = randomArray(2 * 5 * 7 * 3, 11);
    const seedv = Float32Array.from([1, 0, 0, 0, 0, 1]); // one-hot: class 0 for image 0, class 2 for image 1
    const x = tensor(xv, [2, 5, 7, 3]);
    const tape = new Tape();
    const { result, grads, kinds } = tidy(() => {
      const result = tape.record(() => runGraph(graph, params, x, { watch: ['s'], watchInputs: ['gap'] }));
      const kinds = tape.entries.map((e) => e.kind);
      const grads = tape.backward(result.logits, tensor(seedv, [2, 3])).grads;
      return { result, grads, kinds };
    });
    // Backward stops below the shallowest watched node: nothing before the Add was recorded.
    expect(kinds).not.toContain('conv2d');
    expect(kinds).not.toContain('batchnorm');
    const s = result.activations.get('s') as Tensor;
    const r = result.activations.get('gap:input') as Tensor;
    expect(s.shape).toEqual([2, 5, 7, 5]);
    expect(r.shape).toEqual([2, 5, 7, 5]);

    // Reference in tfjs-core: the same network as functions, and its tails from s and from r.
    const p = (name: string) => tf.tensor(v.get(name) as Float32Array, [...(specs.find((q) => q.name === name)?.shape ?? [])]);
    const kernel = (name: string) => p(name) as Tensor4D;
    const xr = tf.tensor4d(xv, [2, 5, 7, 3]);
    const hr = tf.relu(tf.add(tf.conv2d(xr, kernel('h/kernel'), 1, 'same'), p('h/bias'))) as Tensor4D;
    const bnr = tf.batchNorm(hr, p('b0/moving_mean'), p('b0/moving_variance'), p('b0/beta'), p('b0/gamma'), 1e-3);
    const br = tf.add(tf.conv2d(tf.relu(bnr as Tensor4D), kernel('b2/kernel'), 1, 'same'), p('b2/bias'));
    const sr = tf.add(hr, br);
    const seed = tf.tensor(seedv, [2, 3]);
    const head = (rr: ReturnType<Tf['tensor']>) => tf.add(tf.matMul(tf.mean(rr, [1, 2]), p('logits/kernel')), p('logits/bias'));
    const fromR = (rr: ReturnType<Tf['tensor']>) => tf.sum(tf.mul(head(rr), seed));
    const fromS = (ss: ReturnType<Tf['tensor']>) => fromR(tf.relu(ss));
    const logitsRef = head(tf.relu(sr)).dataSync();
    expectClose(await result.logits.read(), logitsRef, 1e-4, 1e-4 * maxAbs(logitsRef), 'logits');
    const gsRef = tf.grad(fromS)(sr).dataSync();
    const grRef = tf.grad(fromR)(tf.relu(sr)).dataSync();
    expectClose(await (grads.get(s) as Tensor).read(), gsRef, 1e-3, 1e-3 * maxAbs(gsRef), 'dL/ds at the Add');
    expectClose(await (grads.get(r) as Tensor).read(), grRef, 1e-3, 1e-3 * maxAbs(grRef), 'dL/d(gap:input)');
    tape.dispose();
  });

  it('training mode returns each batchnorm’s batch mean and biased variance (float64 reference over the kept input)', async () => {
    const graph = residualGraph();
    const specs = parameterSpecs(graph);
    const params = upload(specs, randomParameters(specs, 500));
    const x = tensor(randomArray(2 * 5 * 7 * 3, 12), [2, 5, 7, 3]);
    const result = tidy(() => runGraph(graph, params, x, { keep: ['h'] }, { training: true }));
    const stats = result.batchStatistics.get('b0');
    expect([...result.batchStatistics.keys()]).toEqual(['b0']);
    const h = await (result.activations.get('h') as Tensor).read();
    const c = 5,
      rows = h.length / c;
    const mean = new Float64Array(c),
      variance = new Float64Array(c);
    for (let i = 0; i < h.length; i++) mean[i % c] += h[i] / rows;
    for (let i = 0; i < h.length; i++) variance[i % c] += (h[i] - mean[i % c]) ** 2 / rows;
    expectClose(await stats!.mean.read(), mean, 1e-5, 1e-6, 'batch mean');
    expectClose(await stats!.variance.read(), variance, 1e-4, 1e-6, 'batch variance');
  });

  it('repeated hooked forward + backward does not grow live GPU memory', async () => {
    const graph = residualGraph();
    const specs = parameterSpecs(graph);
    const params = upload(specs, randomParameters(specs, 700));
    const x = tensor(randomArray(2 * 5 * 7 * 3, 13), [2, 5, 7, 3]);
    const seed = tensor(Float32Array.from([1, 0, 0, 0, 0, 1]), [2, 3]);
    const step = () => {
      const tape = new Tape();
      const grads = tidy(() => {
        const { logits } = tape.record(() => runGraph(graph, params, x, { watch: ['s', 'h'], keep: ['b1'] }));
        return tape.backward(logits, seed).grads;
      });
      tape.dispose();
      for (const g of grads.values()) g.dispose();
    };
    await expectSteadyMemory(step, { repeats: 20 });
  });
});

describe('Model', () => {
  it('binds tensors, checks them, and refuses a wrong set', () => {
    const b = new GraphBuilder();
    const x = b.input('in', 3, 3, 2);
    b.dense('fc', b.flatten('f', b.conv2d('c', x, 2, 3)), 4);
    const def = { ...resnet50v2(), name: 'tiny', graph: b.build(), defaultTarget: 'c' };
    const weights = {
      'c/kernel': tensor(new Float32Array(36), [3, 3, 2, 2]),
      'c/bias': tensor([0, 0], [2]),
      'fc/kernel': tensor(new Float32Array(8), [2, 4]),
      'fc/bias': tensor(new Float32Array(4), [4]),
    };
    const model = new Model(def, weights);
    expect([...model.parameters.keys()]).toEqual(['c/kernel', 'c/bias', 'fc/kernel', 'fc/bias']);
    expect(() => new Model(def, { ...weights, 'fc/kernel': tensor(new Float32Array(8), [4, 2]) })).toThrow('fc/kernel: expected shape [2, 4], given [4, 2]');
    expect(() => bindWeights(def.graph, new Map())).toThrow(/4 problems/);
    model.dispose();
  });
});
