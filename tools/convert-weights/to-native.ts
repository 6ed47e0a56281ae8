// A third-party weight file → a native gradscope weights file. With an architecture name the file's
// layer weights are mapped onto that native definition; without one the file's own topology (Keras
// model config of a TF.js layers model or a full-model .h5, or an ONNX graph) is imported as a graph
// and stored, as JSON, in the file's metadata. Every problem with the input is a WeightFileError: one
// line that names the file. Nothing is written unless everything checked out (and then atomically).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Graph } from '../../src/models/graph.js';
import { NATIVE_MODELS, nativeModel } from '../../src/models/index.js';
import { PREPROCESSING_MODES, type PreprocessingMode } from '../../src/models/preprocess.js';
import { inferShapes } from '../../src/models/shapes.js';
import { WeightFileError, type NamedTensor } from '../../src/models/safetensors.js';
import { sha256OfFile, writeWeightsFile, type WeightsMetadata } from '../../src/models/weights-file.js';
import { KERAS_IMAGENET_WEIGHTS, md5OfFile, type KerasZooName } from './fetch.js';
import { importKeras } from './keras-import.js';
import { importOnnx } from './onnx-import.js';
import type { OnnxModel } from './onnx.js';
import { readWeightSource, type WeightSource } from './read-source.js';
import type { TfjsGraphContents } from './tfjs-graph.js';
import { mapLayerWeights } from './to-native-map.js';
import { knownSource, placeholderLabels, readLabelsFile, UNKNOWN_LICENCE, weightsFingerprint, ZOO_LICENCES, type KnownSource } from './to-native-metadata.js';

export interface ConvertOptions {
  /** A Keras .h5, a TF.js model.json (or its directory), or an .onnx file. */
  readonly input: string;
  /** The .safetensors file to write. */
  readonly out: string;
  /** A native definition name (resnet50v2, vgg16, inceptionv3, nsfwjs-inceptionv3). */
  readonly arch?: string;
  readonly preprocess?: string;
  /** A labels file: one label per line, or a JSON array. */
  readonly labels?: string;
  /** Licence text to record instead of the documented or unknown one. */
  readonly licence?: string;
  /** Imported models whose height and width are left open (ONNX symbolic dims, Keras None): the size to import them at. */
  readonly inputSize?: { height: number; width: number };
}

export interface ConversionResult {
  readonly out: string;
  readonly metadata: WeightsMetadata;
  /** 'vgg16', or 'imported graph' for a topology taken from the file. */
  readonly architecture: string;
  readonly graph: Graph;
  readonly parameterCount: number;
  /** Lines for the user: where preprocessing, labels and licence came from, what was dropped. */
  readonly notes: string[];
}

/** A problem with the command line rather than with a file. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The sources whose weights are Keras layers (mapped by layer name). */
type KerasSource = Extract<WeightSource, { kind: 'keras-h5' | 'keras-archive' | 'tfjs-layers' }>;

interface Mapped {
  readonly architecture: string;
  readonly graph: Graph;
  readonly params: Map<string, NamedTensor>;
  readonly preprocessing?: PreprocessingMode;
  readonly preprocessingWhy?: string;
  readonly labels?: readonly string[];
  readonly licence?: string;
  readonly extra: Record<string, string>;
  readonly notes: string[];
}

function checkOptions(o: ConvertOptions): void {
  if (o.arch !== undefined && !Object.hasOwn(NATIVE_MODELS, o.arch)) {
    throw new UsageError(`unknown --arch '${o.arch}' (known: ${Object.keys(NATIVE_MODELS).join(', ')})`);
  }
  if (o.preprocess !== undefined && !(PREPROCESSING_MODES as readonly string[]).includes(o.preprocess)) {
    throw new UsageError(`unknown --preprocess '${o.preprocess}' (known: ${PREPROCESSING_MODES.join(', ')})`);
  }
}

