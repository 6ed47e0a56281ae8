// The pointing game (Zhang et al. 2016): an explanation "hits" when the maximum of its map lies on
// the object. Scored on scenes whose object mask is known, beside two baselines that look at no
// model: a map peaked at the image centre, and a seeded random map.
//
// Pinned here, for every method alike:
// - the class explained is the scene's true class (the pointing game's convention), not the top-1;
// - the map is the method's low-resolution map upsampled to the model's input size exactly as the
//   explain path draws it (upsampleMap: bilinear, half-pixel centres, float64); the scenes are at
//   the input size, so this is also the picture's own resolution;
// - the maximum is the first in row-major order (numpy's argmax): a 12×12 cell peak upsampled by 8
//   is a 2×2 plateau of equal pixels, and its top-left pixel is the one taken;
// - a map whose status is not 'ok' (all-zero, all-negative, constant) points nowhere: a miss.
import type { Model } from '../models/model.js';
import { hashWords, Random } from '../data/random.js';
import { upsampleMap } from '../image/index.js';
import { ShapeError } from '../tensor/index.js';
import { argmax } from '../methods/classes.js';
import { chooseTarget } from '../methods/layer-choice.js';
import { computeLowres } from '../methods/lowres.js';
import { gradientCams, isGradientCam, methodsOfCost, usesLayer } from '../methods/registry.js';
import type { Map2d, MapStatus, MethodName, MethodOptions } from '../methods/types.js';

/** Methods scored by default: the registry's fast ones (one forward and at most one backward each per scene). */
export const POINTING_FAST_METHODS: readonly MethodName[] = methodsOfCost('fast');
/** Methods scored only when named: the registry's slow ones (several passes per scene). */
export const POINTING_SLOW_METHODS: readonly MethodName[] = methodsOfCost('slow');

/** The baselines' names in the results, after the methods. */
export const CENTRE_BASELINE = 'center';
export const RANDOM_BASELINE = 'random';

/** A pixel, x to the right and y down from the top-left corner. */
export interface PixelPoint {
  x: number;
  y: number;
}

/** 1 where the object is, row-major, at width × height. */
export interface ObjectMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The first maximum of a row-major width × height array, in row-major order. */
export function peakOf(values: ArrayLike<number>, width: number, height: number): PixelPoint {
  if (values.length !== width * height || values.length === 0) {
    throw new ShapeError('pointing-game', `a non-empty ${width}x${height} map (${width * height} values)`, `${values.length} values`);
  }
  const i = argmax(values);
  return { x: i % width, y: Math.floor(i / width) };
}

/** Where a map points at width × height: upsampled as the explain path draws it, then its first maximum. */
export function pointOfMap(map: Map2d, width: number, height: number): PixelPoint {
  const up = map.width === width && map.height === height ? map.data : upsampleMap(map.data, map.height, map.width, width, height);
  return peakOf(up, width, height);
}

export function isOnObject(point: PixelPoint, mask: ObjectMask): boolean {
  const { x, y } = point;
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= mask.width || y >= mask.height) {
    throw new RangeError(`pointing-game: pixel (${x}, ${y}) is outside the ${mask.width}x${mask.height} mask`);
  }
  return mask.data[y * mask.width + x] !== 0;
}

/**
 * The centre baseline's point: the maximum of any map symmetric about the image centre and peaked
 * there, under the row-major tie rule — pixel (⌊(w−1)/2⌋, ⌊(h−1)/2⌋), (47, 47) at 96×96.
 */
export function centrePoint(width: number, height: number): PixelPoint {
  return { x: Math.floor((width - 1) / 2), y: Math.floor((height - 1) / 2) };
}

/**
 * The random baseline's map for scene `index`: independent uniform values at width × height from a
 * stream hashed from (seed, index), so a scene's map does not depend on which scenes come before it.
 * Its maximum is a uniformly drawn pixel: the expected hit rate is the mean object area fraction.
 */
export function randomMap(seed: number, index: number, width: number, height: number): Map2d {
  const rng = new Random(hashWords(seed, index));
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { width, height, data };
}

/** One scene of the game, at the model's input size. */
export interface PointingScene {
  /** RGB bytes, row-major HWC. */
  pixels: Uint8Array;
  mask: ObjectMask;
  /** The true class: the one explained. */
  classIndex: number;
}

export interface PointingOptions extends MethodOptions {
  methods: readonly MethodName[];
  /** 'auto' (default) or a node name, for the methods that hook a layer. */
  layer?: string;
  /** Seed of the random baseline (default 0). */
  seed?: number;
  /** Called after each scene with the number of scenes done. */
  onScene?: (done: number) => void;
}

export interface PointingScore {
  /** A method name, CENTRE_BASELINE or RANDOM_BASELINE. */
  name: string;
  hits: number;
  n: number;
  rate: number;
  /** Maps that were all-zero, all-negative or constant (counted as misses). */
  flat: number;
}

