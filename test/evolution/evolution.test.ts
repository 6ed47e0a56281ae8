// Evolution maps: which nodes each selection picks (the native definitions, without weights), and
// the maps at all of them from one forward and one backward on the tiny residual fixture of
// test/gradflow. References: tfjs-core on the CPU backend — forward activations, tf.grad of the logit
// with respect to each node's tensor, and the CAM formulas in tfjs ops (test/gradcam/reference.ts).
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ShapeError, Tape, tensor, type Tensor } from '../../src/tensor/index.js';
import { nativeModel } from '../../src/models/index.js';
import { Model } from '../../src/models/model.js';
import { UnknownNodeError } from '../../src/models/targets.js';
import { evolution } from '../../src/analyses/evolution.js';
import { evolutionNodes } from '../../src/analyses/evolution-nodes.js';
import { randomWeights, uploadWeights, type HostWeights } from '../methods/fixtures.js';
import { referenceCam } from '../methods/reference.js';
import { flowDefinition, flowGraph } from '../gradflow/fixture.js';
import { TfGraph } from '../gradflow/tf-graph.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';

const targets = (name: string, selection: Parameters<typeof evolutionNodes>[1] = 'blocks') => evolutionNodes(nativeModel(name), selection).map((n) => n.target);

describe('which nodes', () => {
  it('resnet50v2 blocks: every convN_blockM_out, then post_relu', () => {
    const stages = [3, 4, 6, 3];
    const expected = stages.flatMap((count, s) => Array.from({ length: count }, (_, m) => `conv${s + 2}_block${m + 1}_out`));
    expect(targets('resnet50v2')).toEqual([...expected, 'post_relu']);
    expect(targets('resnet50v2', 'adds')).toEqual(expected);
  });

  it('inceptionv3 blocks: mixed0 … mixed10', () => {
    expect(targets('inceptionv3')).toEqual(Array.from({ length: 11 }, (_, i) => `mixed${i}`));
  });

  it('vgg16 blocks: the last conv of each block', () => {
    expect(targets('vgg16')).toEqual(['block1_conv2', 'block2_conv2', 'block3_conv3', 'block4_conv3', 'block5_conv3']);
    expect(() => targets('vgg16', 'adds')).toThrow(/no residual Add/);
  });

  it("'all' is every feature-map node; an imported graph's blocks are every feature-map node", () => {
    const all = evolutionNodes(nativeModel('resnet50v2'), 'all');
    expect(all.every((n) => n.role === 'feature-map')).toBe(true);
    expect(all.map((n) => n.target)).toContain('conv1_conv');
    expect(all.map((n) => n.target)).not.toContain('conv2_block2_1_conv');
    // flow-fixture is not a native name: an imported graph.
    const imported = evolutionNodes(flowDefinition(), 'blocks').map((n) => n.target);
    expect(imported).toEqual(evolutionNodes(flowDefinition(), 'all').map((n) => n.target));
    expect(imported).toEqual(['stem', 'a_preact_bn', 'a_preact_relu', 'a_out', 'b_out', 'c_out', 'd_add', 'd_relu', 'e_out', 'post_bn', 'post_relu']);
  });

  it('a list is put in network order with shapes and roles; unknown names and non-4-D nodes are refused', () => {
    const nodes = evolutionNodes(nativeModel('resnet50v2'), ['post_relu', 'conv2_block1_out', 'conv3_block1_2_conv']);
    expect(nodes.map((n) => [n.target, n.shape, n.role])).toEqual([
      ['conv2_block1_out', [1, 56, 56, 256], 'feature-map'],
      ['conv3_block1_2_conv', [1, 28, 28, 128], 'residual-branch'],
      ['post_relu', [1, 7, 7, 2048], 'feature-map'],
    ]);
    expect(() => evolutionNodes(nativeModel('resnet50v2'), ['conv2_block1_outt'])).toThrow(UnknownNodeError);
    expect(() => evolutionNodes(nativeModel('resnet50v2'), ['avg_pool'])).toThrow(ShapeError);
  });
});

describe('maps at every node from one pass', () => {
  let tf: Tf;
  let host: HostWeights;
  let model: Model;
  let input: Tensor;
  const inputData = randomArray(9 * 11 * 3, 77, -1, 1);
  const nodes = () => evolutionNodes(flowDefinition(), 'all');

  beforeAll(async () => {
    tf = await tfjs();
    const w = randomWeights(flowGraph(), 900);
    host = w.host;
    model = new Model(flowDefinition(), uploadWeights(w.specs, host));
    input = tensor(inputData, [1, 9, 11, 3]);
  });

  afterAll(() => {
    input.dispose();
    model.dispose();
    vi.restoreAllMocks();
  });

  it('gradcam and layercam at all 11 nodes equal tf.grad + the formula at each node (1e-3 rel), from ONE forward and ONE backward', async () => {
    const runs = vi.spyOn(model, 'run');
    const backwards = vi.spyOn(Tape.prototype, 'backward');
    const graph = new TfGraph(tf, flowGraph(), host);
    for (const method of ['gradcam', 'layercam'] as const) {
      runs.mockClear();
      backwards.mockClear();
      const r = await evolution(model, input, { method, nodes: nodes(), classIndex: 1 });
      expect(runs).toHaveBeenCalledTimes(1);
      expect(backwards).toHaveBeenCalledTimes(1);
      expect(r.maps).toHaveLength(11);
      expect([r.forwards, r.backwards]).toEqual([1, 1]);
      tf.tidy(() => {
        const env = graph.forward(tf.tensor(inputData, [1, 9, 11, 3]));
        for (const m of r.maps) {
          const a = env.get(m.tensorOf) as TfTensor;
          const g = tf.grad(graph.logitFrom(m.tensorOf, env, 1))(a);
          const expected = referenceCam(tf, method, a, g);
          expectClose(m.map.data, expected, 1e-3, 1e-4 * maxAbs(expected), `${method} at ${m.target}`);
          expect(m.max).toBe(Math.max(...m.map.data));
        }
      });
    }
  });

  it('activation: the channel mean of the forward activations (tfjs forward, 1e-4 rel), signed, one forward and no backward', async () => {
    const backwards = vi.spyOn(Tape.prototype, 'backward');
    backwards.mockClear();
    const r = await evolution(model, input, { method: 'activation', nodes: nodes() });
    expect(backwards).not.toHaveBeenCalled();
    expect([r.forwards, r.backwards]).toEqual([1, 0]);
    const graph = new TfGraph(tf, flowGraph(), host);
    tf.tidy(() => {
      const env = graph.forward(tf.tensor(inputData, [1, 9, 11, 3]));
      for (const m of r.maps) {
        const expected = tf.mean(env.get(m.tensorOf) as TfTensor, -1).dataSync() as Float32Array;
        expectClose(m.map.data, expected, 1e-4, 1e-5 * maxAbs(expected), `activation at ${m.target}`);
      }
      expect(r.classIndex).toBe(graph.logitsOf(env).argMax(-1).dataSync()[0]);
    });
    // Pre-activation ResNet block outputs are sums without a ReLU: the mean can be negative somewhere.
    expect(r.maps.some((m) => m.min < 0)).toBe(true);
  });
});
