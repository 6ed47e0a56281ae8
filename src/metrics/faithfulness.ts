// evaluate: how faithful each method's map is to the model, and how well it localises, beside a
// random-map and a centre-map baseline scored exactly like the methods.
// - deletion / insertion (Petsiuk et al. 2018, RISE): pixels replaced in the map's order, most
//   relevant first, in `steps` equal steps; deletion puts in zeros of the model's input space,
//   insertion starts from the blurred input (perturbation.ts); the class probability along the way,
//   and its area under the curve by the trapezoid rule over the fraction changed (deletion: lower is
//   better; insertion: higher);
// - ROAD (road.ts): the probability after removing p % of the pixels, most relevant first (MoRF,
//   lower is better) and least relevant first (LeRF, higher), averaged over the percentages;
// - average drop and increase in confidence (Chattopadhay et al. 2018): the input multiplied by the
//   map normalised to [0, 1] (in the model's input space, as pytorch-grad-cam does), drop =
//   max(0, Y − O) / Y, increase = O > Y, averaged over images;
// - with object masks: the pointing game, energy-based pointing game, relevance mass accuracy.
// The class is the one given with the image (the scenes' true class) or its top-1. Probabilities are
// softmax probabilities; every perturbed input is scored in batches (batched-scores.ts).
import type { Model } from '../models/model.js';
import { argmax, softmax } from '../methods/classes.js';
import { chooseTarget } from '../methods/layer-choice.js';
import { computeLowres } from '../methods/lowres.js';
import { usesLayer } from '../methods/registry.js';
import type { MethodName, MethodOptions } from '../methods/types.js';
import { upsampleMap } from '../image/index.js';
import { normalizeMap } from '../image/index.js';
import { classProbabilities, PERTURBATION_DEFAULT_BATCH, type InputStack } from './batched-scores.js';
import { localisation, type LocalisationScores } from './localisation.js';
import { blurred, maskedByMap, rankPixels, sequence, trapezoidAuc, zeroInput, type ModelInput } from './perturbation.js';
import { CENTRE_BASELINE, RANDOM_BASELINE, randomMap, type ObjectMask } from './pointing-game.js';
import { noisyLinearImputation, roadMask, ROAD_NOISE, ROAD_PERCENTAGES } from './road.js';
import { hashWords } from '../data/random.js';

export const EVALUATE_DEFAULT_STEPS = 50;

export interface EvaluationImage {
  name: string;
  /** RGB bytes at the model's input size. */
  pixels: Uint8Array;
  /** The class to explain; default: the top-1. */
  classIndex?: number;
  mask?: ObjectMask;
}

export interface EvaluateOptions extends MethodOptions {
  methods: readonly MethodName[];
  layer?: string;
  /** Deletion / insertion steps (default 50: 51 inputs per curve). */
  curveSteps?: number;
  /** Perturbed inputs per forward (default 16). */
  perturbationBatch?: number;
  roadPercentages?: readonly number[];
  /** Seed of the random baseline and the ROAD noise (default 0). */
  seed?: number;
  onImage?: (done: number) => void;
}

export interface MapScores {
  deletion: number[];
  insertion: number[];
  deletionAuc: number;
  insertionAuc: number;
  /** Probability per ROAD percentage. */
  roadMorf: number[];
  roadLerf: number[];
  /** max(0, Y − O) / Y for this image. */
  drop: number;
  increase: boolean;
  localisation?: LocalisationScores;
}

export interface ImageEvaluation {
  name: string;
  classIndex: number;
  probability: number;
  /** By method name, then the baselines. */
  scores: Record<string, MapScores>;
}

export interface SummaryRow {
  name: string;
  n: number;
  deletionAuc: number;
  insertionAuc: number;
  roadMorf: number;
  roadLerf: number;
  /** In %. */
  averageDrop: number;
  /** In %. */
  increaseInConfidence: number;
  pointing?: number;
  energy?: number;
  mass?: number;
}

export interface EvaluationResult {
  node: string;
  steps: number;
  roadPercentages: number[];
  images: ImageEvaluation[];
  summary: SummaryRow[];
  forwards: number;
  seconds: number;
}

