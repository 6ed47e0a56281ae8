// Gradient flow through residual blocks on the tiny fixture (test/gradflow/fixture.ts), which has a
// conv shortcut on a shared pre-activation, identity shortcuts, a max-pool shortcut and a ResNet v1
// block. References: tf.grads (tfjs-core, CPU backend) of the logit with respect to two separate
// copies of the block input, one feeding the shortcut and one the branch (test/gradflow/tf-graph.ts);
// and, for the exactness checks, the total ∂logit/∂x of our own full backward, which the split
// never reads (it re-runs each block on its own tape).
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStats, ShapeError, tensor, type Tensor } from '../../src/tensor/index.js';
import { Model } from '../../src/models/model.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { resnet50v2Graph, vgg16Graph, inceptionv3Graph } from '../../src/models/index.js';
import { residualBlocks } from '../../src/analyses/gradflow-blocks.js';
import { flowPass, type FlowPass } from '../../src/analyses/gradflow-pass.js';
import { gradientFlow, NoResidualBlocksError } from '../../src/analyses/gradflow.js';
import { referenceCam } from '../methods/reference.js';
import { randomWeights, uploadWeights, type HostWeights } from '../methods/fixtures.js';
import { GraphBuilder } from '../../src/models/builder.js';
import { defineModel } from '../../src/models/definition.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';
import { flowDefinition, flowGraph } from './fixture.js';
import { TfGraph } from './tf-graph.js';

const INPUT_SHAPE = [1, 9, 11, 3];
const inputData = randomArray(9 * 11 * 3, 41, -1, 1);

function makeModel(host: HostWeights): Model {
  const specs = parameterSpecs(flowGraph());
  return new Model(flowDefinition(), uploadWeights(specs, host));
}

describe('residual blocks found from the structure', () => {
  it('the fixture: conv shortcut on a shared pre-activation, identity, max-pool, ResNet v1 block, identity after a ReLU', () => {
    const blocks = residualBlocks(flowGraph());
    expect(blocks.map((b) => [b.add, b.blockInput, b.skipSource, b.branchSource, b.branchLastConv])).toEqual([
      ['a_out', 'stem', 'a_0_conv', 'a_2_conv', 'a_2_conv'],
      ['b_out', 'a_out', 'a_out', 'b_2_conv', 'b_2_conv'],
      ['c_out', 'b_out', 'c_pool', 'c_2_conv', 'c_2_conv'],
      ['d_add', 'c_out', 'c_out', 'd_bn', 'd_conv'],
      ['e_out', 'd_relu', 'd_relu', 'e_2_conv', 'e_2_conv'],
    ]);
    const [a, b, c] = blocks;
    expect(a.skipPath).toEqual(['a_preact_bn', 'a_preact_relu', 'a_0_conv']);
    expect(a.branchPath).toEqual(['a_preact_bn', 'a_preact_relu', 'a_1_conv', 'a_1_bn', 'a_1_relu', 'a_2_pad', 'a_2_conv']);
    expect(a.shortcut).toBe('conv2d on the pre-activation both paths share (batchnorm → relu)');
    expect(b.skipPath).toEqual([]);
    expect(b.shortcut).toBe('identity');
    expect(c.skipPath).toEqual(['c_pool']);
    expect(c.shortcut).toBe('maxpool');
    expect(blocks.every((x) => x.outsideConsumers.length === 0)).toBe(true);
    expect(a.skipInput).toBe(0);
  });

  it('ResNet50V2: 16 blocks, each entered by the previous block output; conv / identity / max-pool shortcuts where Keras puts them', () => {
    const blocks = residualBlocks(resnet50v2Graph());
    expect(blocks).toHaveLength(16);
    const stages = [3, 4, 6, 3];
    let previous = 'pool1_pool';
    let i = 0;
    stages.forEach((count, s) => {
      for (let m = 1; m <= count; m++, i++) {
        const b = blocks[i];
        const name = `conv${s + 2}_block${m}`;
        expect(b.add).toBe(`${name}_out`);
        expect(b.blockInput).toBe(previous);
        expect(b.branchLastConv).toBe(`${name}_3_conv`);
        const kind = m === 1 ? 'conv' : m === count && s < 3 ? 'pool' : 'identity';
        if (kind === 'conv') expect(b.skipSource).toBe(`${name}_0_conv`);
        else if (kind === 'pool') expect(b.shortcut).toBe('maxpool');
        else expect(b.skipSource).toBe(previous);
        previous = b.add;
      }
    });
  });

  it('VGG16 and InceptionV3 have none', () => {
    expect(residualBlocks(vgg16Graph())).toEqual([]);
    expect(residualBlocks(inceptionv3Graph())).toEqual([]);
  });
});

