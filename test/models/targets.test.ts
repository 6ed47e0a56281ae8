// Hook target resolution, nearest-name errors, weight binding errors and preprocessing.
import { describe, expect, it } from 'vitest';
import { GraphIndex } from '../../src/models/graph.js';
import { editDistance, nearestNames, resolveTarget, UnknownNodeError } from '../../src/models/targets.js';
import { resnet50v2Graph } from '../../src/models/resnet50v2.js';
import { nsfwjsInceptionv3Graph } from '../../src/models/inceptionv3.js';
import { validateWeightShapes, WeightError } from '../../src/models/parameters.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import type { Shape } from '../../src/tensor/index.js';

describe('edit distance and nearest names', () => {
  it('computes Levenshtein distances (hand-checked pairs)', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('post_relu', 'post_relu')).toBe(0);
    expect(editDistance('mixed1O', 'mixed10')).toBe(1);
  });

  it('orders candidates by distance, ties in graph order (mixed1O: 1 edit from mixed1 and mixed10, 2 from mixed0)', () => {
    expect(nearestNames('mixed1O', ['mixed0', 'mixed1', 'mixed10', 'mixed9'], 3)).toEqual(['mixed1', 'mixed10', 'mixed0']);
  });
});

describe('hook targets', () => {
  const index = new GraphIndex(resnet50v2Graph());

  it('resolves node names and node:input targets to the tensor they denote', () => {
    expect(resolveTarget(index, 'post_relu')).toEqual({ key: 'post_relu', node: 'post_relu', tensorOf: 'post_relu' });
    expect(resolveTarget(index, 'avg_pool:input')).toEqual({ key: 'avg_pool:input', node: 'avg_pool', inputIndex: 0, tensorOf: 'post_relu' });
    expect(resolveTarget(index, 'conv2_block1_out:input1').tensorOf).toBe('conv2_block1_3_conv');
    expect(resolveTarget(index, 'conv2_block1_out:input0').tensorOf).toBe('conv2_block1_0_conv');
  });

  it('identity nodes (dropout) resolve to the tensor they pass through', () => {
    const nsfw = new GraphIndex(nsfwjsInceptionv3Graph());
    expect(resolveTarget(nsfw, 'dropout_2').tensorOf).toBe('dense_1');
    expect(resolveTarget(nsfw, 'dense_2:input').tensorOf).toBe('dense_1');
  });

  it('an unknown name fails with the nearest node names', () => {
    let error: unknown;
    try {
      resolveTarget(index, 'conv5_block3_ot');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownNodeError);
    expect((error as UnknownNodeError).nearest[0]).toBe('conv5_block3_out');
    expect((error as Error).message).toMatch(/^no node named 'conv5_block3_ot'; nearest names: conv5_block3_out, /);
    expect(() => resolveTarget(index, 'post_rlu:input')).toThrow(/no node named 'post_rlu'; nearest names: post_relu/);
  });

  it('ambiguous or impossible input targets say what to write instead', () => {
    expect(() => resolveTarget(index, 'conv2_block1_out:input')).toThrow(
      /'conv2_block1_out' has 2 inputs; name one; nearest names: conv2_block1_out:input0, conv2_block1_out:input1/,
    );
    expect(() => resolveTarget(index, 'conv2_block1_out:input2')).toThrow(/has 2 input\(s\)/);
    expect(() => resolveTarget(index, 'input_1:input')).toThrow(/is the graph input/);
  });
});

describe('weight binding', () => {
  const g = resnet50v2Graph();
  const shapes = () => new Map<string, Shape>(parameterSpecs(g).map((p) => [p.name, p.shape]));

  it('accepts exactly the expected names and shapes (Keras names without :0)', () => {
    const given = shapes();
    expect(given.get('conv1_conv/kernel')).toEqual([7, 7, 3, 64]);
    expect(given.get('conv2_block1_preact_bn/moving_variance')).toEqual([64]);
    expect(given.get('predictions/kernel')).toEqual([2048, 1000]);
    expect(given.has('conv2_block1_1_conv/bias')).toBe(false);
    expect(given.size).toBe(272);
    expect(() => validateWeightShapes(g, given)).not.toThrow();
  });

  it('names the parameter and both shapes for a wrong shape, a missing and an unexpected parameter', () => {
    const given = shapes();
    given.set('conv1_conv/kernel', [7, 7, 3, 32]);
    given.delete('post_bn/gamma');
    given.set('conv2_block1_1_conv/bias', [64]);
    let error: unknown;
    try {
      validateWeightShapes(g, given, 'model resnet50v2');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightError);
    expect((error as WeightError).problems).toEqual([
      'conv1_conv/kernel: expected shape [7, 7, 3, 64], given [7, 7, 3, 32]',
      'post_bn/gamma: missing (expected shape [2048])',
      'conv2_block1_1_conv/bias: unexpected parameter (shape [64]); the graph has no such parameter',
    ]);
    expect((error as Error).message).toMatch(/^weights do not fit model resnet50v2 \(3 problems\):/);
  });
});

describe('preprocessing (hand-computed values for two pixels)', () => {
  const px = [0, 128, 255, 10, 20, 30];
  it("'tf': x/127.5 − 1", () => {
    const expected = px.map((v) => v / 127.5 - 1);
    Array.from(preprocessPixels('tf', px, 1, 2)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });
  it("'caffe': BGR order minus [103.939, 116.779, 123.68]", () => {
    const expected = [255 - 103.939, 128 - 116.779, 0 - 123.68, 30 - 103.939, 20 - 116.779, 10 - 123.68];
    Array.from(preprocessPixels('caffe', px, 1, 2)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });
  it("'torch': (x/255 − mean)/std; 'unit': x/255", () => {
    const mean = [0.485, 0.456, 0.406],
      std = [0.229, 0.224, 0.225];
    Array.from(preprocessPixels('torch', px, 1, 2)).forEach((v, i) => expect(v).toBeCloseTo((px[i] / 255 - mean[i % 3]) / std[i % 3], 5));
    Array.from(preprocessPixels('unit', px, 1, 2)).forEach((v, i) => expect(v).toBeCloseTo(px[i] / 255, 7));
  });
  it('rejects a pixel count that does not match the size (e.g. RGBA)', () => {
    expect(() => preprocessPixels('tf', new Uint8Array(8), 1, 2)).toThrow(/expected 6 RGB bytes for 1×2, given 8/);
  });
});
