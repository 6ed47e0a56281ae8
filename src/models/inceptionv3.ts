// InceptionV3 exactly as keras.applications.InceptionV3 builds it (keras/applications/inception_v3.py),
// with Keras ≤ 2.2 layer names: each conv2d_bn unit is three nodes `conv2d_N` (no bias),
// `batch_normalization_N` (scale=False: no gamma; epsilon 1e-3) and `activation_N` (ReLU), numbered
// in construction order; unnamed pools are `max_pooling2d_K` / `average_pooling2d_K`. The 3×3
// average pools inside the modules use 'same' padding and divide by the real (unpadded) cells.
// Nodes inside a module before its `mixedN` concat are 'branch' nodes.
import { GraphBuilder } from './builder.js';
import { defineModel, type ModelDefinition } from './definition.js';
import type { Graph, PaddingSpec } from './graph.js';
import { IMAGENET_LABELS, NSFWJS_LABELS } from './labels/index.js';

const EPSILON = 1e-3;

/** The Keras InceptionV3 body up to `mixed10`; returns the builder and the name of `mixed10`. */
function inceptionBody(size: number): { g: GraphBuilder; out: string; counters: { avg: number } } {
  const g = new GraphBuilder();
  let units = 0;
  const counters = { max: 0, avg: 0, concat: 0 };

  const conv2dBn = (x: string, filters: number, rows: number, cols: number, padding: PaddingSpec = 'same', strides = 1): string => {
    const n = ++units;
    const c = g.conv2d(`conv2d_${n}`, x, filters, [rows, cols], { strides, padding, useBias: false });
    const b = g.batchNorm(`batch_normalization_${n}`, c, EPSILON, { scale: false });
    return g.relu(`activation_${n}`, b);
  };
  const maxPool = (x: string) => g.maxPool(`max_pooling2d_${++counters.max}`, x, 3, 2);
  const avgPool = (x: string) => g.avgPool(`average_pooling2d_${++counters.avg}`, x, 3, 1, 'same', false);
  const branches = (fn: () => string[], name: string): string => g.concat(name, g.inRole('branch', fn));

  let x = g.input('input_1', size, size, 3);
  x = conv2dBn(x, 32, 3, 3, 'valid', 2);
  x = conv2dBn(x, 32, 3, 3, 'valid');
  x = conv2dBn(x, 64, 3, 3);
  x = maxPool(x);
  x = conv2dBn(x, 80, 1, 1, 'valid');
  x = conv2dBn(x, 192, 3, 3, 'valid');
  x = maxPool(x);

  // mixed 0, 1, 2: 35 × 35 × 256 (288)
  for (const [i, poolFilters] of [
    [0, 32],
    [1, 64],
    [2, 64],
  ] as const) {
    const input = x;
    x = branches(() => {
      const b1 = conv2dBn(input, 64, 1, 1);
      let b5 = conv2dBn(input, 48, 1, 1);
      b5 = conv2dBn(b5, 64, 5, 5);
      let b3 = conv2dBn(input, 64, 1, 1);
      b3 = conv2dBn(b3, 96, 3, 3);
      b3 = conv2dBn(b3, 96, 3, 3);
      const bp = conv2dBn(avgPool(input), poolFilters, 1, 1);
      return [b1, b5, b3, bp];
    }, `mixed${i}`);
  }

  // mixed 3: 17 × 17 × 768
  {
    const input = x;
    x = branches(() => {
      const b3 = conv2dBn(input, 384, 3, 3, 'valid', 2);
      let bd = conv2dBn(input, 64, 1, 1);
      bd = conv2dBn(bd, 96, 3, 3);
      bd = conv2dBn(bd, 96, 3, 3, 'valid', 2);
      return [b3, bd, maxPool(input)];
    }, 'mixed3');
  }

  // mixed 4, 5, 6, 7: 17 × 17 × 768
  for (const [i, f] of [
    [4, 128],
    [5, 160],
    [6, 160],
    [7, 192],
  ] as const) {
    const input = x;
    x = branches(() => {
      const b1 = conv2dBn(input, 192, 1, 1);
      let b7 = conv2dBn(input, f, 1, 1);
      b7 = conv2dBn(b7, f, 1, 7);
      b7 = conv2dBn(b7, 192, 7, 1);
      let bd = conv2dBn(input, f, 1, 1);
      bd = conv2dBn(bd, f, 7, 1);
      bd = conv2dBn(bd, f, 1, 7);
      bd = conv2dBn(bd, f, 7, 1);
      bd = conv2dBn(bd, 192, 1, 7);
      const bp = conv2dBn(avgPool(input), 192, 1, 1);
      return [b1, b7, bd, bp];
    }, `mixed${i}`);
  }

  // mixed 8: 8 × 8 × 1280
  {
    const input = x;
    x = branches(() => {
      let b3 = conv2dBn(input, 192, 1, 1);
      b3 = conv2dBn(b3, 320, 3, 3, 'valid', 2);
      let b7 = conv2dBn(input, 192, 1, 1);
      b7 = conv2dBn(b7, 192, 1, 7);
      b7 = conv2dBn(b7, 192, 7, 1);
      b7 = conv2dBn(b7, 192, 3, 3, 'valid', 2);
      return [b3, b7, maxPool(input)];
    }, 'mixed8');
  }

  // mixed 9, 10: 8 × 8 × 2048
  for (let i = 0; i < 2; i++) {
    const input = x;
    x = branches(
      () => {
        const b1 = conv2dBn(input, 320, 1, 1);
        const b3 = conv2dBn(input, 384, 1, 1);
        const b3cat = g.concat(`mixed9_${i}`, [conv2dBn(b3, 384, 1, 3), conv2dBn(b3, 384, 3, 1)]);
        let bd = conv2dBn(input, 448, 1, 1);
        bd = conv2dBn(bd, 384, 3, 3);
        const bdcat = g.concat(`concatenate_${++counters.concat}`, [conv2dBn(bd, 384, 1, 3), conv2dBn(bd, 384, 3, 1)]);
        const bp = conv2dBn(avgPool(input), 192, 1, 1);
        return [b1, b3cat, bdcat, bp];
      },
      `mixed${9 + i}`,
    );
  }
  return { g, out: x, counters };
}

