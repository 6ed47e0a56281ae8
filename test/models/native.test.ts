// The native definitions against Keras: node names and order, output shapes, parameter totals
// (the numbers Keras' model.summary() prints for include_top=True, 1000 classes), roles and the
// automatic target. InceptionV3's body is also compared layer by layer with the Keras 2.2.4
// topology shipped in the nsfwjs package (an independent Keras export of the same architecture).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { resnet50v2, resnet50v2Graph } from '../../src/models/resnet50v2.js';
import { vgg16, vgg16Graph } from '../../src/models/vgg16.js';
import { inceptionv3, inceptionv3Graph, nsfwjsInceptionv3Graph } from '../../src/models/inceptionv3.js';
import { inferShapes, parameterSpecs, totalParameters } from '../../src/models/shapes.js';
import { automaticTarget, inferRoles } from '../../src/models/roles.js';
import { validateWeightShapes } from '../../src/models/parameters.js';
import { summarize, formatSummary, totalOf } from '../../src/models/summary.js';
import { IMAGENET_LABELS } from '../../src/models/labels/index.js';
import type { Graph, GraphNode } from '../../src/models/graph.js';

const names = (g: Graph) => g.nodes.map((n) => n.name);
const perSample = (g: Graph, name: string) => inferShapes(g).get(name)?.slice(1);
const isBefore = (g: Graph, a: string, b: string) => names(g).indexOf(a) >= 0 && names(g).indexOf(a) < names(g).indexOf(b);

describe('ResNet50V2 (keras.applications)', () => {
  const g = resnet50v2Graph();

  it('has the Keras node names in construction order', () => {
    expect(names(g).slice(0, 12)).toEqual([
      'input_1',
      'conv1_pad',
      'conv1_conv',
      'pool1_pad',
      'pool1_pool',
      'conv2_block1_preact_bn',
      'conv2_block1_preact_relu',
      'conv2_block1_0_conv',
      'conv2_block1_1_conv',
      'conv2_block1_1_bn',
      'conv2_block1_1_relu',
      'conv2_block1_2_pad',
    ]);
    expect(names(g).slice(-4)).toEqual(['post_bn', 'post_relu', 'avg_pool', 'predictions']);
    for (const [stage, blocks] of [
      [2, 3],
      [3, 4],
      [4, 6],
      [5, 3],
    ]) {
      for (let b = 1; b <= blocks; b++) expect(names(g)).toContain(`conv${stage}_block${b}_out`);
      expect(names(g)).not.toContain(`conv${stage}_block${blocks + 1}_out`);
    }
    // The stride-2 shortcut is a 1×1 max pool in the LAST block of stages 2–4 only.
    expect(g.nodes.filter((n) => n.name.startsWith('max_pooling2d')).map((n) => [n.name, n.inputs[0]])).toEqual([
      ['max_pooling2d', 'conv2_block2_out'],
      ['max_pooling2d_1', 'conv3_block3_out'],
      ['max_pooling2d_2', 'conv4_block5_out'],
    ]);
    expect(isBefore(g, 'conv2_block3_preact_relu', 'max_pooling2d')).toBe(true);
  });

  it('wires block2 as Keras: conv shortcut from the pre-activation, identity shortcut from the raw input', () => {
    const node = (n: string) => g.nodes.find((x) => x.name === n) as GraphNode;
    expect(node('conv2_block1_0_conv').inputs).toEqual(['conv2_block1_preact_relu']);
    expect(node('conv2_block1_1_conv').inputs).toEqual(['conv2_block1_preact_relu']);
    expect(node('conv2_block1_out').inputs).toEqual(['conv2_block1_0_conv', 'conv2_block1_3_conv']);
    expect(node('conv2_block2_out').inputs).toEqual(['conv2_block1_out', 'conv2_block2_3_conv']);
    expect(node('conv2_block3_out').inputs).toEqual(['max_pooling2d', 'conv2_block3_3_conv']);
    expect(node('conv2_block3_2_conv').attrs).toMatchObject({ strides: [2, 2], padding: 'valid', useBias: false });
    expect(node('conv2_block3_2_pad').attrs).toEqual({ padding: { top: 1, bottom: 1, left: 1, right: 1 } });
    expect(node('conv1_conv').attrs).toMatchObject({ kernel: [7, 7], strides: [2, 2], padding: 'valid', useBias: true });
    expect(node('conv1_pad').attrs).toEqual({ padding: { top: 3, bottom: 3, left: 3, right: 3 } });
    expect(node('pool1_pool').attrs).toMatchObject({ kernel: [3, 3], strides: [2, 2], padding: 'valid' });
    expect(node('conv2_block1_0_conv').attrs).toMatchObject({ useBias: true });
    expect(node('conv2_block1_3_conv').attrs).toMatchObject({ useBias: true });
    expect(node('conv2_block1_1_conv').attrs).toMatchObject({ useBias: false });
    expect(node('conv4_block2_preact_bn').attrs).toEqual({ epsilon: 1.001e-5, center: true, scale: true });
    expect(node('predictions').attrs).toEqual({ units: 1000, useBias: true });
  });

  it('infers Keras output shapes at 224×224 (stride in the last block of a stage)', () => {
    expect(perSample(g, 'conv1_conv')).toEqual([112, 112, 64]);
    expect(perSample(g, 'pool1_pool')).toEqual([56, 56, 64]);
    expect(perSample(g, 'conv2_block2_out')).toEqual([56, 56, 256]);
    expect(perSample(g, 'conv2_block3_out')).toEqual([28, 28, 256]);
    expect(perSample(g, 'conv3_block4_out')).toEqual([14, 14, 512]);
    expect(perSample(g, 'conv4_block5_out')).toEqual([14, 14, 1024]);
    expect(perSample(g, 'conv4_block6_out')).toEqual([7, 7, 1024]);
    expect(perSample(g, 'conv5_block3_out')).toEqual([7, 7, 2048]);
    expect(perSample(g, 'post_relu')).toEqual([7, 7, 2048]);
    expect(perSample(g, 'avg_pool')).toEqual([2048]);
    expect(perSample(g, 'predictions')).toEqual([1000]);
  });

  it('has 25,613,800 parameters, as Keras reports', () => {
    expect(totalParameters(g)).toBe(25_613_800);
  });

  it('roles: structural inference agrees with the definition; post_relu is the automatic target', () => {
    const roles = inferRoles(g);
    for (const n of g.nodes) expect([n.name, roles.get(n.name)]).toEqual([n.name, n.role]);
    const role = (n: string) => g.nodes.find((x) => x.name === n)?.role;
    expect(role('conv3_block2_out')).toBe('feature-map');
    expect(role('conv3_block2_2_conv')).toBe('residual-branch');
    expect(role('conv3_block2_preact_bn')).toBe('residual-branch');
    expect(role('conv3_block1_preact_relu')).toBe('feature-map');
    expect(role('conv3_block1_0_conv')).toBe('skip');
    expect(role('max_pooling2d_1')).toBe('skip');
    expect(role('avg_pool')).toBeUndefined();
    expect(automaticTarget(g).node).toBe('post_relu');
    expect(resnet50v2().defaultTarget).toBe('post_relu');
  });
});