function _message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Onto a native definition, by Keras layer name. */
function ontoNative(input: string, source: KerasSource, arch: string): Mapped {
  const def = nativeModel(arch);
  const params = mapLayerWeights(input, source.contents.layers, def.graph, { arch, what: arch });
  const official =
    Object.hasOwn(KERAS_IMAGENET_WEIGHTS, arch) && statSync(input).isFile() && md5OfFile(input) === KERAS_IMAGENET_WEIGHTS[arch as KerasZooName].md5;
  const known = knownSource(weightsFingerprint(params));
  const notes: string[] = [];
  let licence: string | undefined;
  if (official) {
    licence = ZOO_LICENCES[arch];
    notes.push(`the input is the official Keras ${arch} file (md5 ${KERAS_IMAGENET_WEIGHTS[arch as KerasZooName].md5})`);
  } else if (known) {
    licence = known.licence;
    notes.push(`recognised the weights of ${known.description}`);
  }
  return {
    architecture: arch,
    graph: def.graph,
    params,
    preprocessing: def.preprocessing,
    preprocessingWhy: `the ${arch} definition's default`,
    labels: def.labels,
    licence,
    extra: known ? { knownSource: known.description } : {},
    notes,
  };
}

/** The graph output's unit count (labels must match it). */
function outputUnits(graph: Graph): number {
  const shapes = inferShapes(graph);
  const out = shapes.get(graph.nodes[graph.nodes.length - 1].name) ?? [];
  return out.length === 2 ? out[1] : out.slice(1).reduce((a, b) => a * b, 1);
}

function fromKnown(known: KnownSource | undefined, graph: Graph, params: Map<string, NamedTensor>, extra: Record<string, string>, notes: string[]): Mapped {
  if (known) notes.push(`recognised the weights of ${known.description}`);
  return {
    architecture: JSON.stringify(graph),
    graph,
    params,
    preprocessing: known?.preprocessing,
    preprocessingWhy: known ? `known source: ${known.preprocessingEvidence}` : undefined,
    labels: known?.labels,
    licence: known?.licence,
    extra: known ? { ...extra, knownSource: known.description } : extra,
    notes,
  };
}

/** The file's own Keras topology (keras-import.ts, shared with the page), then known-source recognition. */
function importedKeras(input: string, source: KerasSource, inputSize: ConvertOptions['inputSize']): Mapped {
  const r = importKeras(input, source.contents, inputSize);
  return fromKnown(knownSource(weightsFingerprint(r.params)), r.graph, r.params, r.extra, r.notes);
}

/** An ONNX graph through the importer (onnx-import.ts, shared with the page), then known-source recognition. */
async function importedOnnx(input: string, model: OnnxModel, inputSize: ConvertOptions['inputSize']): Promise<Mapped> {
  const r = await importOnnx(input, model, inputSize);
  return fromKnown(knownSource(weightsFingerprint(r.params)), r.graph, r.params, r.extra, r.notes);
}

/** A TF.js graph model (importer in tfjs-graph-import.ts). */
async function importedTfjsGraph(input: string, contents: TfjsGraphContents, inputSize: ConvertOptions['inputSize']): Promise<Mapped> {
  const { importTfjsGraph, TfjsImportError } = await import('./tfjs-graph-import.js');
  let imported: ReturnType<typeof importTfjsGraph>;
  try {
    imported = importTfjsGraph(contents, inputSize ? { inputSize } : {});
  } catch (e) {
    if (e instanceof TfjsImportError) throw new WeightFileError(input, `cannot import the TF.js graph: ${e.message}`);
    throw e;
  }
  const extra: Record<string, string> = { tfjsInput: imported.input, tfjsOutput: imported.output };
  const notes: string[] = [];
  if (imported.droppedSoftmax) {
    extra.outputActivation = `the softmax of node '${imported.droppedSoftmax}' was dropped: the output is logits`;
    notes.push(`dropped the final softmax '${imported.droppedSoftmax}': the graph outputs logits`);
  }
  return fromKnown(knownSource(weightsFingerprint(imported.params)), imported.graph, imported.params, extra, notes);
}

