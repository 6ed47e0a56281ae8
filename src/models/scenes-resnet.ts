// gradscope's own offline model: a small pre-activation ResNet for the synthetic 96×96 scenes
// (src/data/scenes.ts), trained here with gradscope's autodiff (npm run train-demo). It uses the
// block kinds of ResNet50V2 — BN-ReLU before each conv, a projection shortcut reading the
// pre-activation where the shape changes and an identity shortcut reading the raw input elsewhere,
// post_bn/post_relu, global average pooling and a dense classifier — with two 3×3 convs per block
// instead of the bottleneck, because at these widths the 1×1 convs would cost dispatches, not FLOPs.
//
// Two choices serve Grad-CAM, which upsamples the final map with half-pixel centres:
// - Every downsampling is centred: the stem is a 4×4 stride-2 conv padded 1 on each side, and a
//   stride-2 block average-pools its pre-activation 2×2 before its stride-1 convs (as ResNet-D does on
//   the shortcut). A 3×3 stride-2 conv ('same' or Keras' pad-1) would shift the features of each level
//   by half its input pixel, 3.5 px in all at the 12×12 map — enough to put the map's peak on the wrong
//   side of an object's outline.
// - The last stage keeps the 12×12 resolution (stride 1, like conv5 of ResNet50V2), so the final
//   features see whole objects (receptive field 90 px), and a 3×3 stride-1 average pool
//   (post_smooth) before post_bn spreads the evidence that edge and corner features leave on an
//   outline over its neighbourhood, so the map peaks inside the object rather than on its outline.
//   Global average pooling after it sees almost the same sum, so classification is unaffected.
import { GraphBuilder } from './builder.js';
import { defineModel, type ModelDefinition } from './definition.js';
import type { Graph } from './graph.js';
import { SHAPE_CLASSES } from '../data/classes.js';

const EPSILON = 1.001e-5;

/** The eight shape classes of the scenes, in logit order. */
export const SCENE_LABELS: readonly string[] = SHAPE_CLASSES;

export interface ScenesResnetOptions {
  /** Input side in pixels (the scenes are square). */
  size?: number;
  /** Channels of the stem (the first stage has as many). */
  stemFilters?: number;
  /** Channels of each stage. */
  stageFilters?: readonly number[];
  /** Stride of each stage (its first block). */
  stageStrides?: readonly number[];
  /** Blocks per stage. */
  blocks?: readonly number[];
  classes?: number;
}

export const SCENES_RESNET_DEFAULTS = Object.freeze({
  size: 96,
  stemFilters: 16,
  stageFilters: [32, 64, 64],
  stageStrides: [2, 2, 1],
  blocks: [1, 1, 1],
  classes: 8,
});

export function scenesResnetGraph(options: ScenesResnetOptions = {}): Graph {
  const o = { ...SCENES_RESNET_DEFAULTS, ...options };
  if (o.stageFilters.length !== o.blocks.length || o.stageStrides.length !== o.blocks.length) {
    throw new Error(`scenes-resnet: ${o.stageFilters.length} stage widths and ${o.stageStrides.length} strides for ${o.blocks.length} stages`);
  }
  const g = new GraphBuilder();

  /**
   * A pre-activation block. With `project`, both paths read the pre-activation (average-pooled 2×2
   * first when stride is 2) and the shortcut is a 1×1 conv; otherwise the shortcut is the raw input.
   */
  const block = (input: string, filters: number, name: string, stride: number, project: boolean): string => {
    // With a projection both paths read the pre-activation, which therefore carries the full signal.
    const [preact, shortcut] = g.inRole(project ? 'feature-map' : 'residual-branch', () => {
      const bn = g.batchNorm(`${name}_preact_bn`, input, EPSILON);
      let p = g.relu(`${name}_preact_relu`, bn);
      if (stride > 1) p = g.avgPool(`${name}_pool`, p, stride, stride, 'valid', false);
      const s = g.inRole('skip', () => (project ? g.conv2d(`${name}_0_conv`, p, filters, 1) : input));
      return [p, s];
    });
    const residual = g.inRole('residual-branch', () => {
      let x = g.conv2d(`${name}_1_conv`, preact, filters, 3, { padding: 'same', useBias: false });
      x = g.batchNorm(`${name}_1_bn`, x, EPSILON);
      x = g.relu(`${name}_1_relu`, x);
      return g.conv2d(`${name}_2_conv`, x, filters, 3, { padding: 'same' });
    });
    return g.add(`${name}_out`, shortcut, residual);
  };

  let x = g.input('input_1', o.size, o.size, 3);
  x = g.conv2d('conv1_conv', x, o.stemFilters, 4, { strides: 2, padding: { top: 1, bottom: 1, left: 1, right: 1 } });
  let channels = o.stemFilters;
  o.stageFilters.forEach((filters, s) => {
    for (let b = 0; b < o.blocks[s]; b++) {
      const stride = b === 0 ? o.stageStrides[s] : 1;
      if (stride > 1 && b > 0) throw new Error("scenes-resnet: only a stage's first block may have a stride");
      const project = b === 0 && (stride > 1 || filters !== channels);
      if (stride > 1 && !project) throw new Error('scenes-resnet: a stride needs a projection');
      x = block(x, filters, `conv${s + 2}_block${b + 1}`, stride, project);
      channels = filters;
    }
  });
  x = g.avgPool('post_smooth', x, 3, 1, 'same', false);
  x = g.batchNorm('post_bn', x, EPSILON);
  x = g.relu('post_relu', x);
  g.role = undefined;
  x = g.globalAvgPool('avg_pool', x);
  g.dense('predictions', x, o.classes);
  return g.build();
}

export function scenesResnet(): ModelDefinition {
  return defineModel({
    name: 'scenes-resnet',
    graph: scenesResnetGraph(),
    preprocessing: 'tf',
    labels: SCENE_LABELS,
    defaultTarget: 'post_relu',
    source: 'gradscope scenes-resnet: pre-activation ResNet trained on synthetic 96×96 scenes (npm run train-demo)',
  });
}