describe('VGG16 (keras.applications)', () => {
  const g = vgg16Graph();

  it('has the Keras node names in order, ReLU fused into the conv and fc layers', () => {
    expect(names(g)).toEqual([
      'input_1',
      'block1_conv1',
      'block1_conv2',
      'block1_pool',
      'block2_conv1',
      'block2_conv2',
      'block2_pool',
      'block3_conv1',
      'block3_conv2',
      'block3_conv3',
      'block3_pool',
      'block4_conv1',
      'block4_conv2',
      'block4_conv3',
      'block4_pool',
      'block5_conv1',
      'block5_conv2',
      'block5_conv3',
      'block5_pool',
      'flatten',
      'fc1',
      'fc2',
      'predictions',
    ]);
    const conv = g.nodes.find((n) => n.name === 'block5_conv3');
    expect(conv?.attrs).toMatchObject({ filters: 512, kernel: [3, 3], padding: 'same', useBias: true, activation: 'relu' });
    expect(g.nodes.find((n) => n.name === 'fc2')?.attrs).toEqual({ units: 4096, useBias: true, activation: 'relu' });
    expect(g.nodes.find((n) => n.name === 'predictions')?.attrs).toEqual({ units: 1000, useBias: true });
  });

  it('infers Keras output shapes and has 138,357,544 parameters', () => {
    expect(perSample(g, 'block1_conv2')).toEqual([224, 224, 64]);
    expect(perSample(g, 'block5_conv3')).toEqual([14, 14, 512]);
    expect(perSample(g, 'block5_pool')).toEqual([7, 7, 512]);
    expect(perSample(g, 'flatten')).toEqual([25088]);
    expect(totalParameters(g)).toBe(138_357_544);
  });

  it('automatic target is block5_conv3 (post-ReLU), not the pool after it', () => {
    const t = automaticTarget(g);
    expect(t.node).toBe('block5_conv3');
    expect(t.reason).toContain('block5_pool');
    expect(vgg16().defaultTarget).toBe('block5_conv3');
    expect(vgg16().preprocessing).toBe('caffe');
  });
});