describe('gradient at each block input, split into shortcut and branch parts', () => {
  let tf: Tf;
  let host: HostWeights;
  let model: Model;
  let input: Tensor;

  beforeAll(async () => {
    tf = await tfjs();
    host = randomWeights(flowGraph(), 500).host;
    model = makeModel(host);
    input = tensor(inputData, INPUT_SHAPE);
  });

  afterAll(() => {
    input.dispose();
    model.dispose();
  });

  /** tf.grads of the logit w.r.t. the shortcut's and the branch's copy of each block input. */
  function referenceParts(weights: HostWeights, cls: number, skipScale: number): { skip: Float32Array; branch: Float32Array; logits: Float32Array }[] {
    const blocks = residualBlocks(flowGraph());
    const scales = skipScale === 1 ? undefined : new Map(blocks.map((b) => [b.add, { input: b.skipInput, scale: skipScale }]));
    const graph = new TfGraph(tf, flowGraph(), weights, { scales });
    return blocks.map((block) =>
      tf.tidy(() => {
        const before = graph.forward(tf.tensor(inputData, INPUT_SHAPE));
        const x = before.get(block.blockInput) as TfTensor;
        // Two distinct tensors: tf.grads keys gradients by tensor, so one tensor passed twice would get the total twice.
        const [skip, branch] = tf.grads(graph.splitLogit(block, before, cls))([tf.clone(x), tf.clone(x)]);
        return { skip: skip.dataSync() as Float32Array, branch: branch.dataSync() as Float32Array, logits: graph.logitsOf(before).dataSync() as Float32Array };
      }),
    );
  }

  function checkAgainstReference(pass: FlowPass, weights: HostWeights): void {
    const reference = referenceParts(weights, pass.classIndex, pass.skipScale);
    expectClose(pass.logits, reference[0].logits, 1e-4, 1e-5 * maxAbs(reference[0].logits), 'logits');
    pass.blocks.forEach((g, i) => {
      const { skip, branch } = reference[i];
      const scale = Math.max(maxAbs(skip), maxAbs(branch));
      expectClose(g.skip, skip, 1e-3, 1e-4 * scale, `${g.block.add}: shortcut part`);
      expectClose(g.branch, branch, 1e-3, 1e-4 * scale, `${g.block.add}: branch part`);
    });
  }

  function checkExact(pass: FlowPass): void {
    for (const g of pass.blocks) {
      const sum = g.total.map((_, i) => g.skip[i] + g.branch[i]);
      // Same kernels on the same data, only the order of one float32 addition can differ.
      expectClose(sum, g.total, 0, 1e-6 * maxAbs(g.total), `${g.block.add}: shortcut + branch vs the full backward's total`);
      expect(maxAbs(g.total), `${g.block.add}: a non-trivial gradient`).toBeGreaterThan(0);
    }
  }

  it('shortcut and branch parts equal tf.grads on two copies of the block input (1e-3 rel), logits 1e-4 rel', async () => {
    const pass = await flowPass(model, input, residualBlocks(flowGraph()), { skipScale: 1 });
    checkAgainstReference(pass, host);
    const other = await flowPass(model, input, residualBlocks(flowGraph()), { skipScale: 1, classIndex: (pass.classIndex + 1) % 3 });
    checkAgainstReference(other, host);
  });

  it('exactness: shortcut part + branch part = the full backward’s block-input gradient (1e-6 of its max), every block, class and scale', async () => {
    const blocks = residualBlocks(flowGraph());
    for (const skipScale of [1, 0.5, 0]) {
      for (const classIndex of [0, 2]) checkExact(await flowPass(model, input, blocks, { skipScale, classIndex }));
    }
  });

  it(
    'with the shortcuts scaled by 0.5 the logits and both parts still equal tfjs with scaled shortcuts ' + '(1e-3 rel); at 0 the shortcut part is exactly 0',
    async () => {
      const blocks = residualBlocks(flowGraph());
      checkAgainstReference(await flowPass(model, input, blocks, { skipScale: 0.5 }), host);
      const off = await flowPass(model, input, blocks, { skipScale: 0 });
      for (const g of off.blocks) expect(maxAbs(g.skip), g.block.add).toBe(0);
      checkAgainstReference(off, host);
    },
  );

  it('a block whose branch weights are zero: the branch part is exactly 0, its share 0, the total is the shortcut part', async () => {
    const zeroed = new Map(host);
    zeroed.set('b_2_conv/kernel', new Float32Array((host.get('b_2_conv/kernel') as Float32Array).length));
    zeroed.set('b_2_conv/bias', new Float32Array((host.get('b_2_conv/bias') as Float32Array).length));
    const m = makeModel(zeroed);
    try {
      const r = await gradientFlow(m, input);
      const b = r.blocks.find((x) => x.block.add === 'b_out');
      expect(b?.baseline.branchNorm).toBe(0);
      expect(b?.baseline.branchShare).toBe(0);
      expect(b?.baseline.ratio).toBeNull();
      expect(b?.baseline.cosine).toBeNull();
      expect(b?.baseline.skipNorm).toBeGreaterThan(0);
      expect(b?.baseline.closure).toBeLessThan(1e-6);
      for (const other of r.blocks.filter((x) => x.block.add !== 'b_out')) expect(other.baseline.branchNorm).toBeGreaterThan(0);
      const pass = await flowPass(m, input, residualBlocks(flowGraph()), { skipScale: 1 });
      const g = pass.blocks[1];
      expectClose(g.total, g.skip, 0, 1e-6 * maxAbs(g.total), 'b_out: total vs shortcut part');
    } finally {
      m.dispose();
    }
  });

  it(
    'gradientFlow: norms, ratio, cosine and share from the parts (float64); Grad-CAM at branch conv and ' +
      'post-Add equals tf.grad (1e-3 rel); nothing left allocated',
    async () => {
      await gradientFlow(model, input, { skipScale: 0.25 }); // warm the pool
      const before = memoryStats().liveBytes;
      const r = await gradientFlow(model, input, { skipScale: 0.25 });
      expect(memoryStats().liveBytes).toBe(before);
      expect(r.passes).toBe(2);
      expect(r.skipScale).toBe(0.25);
      expect(r.blocks).toHaveLength(5);
      const pass = await flowPass(model, input, residualBlocks(flowGraph()), { skipScale: 1 });
      r.blocks.forEach((b, i) => {
        const g = pass.blocks[i];
        const n = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        expect(b.baseline.skipNorm).toBeCloseTo(n(g.skip), 6);
        expect(b.baseline.branchNorm).toBeCloseTo(n(g.branch), 6);
        expect(b.baseline.ratio as number).toBeCloseTo(n(g.skip) / n(g.branch), 5);
        const dot = g.skip.reduce((s, x, k) => s + x * g.branch[k], 0);
        expect(b.baseline.cosine as number).toBeCloseTo(dot / (n(g.skip) * n(g.branch)), 5);
        expect(b.baseline.closure).toBeLessThan(1e-5);
        expect(b.scaled?.closure).toBeLessThan(1e-5);
      });
      // Grad-CAM references: tf.grad of the logit w.r.t. each node's tensor, the formula in tfjs ops.
      const graph = new TfGraph(tf, flowGraph(), host);
      tf.tidy(() => {
        const before2 = graph.forward(tf.tensor(inputData, INPUT_SHAPE));
        for (const b of r.blocks) {
          for (const cam of [b.cams.branch, b.cams.post]) {
            const a = before2.get(cam.node) as TfTensor;
            const g = tf.grad(graph.logitFrom(cam.node, before2, r.classIndex))(a);
            const expected = referenceCam(tf, 'gradcam', a, g);
            expectClose(cam.map.data, expected, 1e-3, 1e-4 * maxAbs(expected), `Grad-CAM at ${cam.node}`);
          }
        }
      });
    },
  );

  it('runGraph inputScales: an input index the node does not have, or a pass-through node, is a ShapeError naming them', () => {
    expect(() => model.run(input, {}, { inputScales: [{ node: 'b_out', input: 2, scale: 0.5 }] })).toThrow(ShapeError);
    expect(() => model.run(input, {}, { inputScales: [{ node: 'b_out', input: 2, scale: 0.5 }] })).toThrow(/input 2 of 'b_out' \(add\)/);
    expect(() => model.run(input, {}, { inputScales: [{ node: 'b_out', input: 0, scale: Number.NaN }] })).toThrow(RangeError);
  });

  it('a network without residual Adds is refused with NoResidualBlocksError', async () => {
    const g = new GraphBuilder();
    g.conv2d('c', g.input('x', 9, 11, 3), 4, 3, { activation: 'relu' });
    g.role = undefined;
    g.dense('logits', g.globalAvgPool('gap', 'c'), 2);
    const graph = g.build();
    const definition = defineModel({ name: 'plain', graph, preprocessing: 'tf', labels: ['a', 'b'], defaultTarget: 'c', source: 'test' });
    const { specs, host: weights } = randomWeights(graph, 3);
    const plain = new Model(definition, uploadWeights(specs, weights));
    await expect(gradientFlow(plain, input)).rejects.toBeInstanceOf(NoResidualBlocksError);
    plain.dispose();
  });
});