/** Keras' InceptionV3 with its ImageNet head: avg_pool (global average) → predictions (logits). */
export function inceptionv3Graph(classes = 1000, size = 299): Graph {
  const { g, out } = inceptionBody(size);
  g.role = undefined;
  g.dense('predictions', g.globalAvgPool('avg_pool', out), classes);
  return g.build();
}

/**
 * The InceptionV3 of nsfwjs (Keras 2.2.4 file): the same body with its own head, an 8×8 average
 * pool, flatten, dense 256 and 128 (ReLU) with dropout between, and 5 logits.
 */
export function nsfwjsInceptionv3Graph(size = 299): Graph {
  const { g, out, counters } = inceptionBody(size);
  let x = g.avgPool(`average_pooling2d_${++counters.avg}`, out, 8, 8, 'valid', false);
  g.role = undefined;
  x = g.flatten('flatten_1', x);
  x = g.dense('dense_1', x, 256, 'relu');
  x = g.identity('dropout_2', x, 'dropout');
  x = g.dense('dense_2', x, 128, 'relu');
  x = g.identity('dropout_3', x, 'dropout');
  g.dense('dense_3', x, 5);
  return g.build();
}

export function inceptionv3(): ModelDefinition {
  return defineModel({
    name: 'inceptionv3',
    graph: inceptionv3Graph(),
    preprocessing: 'tf',
    labels: IMAGENET_LABELS,
    defaultTarget: 'mixed10',
    source: 'keras.applications.InceptionV3 (keras/applications/inception_v3.py, Keras 2.2 layer names), include_top=True, 1000 ImageNet classes',
  });
}

export function nsfwjsInceptionv3(): ModelDefinition {
  return defineModel({
    name: 'nsfwjs-inceptionv3',
    graph: nsfwjsInceptionv3Graph(),
    preprocessing: 'unit',
    labels: NSFWJS_LABELS,
    defaultTarget: 'mixed10',
    source: 'nsfwjs InceptionV3 (Keras 2.2.4 topology shipped in the nsfwjs npm package): Keras InceptionV3 body, custom 5-class head',
  });
}
