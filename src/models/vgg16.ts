// VGG16 exactly as keras.applications.VGG16 builds it (keras/applications/vgg16.py), include_top:
// 3×3 'same' convs with bias and a fused ReLU (so `block5_conv3` is the post-ReLU tensor, as the
// Keras layer's output is), 2×2/2 max pools, flatten, fc1/fc2 (4096, ReLU), predictions (logits).
import { GraphBuilder } from './builder.js';
import { defineModel, type ModelDefinition } from './definition.js';
import type { Graph } from './graph.js';
import { IMAGENET_LABELS } from './labels/index.js';

const BLOCKS: readonly [filters: number, convs: number][] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

export function vgg16Graph(classes = 1000, size = 224): Graph {
  const g = new GraphBuilder();
  let x = g.input('input_1', size, size, 3);
  BLOCKS.forEach(([filters, convs], b) => {
    for (let c = 1; c <= convs; c++) {
      x = g.conv2d(`block${b + 1}_conv${c}`, x, filters, 3, { padding: 'same', activation: 'relu' });
    }
    x = g.maxPool(`block${b + 1}_pool`, x, 2, 2);
  });
  g.role = undefined;
  x = g.flatten('flatten', x);
  x = g.dense('fc1', x, 4096, 'relu');
  x = g.dense('fc2', x, 4096, 'relu');
  g.dense('predictions', x, classes);
  return g.build();
}

export function vgg16(): ModelDefinition {
  return defineModel({
    name: 'vgg16',
    graph: vgg16Graph(),
    preprocessing: 'caffe',
    labels: IMAGENET_LABELS,
    defaultTarget: 'block5_conv3',
    source: 'keras.applications.VGG16 (keras/applications/vgg16.py), include_top=True, 1000 ImageNet classes',
  });
}