describe('InceptionV3 (keras.applications, Keras 2.2 names)', () => {
  const g = inceptionv3Graph();

  it('has conv2d_1…94, batch_normalization_1…94, activation_1…94 and mixed0…mixed10', () => {
    const all = new Set(names(g));
    for (let i = 1; i <= 94; i++) for (const p of ['conv2d_', 'batch_normalization_', 'activation_']) expect(all.has(`${p}${i}`)).toBe(true);
    expect(all.has('conv2d_95')).toBe(false);
    for (let i = 0; i <= 10; i++) expect(all.has(`mixed${i}`)).toBe(true);
    for (const n of ['mixed9_0', 'mixed9_1', 'concatenate_1', 'concatenate_2', 'avg_pool', 'predictions']) expect(all.has(n)).toBe(true);
    expect(names(g).slice(-3)).toEqual(['mixed10', 'avg_pool', 'predictions']);
    expect(g.nodes.find((n) => n.name === 'batch_normalization_7')?.attrs).toEqual({ epsilon: 1e-3, center: true, scale: false });
    expect(g.nodes.find((n) => n.name === 'conv2d_7')?.attrs).toMatchObject({ useBias: false });
    expect(g.nodes.find((n) => n.name === 'average_pooling2d_1')?.attrs).toEqual({ kernel: [3, 3], strides: [1, 1], padding: 'same', countIncludePad: false });
  });

  it('infers Keras output shapes at 299×299 and has 23,851,784 parameters', () => {
    expect(perSample(g, 'activation_5')).toEqual([71, 71, 192]);
    expect(perSample(g, 'mixed0')).toEqual([35, 35, 256]);
    expect(perSample(g, 'mixed2')).toEqual([35, 35, 288]);
    expect(perSample(g, 'mixed3')).toEqual([17, 17, 768]);
    expect(perSample(g, 'mixed7')).toEqual([17, 17, 768]);
    expect(perSample(g, 'mixed8')).toEqual([8, 8, 1280]);
    expect(perSample(g, 'mixed9_0')).toEqual([8, 8, 768]);
    expect(perSample(g, 'mixed10')).toEqual([8, 8, 2048]);
    expect(perSample(g, 'conv2d_94')).toEqual([8, 8, 192]);
    expect(totalParameters(g)).toBe(23_851_784);
  });

  it('roles: module internals are branches, mixedN are feature maps; mixed10 is the automatic target', () => {
    const roles = inferRoles(g);
    for (const n of g.nodes) expect([n.name, roles.get(n.name)]).toEqual([n.name, n.role]);
    const role = (n: string) => g.nodes.find((x) => x.name === n)?.role;
    expect(role('mixed9')).toBe('feature-map');
    expect(role('mixed9_0')).toBe('branch');
    expect(role('average_pooling2d_9')).toBe('branch');
    expect(role('activation_94')).toBe('branch');
    expect(role('activation_5')).toBe('feature-map');
    expect(automaticTarget(g).node).toBe('mixed10');
    expect(inceptionv3().defaultTarget).toBe('mixed10');
    expect(inceptionv3().inputSize).toEqual({ height: 299, width: 299 });
  });
});

