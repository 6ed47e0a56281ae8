// Models for the explanation tests: random weights for any graph (scaled so that deep nets stay
// finite), and a tiny residual conv net with its twin written in tfjs-core ops as the reference.
import type { Tensor as TfTensor, Tensor4D } from '@tensorflow/tfjs-core';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { GraphBuilder } from '../../src/models/builder.js';
import { defineModel, type ModelDefinition } from '../../src/models/definition.js';
import type { Graph } from '../../src/models/graph.js';
import { Model } from '../../src/models/model.js';
import { parameterSpecs, type ParameterSpec } from '../../src/models/shapes.js';
import { randomArray } from '../helpers.js';
import type { Tf } from '../tfjs.js';

export type HostWeights = Map<string, Float32Array>;

/**
 * Kernels uniform in ±sqrt(3/fan_in) (unit variance through each layer), gammas and moving
 * variances in [0.5, 1.5], biases, betas and moving means in ±0.1.
 */
export function randomWeights(graph: Graph, seed: number): { specs: ParameterSpec[]; host: HostWeights } {
  const specs = parameterSpecs(graph);
  const host: HostWeights = new Map();
  specs.forEach((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const fanIn = p.kind === 'kernel' ? p.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const limit = Math.sqrt(3 / fanIn);
    const values =
      p.kind === 'kernel'
        ? randomArray(n, seed + i, -limit, limit)
        : p.kind === 'moving_variance' || p.kind === 'gamma'
          ? randomArray(n, seed + i, 0.5, 1.5)
          : randomArray(n, seed + i, -0.1, 0.1);
    host.set(p.name, values);
  });
  return { specs, host };
}

export function uploadWeights(specs: ParameterSpec[], host: HostWeights): Map<string, Tensor> {
  return new Map(specs.map((p) => [p.name, tensor(host.get(p.name) as Float32Array, p.shape)]));
}

export function modelWithRandomWeights(definition: ModelDefinition, seed: number): { model: Model; specs: ParameterSpec[]; host: HostWeights } {
  const { specs, host } = randomWeights(definition.graph, seed);
  return { model: new Model(definition, uploadWeights(specs, host)), specs, host };
}

export const TINY_LABELS = ['cat', 'dog', 'car', 'tree'];
export const TINY_SIZE = { height: 9, width: 11 };

/**
 * x[9×11×3] → c1 (3×3, stride 2, same) → r1 (ReLU) → c2 (3×3, same) → r2 (ReLU) → s = r1 + r2
 * → c3 (1×1, fused ReLU) → gap → logits (4 classes). r1 is the skip, c2/r2 the residual branch.
 */
export function tinyGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', TINY_SIZE.height, TINY_SIZE.width, 3);
  const c1 = g.conv2d('c1', x, 6, 3, { strides: 2, padding: 'same' });
  const r1 = g.relu('r1', c1);
  const r2 = g.inRole('residual-branch', () => g.relu('r2', g.conv2d('c2', r1, 6, 3, { padding: 'same' })));
  const s = g.add('s', r1, r2);
  const c3 = g.conv2d('c3', s, 7, 1, { activation: 'relu' });
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', c3), 4);
  return g.build();
}

export function tinyDefinition(graph: Graph = tinyGraph()): ModelDefinition {
  return defineModel({ name: 'tiny', graph, preprocessing: 'tf', labels: TINY_LABELS, defaultTarget: 'c3', source: 'test fixture' });
}

/** Replaces one class's dense column (and bias) of the tiny model. */
export function withLogitColumn(host: HostWeights, cls: number, column: (k: number) => number, bias = 0): HostWeights {
  const out = new Map(host);
  const kernel = Float32Array.from(host.get('logits/kernel') as Float32Array);
  const classes = TINY_LABELS.length;
  for (let k = 0; k < kernel.length / classes; k++) kernel[k * classes + cls] = column(k);
  const b = Float32Array.from(host.get('logits/bias') as Float32Array);
  b[cls] = bias;
  out.set('logits/kernel', kernel);
  out.set('logits/bias', b);
  return out;
}

export type Relu = (x: TfTensor) => TfTensor;

/** The tiny net in tfjs-core ops, split at its nodes so gradients can be taken at any of them. */
export class TinyReference {
  constructor(
    private readonly tf: Tf,
    private readonly specs: ParameterSpec[],
    private readonly host: HostWeights,
  ) {}

  private p(name: string): TfTensor {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`no parameter ${name}`);
    return this.tf.tensor(this.host.get(name) as Float32Array, [...spec.shape]);
  }

  private conv(x: TfTensor, name: string, stride: number): TfTensor {
    const tf = this.tf;
    return tf.add(tf.conv2d(x as Tensor4D, this.p(`${name}/kernel`) as Tensor4D, stride, 'same'), this.p(`${name}/bias`));
  }

  /** x → s (the Add). */
  toS(x: TfTensor, relu: Relu = this.tf.relu): TfTensor {
    const r1 = relu(this.conv(x, 'c1', 2));
    const r2 = relu(this.conv(r1, 'c2', 1));
    return this.tf.add(r1, r2);
  }

  /** s → c3 (after its ReLU). */
  sToC3(s: TfTensor, relu: Relu = this.tf.relu): TfTensor {
    return relu(this.conv(s, 'c3', 1));
  }

  /** c3 → logits. */
  c3ToLogits(c3: TfTensor): TfTensor {
    const tf = this.tf;
    return tf.add(tf.matMul(tf.mean(c3, [1, 2]), this.p('logits/kernel')), this.p('logits/bias'));
  }

  logits(x: TfTensor, relu: Relu = this.tf.relu): TfTensor {
    return this.c3ToLogits(this.sToC3(this.toS(x, relu), relu));
  }
}

/** Builds the tiny model on the GPU and its tfjs twin from the same host weights. */
export function tinyPair(tf: Tf, host: HostWeights, specs: ParameterSpec[]): { model: Model; reference: TinyReference } {
  return { model: new Model(tinyDefinition(), uploadWeights(specs, host)), reference: new TinyReference(tf, specs, host) };
}
