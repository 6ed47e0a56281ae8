// A model definition rebuilt from a weights file's metadata (no GPU): a native definition by name,
// or an imported graph stored as JSON with its own labels and preprocessing. Every problem is a
// WeightFileError naming the file, in one line.
import type { Shape } from '../tensor/index.js';
import { defineModel, type ModelDefinition } from './definition.js';
import { validateGraph, type Graph } from './graph.js';
import { NATIVE_MODELS } from './index.js';
import { validateWeightShapes, WeightError } from './parameters.js';
import { PREPROCESSING_MODES, type PreprocessingMode } from './preprocess.js';
import { automaticTarget } from './roles.js';
import { inferShapes } from './shapes.js';
import { WeightFileError } from './safetensors.js';
import type { WeightsMetadata } from './weights-format.js';

/** The last path component, by either separator (a page's file names have none; the CLI's are paths). */
const baseName = (file: string): string => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function parseGraph(file: string, text: string): Graph {
  let graph: unknown;
  try {
    graph = JSON.parse(text);
  } catch {
    throw new WeightFileError(file, `metadata 'architecture' is neither a known model (${Object.keys(NATIVE_MODELS).join(', ')}) nor a graph in JSON`);
  }
  if (typeof graph !== 'object' || graph === null || !Array.isArray((graph as Graph).nodes)) {
    throw new WeightFileError(file, `metadata 'architecture' is JSON but not a graph (no 'nodes' array)`);
  }
  try {
    validateGraph(graph as Graph);
    inferShapes(graph as Graph);
  } catch (e) {
    throw new WeightFileError(file, `the graph in its metadata is invalid: ${message(e)}`);
  }
  return graph as Graph;
}

function outputUnits(graph: Graph): number {
  const out = inferShapes(graph).get(graph.nodes[graph.nodes.length - 1].name) as Shape;
  return out.slice(1).reduce((a, b) => a * b, 1);
}

/** The definition a weights file describes. `name` defaults to the file name without extension. */
export function definitionFromMetadata(file: string, metadata: WeightsMetadata, name = baseName(file).replace(/\.safetensors$/i, '')): ModelDefinition {
  const preprocessing = metadata.preprocessing as PreprocessingMode;
  if (!PREPROCESSING_MODES.includes(preprocessing)) {
    throw new WeightFileError(file, `metadata 'preprocessing' is '${metadata.preprocessing}' (known: ${PREPROCESSING_MODES.join(', ')})`);
  }
  const native = Object.hasOwn(NATIVE_MODELS, metadata.architecture) ? NATIVE_MODELS[metadata.architecture]() : undefined;
  const graph = native ? native.graph : parseGraph(file, metadata.architecture);
  const units = outputUnits(graph);
  if (metadata.labels.length !== units) {
    throw new WeightFileError(file, `metadata has ${metadata.labels.length} labels but the model has ${units} outputs`);
  }
  const source = `${metadata.source}${metadata.sourceSha256 ? ` (sha256 ${metadata.sourceSha256.slice(0, 12)}…)` : ''}`;
  if (native) return { ...native, preprocessing, labels: metadata.labels, source: `${native.source}; weights from ${source}` };
  let defaultTarget: string;
  try {
    defaultTarget = automaticTarget(graph).node;
  } catch (e) {
    throw new WeightFileError(file, `the graph in its metadata has no node to explain: ${message(e)}`);
  }
  return defineModel({ name, graph, preprocessing, labels: metadata.labels, defaultTarget, source: `graph imported from ${source}` });
}

/** Checks parameter shapes against the graph before anything is uploaded; one line naming the file. */
export function checkWeightShapes(file: string, definition: ModelDefinition, shapes: ReadonlyMap<string, Shape>): void {
  try {
    validateWeightShapes(definition.graph, shapes, definition.name);
  } catch (e) {
    if (!(e instanceof WeightError)) throw e;
    const [firstProblem] = e.problems;
    const more = e.problems.length > 1 ? ` (and ${e.problems.length - 1} more)` : '';
    throw new WeightFileError(file, `weights do not match the architecture '${definition.name}': ${firstProblem}${more}`);
  }
}
