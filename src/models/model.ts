// A model: a definition with its weights bound (shapes checked once, here).
import { keep, type Tensor } from '../tensor/index.js';
import type { ModelDefinition } from './definition.js';
import type { Graph } from './graph.js';
import { runGraph, type RunHooks, type RunOptions, type RunResult } from './execute.js';
import { bindWeights, type WeightSet } from './parameters.js';
import { preprocessToTensor } from './preprocess.js';
import { summarize, type SummaryRow } from './summary.js';
import type { InputSize } from './shapes.js';

export class Model {
  /** Parameters by name; the model owns them (dispose() releases them). */
  readonly parameters: ReadonlyMap<string, Tensor>;

  /** Throws a WeightError naming every missing, misshapen or unexpected parameter. */
  constructor(
    readonly definition: ModelDefinition,
    weights: WeightSet,
  ) {
    const map = bindWeights(definition.graph, weights, `model ${definition.name}`);
    for (const t of map.values()) keep(t);
    this.parameters = map;
  }

  get name(): string {
    return this.definition.name;
  }

  get graph(): Graph {
    return this.definition.graph;
  }

  /** The NHWC input for RGB uint8 HWC pixels at the model's input size. */
  preprocess(pixels: ArrayLike<number>): Tensor {
    const { height, width } = this.definition.inputSize;
    return preprocessToTensor(this.definition.preprocessing, pixels, height, width);
  }

  /** Forward pass: logits plus the hooked tensors (see RunHooks). */
  run(input: Tensor, hooks?: RunHooks, options?: RunOptions): RunResult {
    return runGraph(this.definition.graph, this.parameters, input, hooks, options);
  }

  summary(size?: InputSize): SummaryRow[] {
    return summarize(this.definition.graph, size);
  }

  dispose(): void {
    for (const t of this.parameters.values()) t.dispose();
  }
}