export interface PointingResult {
  /** The methods in the order asked, then the centre and random baselines. */
  scores: PointingScore[];
  n: number;
  /** The node the layer methods hooked (the input for input-space methods). */
  node: string;
  /** Scenes whose top-1 class was the true class. */
  correct: number;
  /** Mean share of the picture covered by the object (the random baseline's expected rate). */
  meanObjectFraction: number;
  seconds: number;
}

export interface SceneMap {
  map: Map2d;
  status: MapStatus;
}

/**
 * Every requested method's map for one preprocessed input [1, H, W, 3]: the gradient CAMs together
 * from one forward and one backward (gradientCams), each other method through computeLowres.
 * Returns the maps by method and the logits of the input.
 */
export async function sceneMaps(
  model: Model,
  pixels: Uint8Array,
  methods: readonly MethodName[],
  node: string,
  classIndex: number,
  options: MethodOptions = {},
): Promise<{ maps: Map<MethodName, SceneMap>; logits: Float32Array }> {
  const input = model.preprocess(pixels);
  try {
    const maps = new Map<MethodName, SceneMap>();
    let logits: Float32Array | undefined;
    const cams = methods.filter(isGradientCam);
    if (cams.length > 0) {
      const r = await gradientCams(model, input, [node], cams, classIndex);
      for (const m of r.maps) maps.set(m.method, { map: m.map, status: m.status });
      logits = r.logits;
    }
    for (const method of methods.filter((m) => !isGradientCam(m))) {
      const r = await computeLowres(model, input, { ...options, method, node, classIndex });
      maps.set(method, { map: r.map, status: r.status });
      logits ??= r.logits;
    }
    if (!logits) throw new Error('pointing-game: no method was asked for');
    return { maps, logits };
  } finally {
    input.dispose();
  }
}

function tally(name: string): PointingScore {
  return { name, hits: 0, n: 0, rate: 0, flat: 0 };
}

function record(score: PointingScore, hit: boolean, flat = false): void {
  score.n++;
  if (hit) score.hits++;
  if (flat) score.flat++;
  score.rate = score.hits / score.n;
}

/**
 * Plays the game on scenes 0 … count−1 given by `sceneAt` (each at the model's input size). The
 * layer is resolved once, before any GPU work (unknown or non-spatial nodes throw then).
 */
export async function pointingGame(model: Model, sceneAt: (index: number) => PointingScene, count: number, options: PointingOptions): Promise<PointingResult> {
  const started = performance.now();
  const { methods } = options;
  if (methods.length === 0) throw new Error('pointing-game: no method was asked for');
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`pointing-game: the scene count must be a positive integer, given ${count}`);
  const { height, width } = model.definition.inputSize;
  const layerMethod = methods.find(usesLayer) ?? methods[0];
  const node = chooseTarget(model.definition, options.layer, layerMethod).node;
  const seed = options.seed ?? 0;
  const scores = new Map<string, PointingScore>(methods.map((m) => [m, tally(m)]));
  const centre = tally(CENTRE_BASELINE);
  const random = tally(RANDOM_BASELINE);
  const middle = centrePoint(width, height);
  let correct = 0;
  let objectFraction = 0;
  for (let i = 0; i < count; i++) {
    const scene = sceneAt(i);
    const { mask } = scene;
    if (mask.width !== width || mask.height !== height || scene.pixels.length !== width * height * 3) {
      throw new ShapeError(
        'pointing-game',
        `scene ${i} at the model input size ${width}x${height} (mask and RGB pixels)`,
        `a ${mask.width}x${mask.height} mask and ${scene.pixels.length} pixel bytes`,
      );
    }
    const { maps, logits } = await sceneMaps(model, scene.pixels, methods, node, scene.classIndex, options);
    if (argmax(logits) === scene.classIndex) correct++;
    for (const method of methods) {
      const { map, status } = maps.get(method) as SceneMap;
      const ok = status === 'ok';
      record(scores.get(method) as PointingScore, ok && isOnObject(pointOfMap(map, width, height), mask), !ok);
    }
    record(centre, isOnObject(middle, mask));
    record(random, isOnObject(pointOfMap(randomMap(seed, i, width, height), width, height), mask));
    let area = 0;
    for (const v of mask.data) if (v !== 0) area++;
    objectFraction += area / (width * height);
    options.onScene?.(i + 1);
  }
  return {
    scores: [...scores.values(), centre, random],
    n: count,
    node,
    correct,
    meanObjectFraction: objectFraction / count,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The --json document: rate by method, then the baselines. */
export function pointingRates(result: PointingResult): Record<string, number> {
  return Object.fromEntries(result.scores.map((s) => [s.name, s.rate]));
}