/** The file whose bytes identify the source: model.json for a TF.js directory. */
function identifyingFile(input: string): string {
  return existsSync(input) && statSync(input).isDirectory() ? join(input, 'model.json') : input;
}

export async function convertWeights(options: ConvertOptions): Promise<ConversionResult> {
  checkOptions(options);
  const { input } = options;
  const source = await readWeightSource(input);
  let mapped: Mapped;
  if (source.kind === 'onnx' || source.kind === 'tfjs-graph') {
    const what = source.kind === 'onnx' ? 'an ONNX file' : 'a TF.js graph model';
    if (options.arch !== undefined)
      throw new WeightFileError(input, `--arch maps Keras layer weights; ${what} is imported with its own graph (leave --arch out)`);
    mapped =
      source.kind === 'onnx'
        ? await importedOnnx(input, source.contents, options.inputSize)
        : await importedTfjsGraph(input, source.contents, options.inputSize);
  } else {
    mapped = options.arch !== undefined ? ontoNative(input, source, options.arch) : importedKeras(input, source, options.inputSize);
  }

  const notes = [...mapped.notes];
  const extra: Record<string, string> = { converter: 'gradscope tools/convert-weights', sourceFormat: source.kind, ...mapped.extra };
  let preprocessing: PreprocessingMode;
  if (options.preprocess !== undefined) {
    preprocessing = options.preprocess as PreprocessingMode;
    extra.preprocessingSource = '--preprocess';
  } else if (mapped.preprocessing !== undefined) {
    preprocessing = mapped.preprocessing;
    extra.preprocessingSource = mapped.preprocessingWhy ?? '';
  } else {
    throw new WeightFileError(input, `the file does not say how its inputs were scaled: pass --preprocess (${PREPROCESSING_MODES.join(', ')})`);
  }
  notes.push(`preprocessing '${preprocessing}' (from ${extra.preprocessingSource})`);

  const units = outputUnits(mapped.graph);
  let labels: readonly string[];
  if (options.labels !== undefined) {
    labels = readLabelsFile(options.labels);
    if (labels.length !== units) throw new WeightFileError(options.labels, `has ${labels.length} labels but the model has ${units} outputs`);
    extra.labelsSource = basename(options.labels);
  } else if (mapped.labels !== undefined && mapped.labels.length === units) {
    labels = mapped.labels;
    extra.labelsSource = mapped.architecture === JSON.stringify(mapped.graph) ? 'known source' : `the ${mapped.architecture} definition`;
  } else {
    labels = placeholderLabels(units);
    extra.labelsSource = 'none given: placeholders "class N"';
    notes.push(`no labels: the ${units} outputs are called "class 0" … "class ${units - 1}" (pass --labels to name them)`);
  }

  const licence = options.licence ?? mapped.licence ?? UNKNOWN_LICENCE;
  notes.push(`licence: ${licence}`);
  const sourceFile = identifyingFile(input);
  const metadata: WeightsMetadata = {
    architecture: mapped.architecture,
    source: basename(input) === 'model.json' || sourceFile !== input ? `${basename(dirname(sourceFile))}/model.json` : basename(input),
    sourceSha256: sha256OfFile(sourceFile),
    preprocessing,
    labels,
    licence,
    extra,
  };
  mkdirSync(dirname(options.out) || '.', { recursive: true });
  writeWeightsFile(options.out, mapped.params, metadata);
  let parameterCount = 0;
  for (const p of mapped.params.values()) parameterCount += p.data.length;
  return {
    out: options.out,
    metadata,
    architecture: mapped.architecture === JSON.stringify(mapped.graph) ? 'imported graph' : mapped.architecture,
    graph: mapped.graph,
    parameterCount,
    notes,
  };
}
