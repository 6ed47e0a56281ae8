// Sanity checks for saliency maps (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): a map
// that still looks the same after the model's weights are replaced by random ones cannot be showing
// what the model learned. Model parameter randomisation, cascading from the logits down block by
// block and one block at a time, plus the random-logit test (Sixt et al. 2020): the map for a
// random other class must differ from the map for the explained one.
//
// Pinned here:
// - the class explained is each image's top-1 class under the ORIGINAL model, kept fixed at every step;
// - randomisation re-draws kernels, biases, gammas and betas from a seeded Gaussian with each
//   tensor's own mean and standard deviation; batchnorm moving statistics are kept;
// - the verdict rules are fixed in VERDICT_RULES below, before any result was looked at.
import { hashWords, Random } from '../data/random.js';
import type { Model } from '../models/model.js';
import { argmax } from '../methods/classes.js';
import { classCount } from '../methods/explain.js';
import { chooseTarget } from '../methods/layer-choice.js';
import { computeLowres } from '../methods/lowres.js';
import { usesLayer } from '../methods/registry.js';
import type { MethodName, MethodOptions } from '../methods/types.js';
import type { Tensor } from '../tensor/index.js';
import { comparable, mapSimilarity, type ComparableMap, type MapSimilarity } from './map-similarity.js';
import { parameterBlocks, Randomiser, type ParameterBlock } from './randomise.js';

export type SanityMode = 'cascading' | 'independent';
export const SANITY_MODES: readonly SanityMode[] = ['cascading', 'independent'];

/** The similarity below which a map counts as changed, for both verdicts. */
export const CHANGED_BELOW = 0.5;

export const VERDICT_RULES = {
  randomisation:
    `passes when the mean over images of the Spearman rank correlation between the map as drawn by the original model and by the model ` +
    `with the top half of its blocks randomised (cascading, ceil(B/2) of B blocks counted from the logits) is below ${CHANGED_BELOW}; ` +
    'a map that became constant has no rank order and counts as 0 (uncorrelated)',
  randomLogit:
    `passes when the mean over images of the Spearman rank correlation between the map for the explained class and the map for a ` +
    `random other class (seeded) is below ${CHANGED_BELOW}; a constant map counts as 0`,
} as const;

/** One picture, RGB bytes at the model's input size. */
export interface SanityImage {
  name: string;
  pixels: Uint8Array;
}

export interface SanityOptions extends MethodOptions {
  methods: readonly MethodName[];
  modes?: readonly SanityMode[];
  /** 'auto' (default) or a node, for the methods that hook a layer. */
  layer?: string;
  /** Seed of the random weights and of the random classes (default 0). */
  seed?: number;
  /** Called after each model state (original, random class, each step) with how many are done of how many. */
  onStep?: (done: number, total: number, what: string) => void;
}

export interface SanityStep {
  mode: SanityMode;
  /** The block randomised last: in cascading mode every block above it is random too. */
  block: string;
  /** Every block random at this step, from the logits down. */
  randomised: string[];
  /** By method, one similarity to the original map per image. */
  scores: Partial<Record<MethodName, MapSimilarity[]>>;
}

export interface RandomLogitScore {
  image: string;
  classIndex: number;
  randomClass: number;
  similarity: MapSimilarity;
}

export interface Verdict {
  /** The measured value the rule reads. */
  value: number;
  passes: boolean;
  /** Images whose compared map was constant (no rank order), counted as 0. */
  constantMaps: number;
}

export interface MethodVerdict {
  method: MethodName;
  /** null when no cascading run was asked for. */
  randomisation: (Verdict & { step: string; blocksRandomised: number }) | null;
  randomLogit: Verdict;
}

