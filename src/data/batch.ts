// Batches of scenes as model input: NHWC floats in the 'tf' convention (x/127.5 − 1, the
// preprocessing scenes-resnet declares) and one-hot labels.
import { preprocessPixels } from '../models/preprocess.js';
import { SHAPE_CLASSES } from './classes.js';
import { renderScene, SCENE_SIZE } from './scenes.js';

export interface SceneBatch {
  /** [count, size, size, 3], 'tf' preprocessing. */
  inputs: Float32Array;
  /** [count, classes] one-hot. */
  oneHot: Float32Array;
  labels: Int32Array;
  count: number;
  size: number;
}

/** Scenes first … first+count−1 of the seed's stream. */
export function sceneBatch(seed: number, first: number, count: number, size = SCENE_SIZE, clutter = 1): SceneBatch {
  const classes = SHAPE_CLASSES.length;
  const pixelsPer = size * size * 3;
  const inputs = new Float32Array(count * pixelsPer);
  const oneHot = new Float32Array(count * classes);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const scene = renderScene(seed, first + n, { size, clutter });
    inputs.set(preprocessPixels('tf', scene.pixels, size, size), n * pixelsPer);
    labels[n] = scene.label;
    oneHot[n * classes + scene.label] = 1;
  }
  return { inputs, oneHot, labels, count, size };
}
