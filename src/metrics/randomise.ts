// Model parameter randomisation (Adebayo et al. 2018): the net's own blocks, from the logits down,
// and a copy of a loaded model whose chosen blocks hold seeded random weights of the same scale.
// The loaded model is never touched: the copy shares its untouched tensors and owns only the new ones.
import { tensor, type Tensor } from '../tensor/index.js';
import { hashWords } from '../data/random.js';
import type { ModelDefinition } from '../models/definition.js';
import { GraphIndex } from '../models/graph.js';
import { Model } from '../models/model.js';
import { parameterSpecs, inferShapes, type ParameterKind } from '../models/shapes.js';
import { evolutionNodes } from '../analyses/evolution-nodes.js';
import { gaussian } from '../methods/input-gradients.js';

/** Learned weights are re-drawn; batchnorm's moving statistics are kept (as in the paper's code). */
const RANDOMISED_KINDS: ReadonlySet<ParameterKind> = new Set(['kernel', 'bias', 'gamma', 'beta']);

export const LOGITS_BLOCK = 'logits';

export interface ParameterBlock {
  /** The block's output node, or 'logits' for the layers after the last block. */
  name: string;
  /** The parameters re-drawn when the block is randomised. */
  parameters: string[];
}

/**
 * The blocks from the logits down: the layers after the last block output ('logits'), then each
 * block output of the evolution grid's 'blocks' selection (ResNet blocks, Inception modules, VGG
 * blocks, an imported graph's feature maps) with every parameterised node since the previous one
 * (the stem goes with the first block). Blocks without learned weights are left out.
 */
export function parameterBlocks(definition: ModelDefinition): ParameterBlock[] {
  const graph = definition.graph;
  const index = new GraphIndex(graph);
  const ends = evolutionNodes(definition, 'blocks').map((n) => ({ name: n.tensorOf, position: index.position.get(n.tensorOf) as number }));
  const byBlock = new Map<string, string[]>([...ends.map((e): [string, string[]] => [e.name, []]), [LOGITS_BLOCK, []]]);
  for (const spec of parameterSpecs(graph, inferShapes(graph, definition.inputSize))) {
    if (!RANDOMISED_KINDS.has(spec.kind)) continue;
    const position = index.position.get(spec.node) as number;
    const end = ends.find((e) => e.position >= position);
    byBlock.get(end ? end.name : LOGITS_BLOCK)?.push(spec.name);
  }
  return [...byBlock]
    .reverse()
    .filter(([, p]) => p.length > 0)
    .map(([name, parameters]) => ({ name, parameters }));
}

function nameHash(name: string): number {
  return hashWords(...Array.from(name, (c) => c.charCodeAt(0)));
}

/** Seeded Gaussian values with the mean and standard deviation of `values` (a constant stays that constant). */
export function redraw(values: Float32Array, seed: number, name: string): Float32Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / values.length);
  const normal = gaussian(hashWords(seed, nameHash(name)));
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = mean + std * normal();
  return out;
}

/**
 * Random replacements for a model's parameters, drawn once per parameter (so cascading steps share
 * them) and released together. Models made here borrow the loaded model's other tensors.
 */
export class Randomiser {
  private readonly drawn = new Map<string, Tensor>();

  constructor(
    readonly model: Model,
    readonly seed: number,
  ) {}

  /** A model with the blocks' learned weights replaced; valid until dispose(). Do not dispose it. */
  async withRandomised(blocks: readonly ParameterBlock[]): Promise<Model> {
    const weights = new Map(this.model.parameters);
    for (const name of blocks.flatMap((b) => b.parameters)) {
      let t = this.drawn.get(name);
      if (!t) {
        const original = this.model.parameters.get(name) as Tensor;
        t = tensor(redraw(await original.read(), this.seed, name), original.shape);
        this.drawn.set(name, t);
      }
      weights.set(name, t);
    }
    return new Model(this.model.definition, weights);
  }

  dispose(): void {
    for (const t of this.drawn.values()) t.dispose();
    this.drawn.clear();
  }
}
