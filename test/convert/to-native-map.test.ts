// Mapping Keras layer weights onto the native graphs, without files or a GPU: layer names from other
// Keras releases, and one-line messages naming the layer, the weight and both shapes.
import { describe, expect, it } from 'vitest';
import { inceptionv3Graph } from '../../src/models/inceptionv3.js';
import { resnet50v2Graph } from '../../src/models/resnet50v2.js';
import { vgg16Graph } from '../../src/models/vgg16.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import type { Graph } from '../../src/models/graph.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import type { LayerWeights } from '../../tools/convert-weights/layer-weights.js';
import { guessArchitecture, mapLayerWeights, nativeLayerNames } from '../../tools/convert-weights/to-native-map.js';
import { NATIVE_MODELS } from '../../src/models/index.js';

/** The native definitions' names, as messages list them. */
const KNOWN = Object.keys(NATIVE_MODELS).join(', ');

/** The graph's weights as a reader would return them (values are not looked at; shapes are). */
function layersOf(graph: Graph, rename: (node: string) => string = (n) => n): LayerWeights[] {
  const byNode = new Map<string, LayerWeights & { weights: LayerWeights['weights'][number][] }>();
  for (const s of parameterSpecs(graph)) {
    if (!byNode.has(s.node)) byNode.set(s.node, { layer: rename(s.node), weights: [] });
    byNode.get(s.node)?.weights.push({ name: s.kind, storedName: `${rename(s.node)}/${s.kind}:0`, shape: s.shape, data: new Float32Array(0) });
  }
  return [...byNode.values()];
}

function problem(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightFileError);
    expect((e as Error).message).not.toContain('\n');
    return (e as WeightFileError).problem;
  }
  throw new Error('expected a WeightFileError');
}

describe('Keras layer names onto native node names', () => {
  it("tf.keras ≥ 2.3 numbering (conv2d, conv2d_1, …) is shifted onto Keras 2.2's (conv2d_1, conv2d_2, …)", () => {
    const nodes = new Set(inceptionv3Graph().nodes.map((n) => n.name));
    const names = nativeLayerNames('inceptionv3', ['conv2d', 'conv2d_1', 'conv2d_93', 'batch_normalization', 'batch_normalization_93', 'predictions'], nodes);
    expect([...names.values()]).toEqual(['conv2d_1', 'conv2d_2', 'conv2d_94', 'batch_normalization_1', 'batch_normalization_94', 'predictions']);
  });

  it('a whole InceptionV3 saved by tf.keras maps onto the native graph', () => {
    const graph = inceptionv3Graph();
    const zeroBased = (n: string) => n.replace(/^(conv2d|batch_normalization)_(\d+)$/, (_, p: string, k: string) => (k === '1' ? p : `${p}_${Number(k) - 1}`));
    const params = mapLayerWeights('tf.h5', layersOf(graph, zeroBased), graph, { arch: 'inceptionv3', what: 'inceptionv3' });
    expect([...params.keys()]).toEqual(parameterSpecs(graph).map((s) => s.name));
  });

  it("keras-applications' 'probs' is ResNet50V2's 'predictions' (and only there)", () => {
    const graph = resnet50v2Graph();
    const params = mapLayerWeights(
      'r.h5',
      layersOf(graph, (n) => (n === 'predictions' ? 'probs' : n)),
      graph,
      { arch: 'resnet50v2', what: 'resnet50v2' },
    );
    expect(params.get('predictions/kernel')?.shape).toEqual([2048, 1000]);
    const vgg = vgg16Graph();
    expect(
      problem(() =>
        mapLayerWeights(
          'v.h5',
          layersOf(vgg, (n) => (n === 'predictions' ? 'probs' : n)),
          vgg,
          { arch: 'vgg16', what: 'vgg16' },
        ),
      ),
    ).toBe(
      'does not hold vgg16 weights: 1 layer(s) missing (predictions), 1 unexpected layer(s) (probs); the ' +
        'file is closest to vgg16 (15 of its 16 weighted layers found)',
    );
  });
});

describe('one-line problems', () => {
  const vgg = vgg16Graph();

  it('a missing weight names the layer, the expected shape and what the layer has', () => {
    const layers = layersOf(vgg).map((l) => (l.layer === 'fc2' ? { ...l, weights: l.weights.filter((w) => w.name !== 'bias') } : l));
    expect(problem(() => mapLayerWeights('v.h5', layers, vgg, { arch: 'vgg16', what: 'vgg16' }))).toBe(
      "weights do not fit vgg16: layer 'fc2' has no bias (expected shape [4096]; it has kernel)",
    );
  });

  it('an extra weight in a layer is named with its stored name and shape', () => {
    const layers = layersOf(vgg).map((l) =>
      l.layer === 'block1_conv1'
        ? { ...l, weights: [...l.weights, { name: 'gamma', storedName: 'block1_conv1/gamma:0', shape: [64], data: new Float32Array(0) }] }
        : l,
    );
    expect(problem(() => mapLayerWeights('v.h5', layers, vgg, { arch: 'vgg16', what: 'vgg16' }))).toBe(
      "weights do not fit vgg16: layer 'block1_conv1' has an unexpected weight 'block1_conv1/gamma:0' [64]",
    );
  });

  it('two file layers landing on one node', () => {
    const layers = [
      ...layersOf(resnet50v2Graph()),
      ...layersOf(resnet50v2Graph())
        .filter((l) => l.layer === 'predictions')
        .map((l) => ({ ...l, layer: 'probs' })),
    ];
    expect(problem(() => mapLayerWeights('r.h5', layers, resnet50v2Graph(), { arch: 'resnet50v2', what: 'resnet50v2' }))).toBe(
      "two layers of the file map to node 'predictions' (predictions, probs)",
    );
  });

  it('guesses the architecture from layer names', () => {
    const names = (g: Graph) => layersOf(g).map((l) => l.layer);
    expect(guessArchitecture(names(vgg))).toBe('the file looks like vgg16 weights (use --arch vgg16)');
    expect(guessArchitecture(names(inceptionv3Graph()))).toBe('the file looks like inceptionv3 weights (use --arch inceptionv3)');
    expect(guessArchitecture(['dense', 'dense_1'])).toBe(`the file matches none of the built-in architectures (${KNOWN})`);
  });
});