/** The centre baseline: 1 at the image centre falling linearly with the distance to 0 at the corners. */
export function centreMap(width: number, height: number): Float32Array {
  const cx = (width - 1) / 2,
    cy = (height - 1) / 2;
  const far = Math.hypot(cx, cy) || 1;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = 1 - Math.hypot(x - cx, y - cy) / far;
  return out;
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;

interface Scorer {
  model: Model;
  input: ModelInput;
  classIndex: number;
  original: number;
  options: EvaluateOptions;
  forwards: number;
}

async function probabilities(s: Scorer, stack: InputStack): Promise<number[]> {
  const r = await classProbabilities(s.model, stack, s.classIndex, s.options.perturbationBatch ?? PERTURBATION_DEFAULT_BATCH);
  s.forwards += r.forwards;
  return [...r.probabilities];
}

function stackOf(inputs: readonly ModelInput[]): InputStack {
  const { height, width, channels } = inputs[0];
  const size = height * width * channels;
  const data = new Float32Array(inputs.length * size);
  inputs.forEach((x, i) => data.set(x.data, i * size));
  return { data, count: inputs.length, height, width, channels };
}

/** Every score of one map (at the input size, as drawn) on one image. */
async function scoreMap(
  s: Scorer,
  drawn: Float32Array,
  start: ModelInput,
  imageIndex: number,
  mask: ObjectMask | undefined,
  noiseSeed: number,
): Promise<MapScores> {
  const steps = s.options.curveSteps ?? EVALUATE_DEFAULT_STEPS;
  const percentages = s.options.roadPercentages ?? ROAD_PERCENTAGES;
  const order = rankPixels(drawn);
  const unit = normalizeMap(drawn).map;
  const road: ModelInput[] = [];
  for (const mostFirst of [true, false]) {
    for (const [k, percent] of percentages.entries()) {
      road.push(noisyLinearImputation(s.input, roadMask(order, percent, mostFirst), ROAD_NOISE, hashWords(noiseSeed, imageIndex, k, mostFirst ? 1 : 2)));
    }
  }
  const [deletion, insertion, roadScores] = [
    await probabilities(s, sequence(s.input, zeroInput(s.input), order, steps)),
    await probabilities(s, sequence(start, s.input, order, steps)),
    await probabilities(s, stackOf([...road, maskedByMap(s.input, unit)])),
  ];
  const masked = roadScores[roadScores.length - 1];
  return {
    deletion,
    insertion,
    deletionAuc: trapezoidAuc(deletion),
    insertionAuc: trapezoidAuc(insertion),
    roadMorf: roadScores.slice(0, percentages.length),
    roadLerf: roadScores.slice(percentages.length, 2 * percentages.length),
    drop: Math.max(0, s.original - masked) / s.original,
    increase: masked > s.original,
    ...(mask ? { localisation: localisation(drawn, mask) } : {}),
  };
}

export function summarise(names: readonly string[], images: readonly ImageEvaluation[]): SummaryRow[] {
  return names.map((name) => {
    const all = images.map((im) => im.scores[name]);
    const located = all.filter((m) => m.localisation).map((m) => m.localisation as LocalisationScores);
    return {
      name,
      n: all.length,
      deletionAuc: mean(all.map((m) => m.deletionAuc)),
      insertionAuc: mean(all.map((m) => m.insertionAuc)),
      roadMorf: mean(all.map((m) => mean(m.roadMorf))),
      roadLerf: mean(all.map((m) => mean(m.roadLerf))),
      averageDrop: 100 * mean(all.map((m) => m.drop)),
      increaseInConfidence: (100 * all.filter((m) => m.increase).length) / all.length,
      ...(located.length
        ? {
            pointing: (100 * located.filter((l) => l.pointing).length) / located.length,
            energy: mean(located.map((l) => l.energy)),
            mass: mean(located.map((l) => l.mass)),
          }
        : {}),
    };
  });
}

/** Scores each method and both baselines on the images (each at the model's input size). */
export async function evaluateMethods(model: Model, images: readonly EvaluationImage[], options: EvaluateOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const { methods } = options;
  if (methods.length === 0) throw new Error('evaluate: no method was asked for');
  const { height, width } = model.definition.inputSize;
  const node = chooseTarget(model.definition, options.layer, methods.find(usesLayer) ?? methods[0]).node;
  const seed = options.seed ?? 0;
  const centre = centreMap(width, height);
  const evaluations: ImageEvaluation[] = [];
  let forwards = 0;
  for (const [i, image] of images.entries()) {
    const tensorInput = model.preprocess(image.pixels);
    const drawnMaps = new Map<string, Float32Array>();
    let logits: Float32Array | undefined;
    let data: Float32Array;
    try {
      data = await tensorInput.read();
      for (const method of methods) {
        const r = await computeLowres(model, tensorInput, { ...options, method, node, classIndex: image.classIndex ?? (logits ? argmax(logits) : undefined) });
        logits ??= r.logits;
        drawnMaps.set(
          method,
          r.map.width === width && r.map.height === height ? r.map.data : upsampleMap(r.map.data, r.map.height, r.map.width, width, height),
        );
      }
    } finally {
      tensorInput.dispose();
    }
    drawnMaps.set(RANDOM_BASELINE, randomMap(seed, i, width, height).data);
    drawnMaps.set(CENTRE_BASELINE, centre);
    const classIndex = image.classIndex ?? argmax(logits as Float32Array);
    const input: ModelInput = { data, height, width, channels: data.length / (height * width) };
    const scorer: Scorer = { model, input, classIndex, original: softmax(logits as Float32Array)[classIndex], options, forwards: 0 };
    const start = blurred(input);
    const scores: Record<string, MapScores> = {};
    for (const [name, drawn] of drawnMaps) scores[name] = await scoreMap(scorer, drawn, start, i, image.mask, seed);
    forwards += scorer.forwards;
    evaluations.push({ name: image.name, classIndex, probability: scorer.original, scores });
    options.onImage?.(i + 1);
  }
  return {
    node,
    steps: options.curveSteps ?? EVALUATE_DEFAULT_STEPS,
    roadPercentages: [...(options.roadPercentages ?? ROAD_PERCENTAGES)],
    images: evaluations,
    summary: summarise([...methods, RANDOM_BASELINE, CENTRE_BASELINE], evaluations),
    forwards,
    seconds: (performance.now() - started) / 1000,
  };
}
