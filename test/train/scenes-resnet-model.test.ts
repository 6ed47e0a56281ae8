// The scenes-resnet definition: shapes by symbolic inference, roles, the automatic Grad-CAM target
// and the registry entry. Exact expectations (integer shapes and counts).
import { describe, expect, it } from 'vitest';
import { automaticTarget } from '../../src/models/roles.js';
import { inferShapes, totalParameters } from '../../src/models/shapes.js';
import { NATIVE_MODELS, nativeModel } from '../../src/models/index.js';
import { scenesResnet, scenesResnetGraph } from '../../src/models/scenes-resnet.js';

describe('scenes-resnet definition', () => {
  it('downsamples only in centred ways: a 4×4 stride-2 stem padded 1 on every side and 2×2 average pools', () => {
    const g = scenesResnetGraph();
    const strided = g.nodes.filter((n) => (n.op === 'conv2d' || n.op === 'avgpool' || n.op === 'maxpool') && n.attrs.strides.some((s) => s > 1));
    expect(strided.map((n) => n.name)).toEqual(['conv1_conv', 'conv2_block1_pool', 'conv3_block1_pool']);
    const stem = strided[0];
    if (stem.op !== 'conv2d') throw new Error('the stem is a conv');
    expect(stem.attrs.kernel).toEqual([4, 4]);
    expect(stem.attrs.padding).toEqual({ top: 1, bottom: 1, left: 1, right: 1 });
    for (const pool of strided.slice(1)) {
      if (pool.op !== 'avgpool') throw new Error('downsampling in blocks is pooling');
      expect(pool.attrs.kernel).toEqual([2, 2]);
      expect(pool.attrs.padding).toBe('valid');
    }
  });

  it('is registered, takes 96×96 RGB in the tf convention and labels the eight shapes', () => {
    expect(Object.keys(NATIVE_MODELS)).toContain('scenes-resnet');
    const d = nativeModel('scenes-resnet');
    expect(d.inputSize).toEqual({ height: 96, width: 96 });
    expect(d.preprocessing).toBe('tf');
    expect(d.labels).toEqual(['circle', 'square', 'triangle', 'star', 'cross', 'ring', 'hexagon', 'heart']);
  });

  it('ends in a 12×12×64 post_relu map (the automatic target), global average pooling and 8 logits', () => {
    const g = scenesResnetGraph();
    const shapes = inferShapes(g, { batch: 2 });
    expect(shapes.get('conv1_conv')).toEqual([2, 48, 48, 16]);
    expect(shapes.get('conv2_block1_out')).toEqual([2, 24, 24, 32]);
    expect(shapes.get('conv3_block1_out')).toEqual([2, 12, 12, 64]);
    expect(shapes.get('conv4_block1_out')).toEqual([2, 12, 12, 64]);
    expect(shapes.get('post_relu')).toEqual([2, 12, 12, 64]);
    expect(shapes.get('predictions')).toEqual([2, 8]);
    expect(automaticTarget(g).node).toBe('post_relu');
    expect(scenesResnet().defaultTarget).toBe('post_relu');
  });

  it('has both shortcut kinds of ResNet50V2 with their roles: projection on the pre-activation (conv2, conv3) and identity (conv4)', () => {
    const g = scenesResnetGraph();
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    expect(byName.get('conv2_block1_0_conv')?.inputs).toEqual(['conv2_block1_pool']);
    expect(byName.get('conv2_block1_pool')?.inputs).toEqual(['conv2_block1_preact_relu']);
    expect(byName.get('conv3_block1_0_conv')?.inputs).toEqual(['conv3_block1_pool']);
    expect(byName.get('conv3_block1_0_conv')?.role).toBe('skip');
    expect(byName.get('conv3_block1_preact_relu')?.role).toBe('feature-map');
    expect(byName.get('conv4_block1_out')?.inputs).toEqual(['conv3_block1_out', 'conv4_block1_2_conv']);
    expect(byName.get('conv4_block1_preact_relu')?.role).toBe('residual-branch');
    expect(byName.get('conv4_block1_1_conv')?.role).toBe('residual-branch');
    expect(byName.get('conv4_block1_out')?.role).toBe('feature-map');
    // conv1 768+16; conv2 14,592; conv3 57,856; conv4 74,304; post_bn 256; predictions 512+8 (batchnorm
    // counts include the moving statistics, as Keras counts them).
    expect(totalParameters(g)).toBe(148312);
  });
});