export interface SanityResult {
  model: string;
  node: string;
  seed: number;
  methods: MethodName[];
  blocks: { name: string; parameters: number }[];
  images: { name: string; classIndex: number }[];
  steps: SanityStep[];
  randomLogit: Partial<Record<MethodName, RandomLogitScore[]>>;
  verdicts: MethodVerdict[];
  rules: typeof VERDICT_RULES;
  /** The first image's maps normalised to [0, 1] at the input size: original, then each cascading step. */
  figure: { width: number; height: number; columns: string[]; maps: Partial<Record<MethodName, Float32Array[]>> };
  seconds: number;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** A class other than `classIndex`, drawn from the image's own stream so it does not depend on the other images. */
export function randomOtherClass(seed: number, image: number, classIndex: number, classes: number): number {
  if (classes < 2) throw new RangeError('the random-logit test needs a model with at least two classes');
  const rng = new Random(hashWords(seed, 0x5158, image));
  return (classIndex + 1 + rng.int(classes - 1)) % classes;
}

type MapsByMethod = Map<MethodName, ComparableMap>;

async function mapsOf(model: Model, input: Tensor, node: string, classIndex: number, options: SanityOptions): Promise<MapsByMethod> {
  const { height, width } = model.definition.inputSize;
  const maps: MapsByMethod = new Map();
  for (const method of options.methods) {
    const r = await computeLowres(model, input, { ...options, method, node, classIndex });
    maps.set(method, comparable(r.map, r.signed, width, height));
  }
  return maps;
}

/** A rule's value: the mean rank correlation, a constant map's NaN counted as 0. */
function judge(ranks: readonly number[]): Verdict {
  const value = mean(ranks.map((r) => (Number.isNaN(r) ? 0 : r)));
  return { value, passes: value < CHANGED_BELOW, constantMaps: ranks.filter(Number.isNaN).length };
}

/** The verdicts by VERDICT_RULES. */
export function verdictsOf(
  methods: readonly MethodName[],
  steps: readonly SanityStep[],
  randomLogit: SanityResult['randomLogit'],
  blocks: number,
): MethodVerdict[] {
  const half = Math.ceil(blocks / 2);
  const judged = steps.find((s) => s.mode === 'cascading' && s.randomised.length === half);
  return methods.map((method) => ({
    method,
    randomisation: judged ? { ...judge((judged.scores[method] ?? []).map((s) => s.rank)), step: judged.block, blocksRandomised: half } : null,
    randomLogit: judge((randomLogit[method] ?? []).map((s) => s.similarity.rank)),
  }));
}

function stepsOf(blocks: readonly ParameterBlock[], modes: readonly SanityMode[]): { mode: SanityMode; random: ParameterBlock[] }[] {
  const out: { mode: SanityMode; random: ParameterBlock[] }[] = [];
  if (modes.includes('cascading')) for (let k = 1; k <= blocks.length; k++) out.push({ mode: 'cascading', random: blocks.slice(0, k) });
  if (modes.includes('independent')) for (const b of blocks) out.push({ mode: 'independent', random: [b] });
  return out;
}

/**
 * Runs the checks on `images` (each at the model's input size). The loaded model's weights are
 * only read: every randomised state is a separate parameter map, released before this returns.
 */
export async function sanityChecks(model: Model, images: readonly SanityImage[], options: SanityOptions): Promise<SanityResult> {
  const started = performance.now();
  const { methods } = options;
  if (methods.length === 0) throw new Error('sanity: no method was asked for');
  if (images.length === 0) throw new Error('sanity: no image was given');
  const seed = options.seed ?? 0;
  const modes = options.modes ?? SANITY_MODES;
  const definition = model.definition;
  const { height, width } = definition.inputSize;
  const node = chooseTarget(definition, options.layer, methods.find(usesLayer) ?? methods[0]).node;
  const blocks = parameterBlocks(definition);
  const plan = stepsOf(blocks, modes);
  const total = 2 + plan.length;
  const classes = classCount(model);
  const inputs = images.map((im) => model.preprocess(im.pixels));
  const randomiser = new Randomiser(model, seed);
  try {
    const original: MapsByMethod[] = [];
    const classOf: number[] = [];
    for (const input of inputs) {
      const first = await computeLowres(model, input, { ...options, method: methods[0], node });
      classOf.push(argmax(first.logits));
      original.push(await mapsOf(model, input, node, classOf[classOf.length - 1], options));
    }
    options.onStep?.(1, total, 'original');

    const randomLogit: SanityResult['randomLogit'] = {};
    for (let i = 0; i < inputs.length; i++) {
      const other = randomOtherClass(seed, i, classOf[i], classes);
      const maps = await mapsOf(model, inputs[i], node, other, options);
      for (const method of methods) {
        const similarity = mapSimilarity(original[i].get(method) as ComparableMap, maps.get(method) as ComparableMap);
        randomLogit[method] ??= [];
        randomLogit[method].push({ image: images[i].name, classIndex: classOf[i], randomClass: other, similarity });
      }
    }
    options.onStep?.(2, total, 'random class');

    const figureMaps: SanityResult['figure']['maps'] = Object.fromEntries(methods.map((m) => [m, [(original[0].get(m) as ComparableMap).unit]]));
    const columns = ['original'];
    const steps: SanityStep[] = [];
    for (const [n, { mode, random }] of plan.entries()) {
      const randomModel = await randomiser.withRandomised(random);
      const scores: SanityStep['scores'] = {};
      for (let i = 0; i < inputs.length; i++) {
        const maps = await mapsOf(randomModel, inputs[i], node, classOf[i], options);
        for (const method of methods) {
          scores[method] ??= [];
          scores[method].push(mapSimilarity(original[i].get(method) as ComparableMap, maps.get(method) as ComparableMap));
          if (i === 0 && mode === 'cascading') figureMaps[method]?.push((maps.get(method) as ComparableMap).unit);
        }
      }
      const block = random[random.length - 1].name;
      if (mode === 'cascading') columns.push(block);
      steps.push({ mode, block, randomised: random.map((b) => b.name), scores });
      options.onStep?.(3 + n, total, `${mode} ${block}`);
    }
    return {
      model: model.name,
      node,
      seed,
      methods: [...methods],
      blocks: blocks.map((b) => ({ name: b.name, parameters: b.parameters.length })),
      images: images.map((im, i) => ({ name: im.name, classIndex: classOf[i] })),
      steps,
      randomLogit,
      verdicts: verdictsOf(methods, steps, randomLogit, blocks.length),
      rules: VERDICT_RULES,
      figure: { width, height, columns, maps: figureMaps },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    randomiser.dispose();
    for (const t of inputs) t.dispose();
  }
}
