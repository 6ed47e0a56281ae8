// What a model is without its weights: the graph plus everything needed to feed it and read it.
import type { Graph } from './graph.js';
import type { PreprocessingMode } from './preprocess.js';
import { inputNode } from './shapes.js';

export interface ModelDefinition {
  /** Registry name, e.g. 'resnet50v2'. */
  name: string;
  graph: Graph;
  /** Native input size (the input node's); other sizes run but change the spatial sizes. */
  inputSize: { height: number; width: number };
  preprocessing: PreprocessingMode;
  /** Class names in logit order. */
  labels: readonly string[];
  /** The node Grad-CAM explains when the user names none (automaticTarget's choice for native nets). */
  defaultTarget: string;
  /** Where the topology comes from, for summaries and weight-file metadata. */
  source: string;
}

/** Builds a definition, checking that the sizes agree with the graph. */
export function defineModel(d: Omit<ModelDefinition, 'inputSize'>): ModelDefinition {
  const { attrs } = inputNode(d.graph);
  if (!d.graph.nodes.some((n) => n.name === d.defaultTarget)) throw new Error(`model ${d.name}: default target '${d.defaultTarget}' is not a node`);
  return { ...d, inputSize: { height: attrs.height, width: attrs.width } };
}