describe('InceptionV3 against the Keras 2.2.4 topology in the nsfwjs package', () => {
  interface KerasLayer {
    name: string;
    class_name: string;
    config: Record<string, unknown>;
    inbound_nodes: [string, number, number, unknown][][];
  }
  const require = createRequire(import.meta.url);
  const file = require(new URL('../../node_modules/nsfwjs/dist/models/inception_v3/model.min.js', import.meta.url).pathname) as {
    modelTopology: { model_config: { config: { layers: KerasLayer[] } } };
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const layers = file.modelTopology.model_config.config.layers;
  const g = nsfwjsInceptionv3Graph();
  const byName = new Map(g.nodes.map((n) => [n.name, n]));

  it('every Keras layer is a node with the same inputs, op and attributes', () => {
    expect(g.nodes.length).toBe(layers.length);
    const OPS: Record<string, string> = {
      InputLayer: 'input',
      Conv2D: 'conv2d',
      BatchNormalization: 'batchnorm',
      Activation: 'relu',
      MaxPooling2D: 'maxpool',
      AveragePooling2D: 'avgpool',
      Concatenate: 'concat',
      Flatten: 'flatten',
      Dense: 'dense',
      Dropout: 'identity',
    };
    for (const layer of layers) {
      const node = byName.get(layer.name);
      expect(node, layer.name).toBeDefined();
      if (!node) continue;
      expect([layer.name, node.op]).toEqual([layer.name, OPS[layer.class_name]]);
      expect([layer.name, node.inputs]).toEqual([layer.name, (layer.inbound_nodes[0] ?? []).map((x) => x[0])]);
      const c = layer.config;
      const a = node.attrs as Record<string, unknown>;
      const activation = c.activation === 'linear' || c.activation === 'softmax' ? undefined : c.activation;
      if (node.op === 'conv2d') {
        expect([layer.name, a.filters, a.kernel, a.strides, a.padding, a.useBias, a.activation, a.dilations]).toEqual([
          layer.name,
          c.filters,
          c.kernel_size,
          c.strides,
          c.padding,
          c.use_bias,
          activation,
          c.dilation_rate,
        ]);
      } else if (node.op === 'batchnorm') {
        expect([layer.name, a.epsilon, a.center, a.scale]).toEqual([layer.name, c.epsilon, c.center, c.scale]);
      } else if (node.op === 'maxpool' || node.op === 'avgpool') {
        expect([layer.name, a.kernel, a.strides, a.padding]).toEqual([layer.name, c.pool_size, c.strides, c.padding]);
      } else if (node.op === 'dense') {
        expect([layer.name, a.units, a.useBias, a.activation]).toEqual([layer.name, c.units, c.use_bias, activation]);
      } else if (node.op === 'relu') {
        expect([layer.name, c.activation]).toEqual([layer.name, 'relu']);
      } else if (node.op === 'concat') {
        expect([layer.name, c.axis === 3 || c.axis === -1]).toEqual([layer.name, true]);
      }
    }
  });

  it("its weight manifest (382 tensors, 22,360,869 values) fits the graph's parameter names and shapes", () => {
    const given = new Map(file.weightsManifest.flatMap((group) => group.weights.map((w) => [w.name, w.shape] as const)));
    expect(given.size).toBe(382);
    expect(() => validateWeightShapes(g, given, 'nsfwjs InceptionV3')).not.toThrow();
    expect(parameterSpecs(g).length).toBe(382);
    expect(totalParameters(g)).toBe(22_360_869);
    expect(automaticTarget(g).node).toBe('mixed10');
  });
});

describe('summary', () => {
  it('lists every node with op, shape, parameters and role; totals match', () => {
    const rows = summarize(resnet50v2Graph());
    expect(rows.length).toBe(resnet50v2Graph().nodes.length);
    expect(rows.find((r) => r.node === 'conv1_conv')).toEqual({
      node: 'conv1_conv',
      op: 'conv2d',
      outputShape: [112, 112, 64],
      params: 7 * 7 * 3 * 64 + 64,
      role: 'feature-map',
    });
    expect(rows.find((r) => r.node === 'post_bn')?.params).toBe(4 * 2048);
    expect(rows.find((r) => r.node === 'predictions')).toEqual({ node: 'predictions', op: 'dense', outputShape: [1000], params: 2048 * 1000 + 1000 });
    expect(totalOf(rows)).toBe(25_613_800);
    const vggRows = summarize(vgg16Graph());
    expect(vggRows.find((r) => r.node === 'block5_conv3')?.activation).toBe('relu');
    const text = formatSummary(vggRows);
    expect(text).toContain('total parameters: 138,357,544');
    expect(text.split('\n').some((l) => /^block5_conv3\s+conv2d\+relu\s+14×14×512\s+2,359,808\s+feature-map$/.test(l))).toBe(true);
  });

  it('summarises at another input size', () => {
    const rows = summarize(resnet50v2Graph(), { height: 160, width: 96 });
    expect(rows.find((r) => r.node === 'post_relu')?.outputShape).toEqual([5, 3, 2048]);
  });
});

describe('ImageNet labels', () => {
  it('has 1000 names in index order (spot checks of well-known indices)', () => {
    expect(IMAGENET_LABELS.length).toBe(1000);
    expect(IMAGENET_LABELS[0]).toBe('tench, Tinca tinca');
    expect(IMAGENET_LABELS[281]).toBe('tabby, tabby cat');
    expect(IMAGENET_LABELS[999]).toBe('toilet tissue, toilet paper, bathroom tissue');
    expect(resnet50v2().labels).toBe(IMAGENET_LABELS);
  });
});
