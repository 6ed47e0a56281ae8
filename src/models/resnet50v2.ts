// ResNet50V2 exactly as keras.applications.ResNet50V2 builds it (keras/applications/resnet.py:
// ResNet(preact=True, use_bias=True) with stack2/block2). Pre-activation blocks: the shortcut conv
// reads the pre-activated input, the identity shortcut reads the raw input; the stride-2 block is
// the LAST block of stages conv2–conv4, with a 1×1 stride-2 max pool as its shortcut. Keras leaves
// those three pools unnamed; they are named as a fresh tf.keras session names them
// (max_pooling2d, max_pooling2d_1, max_pooling2d_2). BatchNorm epsilon 1.001e-5 everywhere.
import { GraphBuilder, uniformPadding } from './builder.js';
import { defineModel, type ModelDefinition } from './definition.js';
import type { Graph } from './graph.js';
import { IMAGENET_LABELS } from './labels/index.js';

const EPSILON = 1.001e-5;

export function resnet50v2Graph(classes = 1000, size = 224): Graph {
  const g = new GraphBuilder();
  let pools = 0;
  const poolName = () => (pools++ === 0 ? 'max_pooling2d' : `max_pooling2d_${pools - 1}`);

  const block2 = (input: string, filters: number, name: string, stride: number, convShortcut: boolean): string => {
    // In a conv-shortcut block both paths read the pre-activation, which therefore carries the
    // full signal; in the other blocks it already belongs to the residual branch.
    const [preact, shortcut] = g.inRole(convShortcut ? 'feature-map' : 'residual-branch', () => {
      const bn = g.batchNorm(`${name}_preact_bn`, input, EPSILON);
      const p = g.relu(`${name}_preact_relu`, bn);
      const s = g.inRole('skip', () => {
        if (convShortcut) return g.conv2d(`${name}_0_conv`, p, 4 * filters, 1, { strides: stride });
        return stride > 1 ? g.maxPool(poolName(), input, 1, stride) : input;
      });
      return [p, s];
    });
    const residual = g.inRole('residual-branch', () => {
      let x = g.conv2d(`${name}_1_conv`, preact, filters, 1, { useBias: false });
      x = g.batchNorm(`${name}_1_bn`, x, EPSILON);
      x = g.relu(`${name}_1_relu`, x);
      x = g.pad(`${name}_2_pad`, x, uniformPadding(1));
      x = g.conv2d(`${name}_2_conv`, x, filters, 3, { strides: stride, useBias: false });
      x = g.batchNorm(`${name}_2_bn`, x, EPSILON);
      x = g.relu(`${name}_2_relu`, x);
      return g.conv2d(`${name}_3_conv`, x, 4 * filters, 1);
    });
    return g.add(`${name}_out`, shortcut, residual);
  };

  const stack2 = (input: string, filters: number, blocks: number, name: string, stride1 = 2): string => {
    let x = block2(input, filters, `${name}_block1`, 1, true);
    for (let i = 2; i < blocks; i++) x = block2(x, filters, `${name}_block${i}`, 1, false);
    return block2(x, filters, `${name}_block${blocks}`, stride1, false);
  };

  let x = g.input('input_1', size, size, 3);
  x = g.pad('conv1_pad', x, uniformPadding(3));
  x = g.conv2d('conv1_conv', x, 64, 7, { strides: 2 });
  x = g.pad('pool1_pad', x, uniformPadding(1));
  x = g.maxPool('pool1_pool', x, 3, 2);
  x = stack2(x, 64, 3, 'conv2');
  x = stack2(x, 128, 4, 'conv3');
  x = stack2(x, 256, 6, 'conv4');
  x = stack2(x, 512, 3, 'conv5', 1);
  x = g.batchNorm('post_bn', x, EPSILON);
  x = g.relu('post_relu', x);
  g.role = undefined;
  x = g.globalAvgPool('avg_pool', x);
  g.dense('predictions', x, classes);
  return g.build();
}

export function resnet50v2(): ModelDefinition {
  return defineModel({
    name: 'resnet50v2',
    graph: resnet50v2Graph(),
    preprocessing: 'tf',
    labels: IMAGENET_LABELS,
    defaultTarget: 'post_relu',
    source: 'keras.applications.ResNet50V2 (keras/applications/resnet.py), include_top=True, 1000 ImageNet classes',
  });
}
