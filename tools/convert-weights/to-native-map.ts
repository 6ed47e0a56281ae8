// Keras layer weights → the parameters of a graph (`<node>/<kind>`), every shape checked. Keras layer
// names are node names; the few names that differ between Keras releases are translated (see
// `nativeLayerName`). Problems fail in one line: a file for another architecture names the missing and
// unexpected layers and the architecture the file seems to hold; a shape mismatch names the layer,
// the weight and both shapes.
import { fmt } from '../../src/tensor/shape.js';
import type { Graph } from '../../src/models/graph.js';
import { NATIVE_MODELS } from '../../src/models/index.js';
import { parameterSpecs, type ParameterSpec } from '../../src/models/shapes.js';
import { WeightFileError, type NamedTensor } from '../../src/models/safetensors.js';
import type { LayerWeight, LayerWeights } from './layer-weights.js';
import { normalizationVariance } from './keras-topology-layers.js';

/**
 * Layer names a published file uses for a node the native definition names otherwise:
 * keras-applications' resnet_common.py (which made resnet50v2_weights_tf_dim_ordering_tf_kernels.h5)
 * calls the classifier 'probs', tf.keras' resnet.py calls it 'predictions'.
 */
const ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  resnet50v2: { probs: 'predictions' },
};

/**
 * Keras ≤ 2.2 numbers unnamed layers from 1 (`conv2d_1`, `conv2d_2`, …: the native InceptionV3 names),
 * tf.keras ≥ 2.3 from 0 with the first one bare (`conv2d`, `conv2d_1`, …). When a file has a bare
 * `<prefix>` layer that the graph lacks while the graph has `<prefix>_1`, that prefix is shifted by one.
 */
function numberingShifts(fileLayers: ReadonlySet<string>, graphLayers: ReadonlySet<string>): Set<string> {
  const shifted = new Set<string>();
  for (const name of fileLayers) {
    if (/_\d+$/.test(name) || graphLayers.has(name)) continue;
    if (graphLayers.has(`${name}_1`)) shifted.add(name);
  }
  return shifted;
}

/** The node name a file's layer maps to when loading onto the native definition `arch`. */
export function nativeLayerNames(arch: string | undefined, fileLayers: readonly string[], graphLayers: ReadonlySet<string>): Map<string, string> {
  const aliases = (arch && ALIASES[arch]) || {};
  const renamed = fileLayers.map((n) => aliases[n] ?? n);
  const shifts = numberingShifts(new Set(renamed), graphLayers);
  const out = new Map<string, string>();
  fileLayers.forEach((original, i) => {
    const name = renamed[i];
    const m = /^(.*)_(\d+)$/.exec(name);
    if (shifts.has(name)) out.set(original, `${name}_1`);
    else if (m && shifts.has(m[1])) out.set(original, `${m[1]}_${Number(m[2]) + 1}`);
    else out.set(original, name);
  });
  return out;
}

/** Node name → its parameter specs, for nodes that have parameters. */
function weightedNodes(graph: Graph): Map<string, ParameterSpec[]> {
  const out = new Map<string, ParameterSpec[]>();
  // Constant nodes hold values the importer made (a Rescaling's scale), not weights of the file.
  const constants = new Set(graph.nodes.filter((n) => n.op === 'constant').map((n) => n.name));
  for (const spec of parameterSpecs(graph)) {
    if (constants.has(spec.node)) continue;
    if (!out.has(spec.node)) out.set(spec.node, []);
    out.get(spec.node)?.push(spec);
  }
  return out;
}

function first(names: readonly string[], shown = 3): string {
  return names.length > shown ? `${names.slice(0, shown).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

/** A phrase naming the native architecture whose weighted layers match `fileLayers` best. */
export function guessArchitecture(fileLayers: readonly string[]): string {
  let best: { name: string; match: number; total: number; exact: boolean; score: number } | undefined;
  for (const [name, make] of Object.entries(NATIVE_MODELS)) {
    const nodes = new Set(weightedNodes(make().graph).keys());
    const mapped = new Set(nativeLayerNames(name, fileLayers, nodes).values());
    const match = [...mapped].filter((n) => nodes.has(n)).length;
    const exact = match === nodes.size && mapped.size === nodes.size;
    const score = match / (nodes.size + mapped.size - match);
    if (!best || score > best.score) best = { name, match, total: nodes.size, exact, score };
  }
  if (best?.exact) return `the file looks like ${best.name} weights (use --arch ${best.name})`;
  if (best && best.match > best.total / 2) return `the file is closest to ${best.name} (${best.match} of its ${best.total} weighted layers found)`;
  return `the file matches none of the built-in architectures (${Object.keys(NATIVE_MODELS).join(', ')})`;
}

/** True when every missing layer is a dense layer: a file saved without the classifier ('notop'). */
function onlyHeadMissing(graph: Graph, missing: readonly string[]): boolean {
  const dense = new Set(graph.nodes.filter((n) => n.op === 'dense').map((n) => n.name));
  return missing.length > 0 && missing.every((n) => dense.has(n));
}

export interface MapOptions {
  /** Native architecture name: enables its aliases and the Keras numbering shift. */
  readonly arch?: string;
  /** How to call the graph in messages ('resnet50v2', 'the imported topology'). */
  readonly what: string;
  /** Layer → the node holding its weights, where the two differ (an imported layer's `<layer>/linear`). */
  readonly weightNodes?: ReadonlyMap<string, string>;
}

/**
 * The graph's parameters, in graph order, taken from the layers' weights. Every expected weight
 * must be there with its exact shape and nothing may be left over.
 */
/**
 * Keras layers whose weights belong to graph nodes under other names or shapes: a DepthwiseConv2D's
 * depthwise_kernel [KH, KW, C, M] is its node's grouped kernel [KH, KW, 1, C·M] (the same memory); a
 * SeparableConv2D is two nodes, '<layer>/depthwise' (that kernel) and '<layer>' (pointwise_kernel, bias).
 */
function asGraphLayers(layers: readonly LayerWeights[]): LayerWeights[] {
  const grouped = (w: LayerWeight): LayerWeight => {
    const [kh, kw, c, m] = w.shape;
    return { ...w, name: 'kernel', shape: w.shape.length === 4 ? [kh, kw, 1, c * m] : w.shape };
  };
  return layers.flatMap((l): LayerWeights[] => {
    if (l.className === 'Normalization') return [normalizationAsBatchnorm(l)];
    if (l.className === 'DepthwiseConv2D') return [{ ...l, weights: l.weights.map((w) => (w.name === 'depthwise_kernel' ? grouped(w) : w)) }];
    if (l.className !== 'SeparableConv2D') return [l];
    const depthwise = l.weights.filter((w) => w.name === 'depthwise_kernel').map(grouped);
    const rest = l.weights.filter((w) => w.name !== 'depthwise_kernel').map((w) => (w.name === 'pointwise_kernel' ? { ...w, name: 'kernel' } : w));
    return [
      { ...l, layer: `${l.layer}/depthwise`, weights: depthwise },
      { ...l, weights: rest },
    ];
  });
}

/**
 * A Keras Normalization layer's adapted statistics as its batch norm node's (keras-topology-layers.ts): mean and
 * the variance floored so that sqrt(v + 0) = max(sqrt(variance), ε), both flattened to one value per channel (older
 * Keras kept them in the broadcast shape [1, 1, 1, C]); `count` only matters to adapt() and is dropped.
 */
function normalizationAsBatchnorm(l: LayerWeights): LayerWeights {
  const flat = (w: LayerWeight, name: string, data = w.data): LayerWeight => ({ ...w, name, shape: [data.length], data });
  const weights = l.weights.flatMap((w): LayerWeight[] => {
    if (w.name === 'mean') return [flat(w, 'moving_mean')];
    if (w.name === 'variance') return [flat(w, 'moving_variance', w.data.map(normalizationVariance))];
    return w.name === 'count' ? [] : [w];
  });
  return { ...l, weights };
}

export function mapLayerWeights(file: string, fileLayers: readonly LayerWeights[], graph: Graph, options: MapOptions): Map<string, NamedTensor> {
  const layers = asGraphLayers(fileLayers);
  const expected = weightedNodes(graph);
  const graphLayers = new Set(expected.keys());
  const withWeights = layers.filter((l) => l.weights.length > 0);
  const names =
    options.arch !== undefined
      ? nativeLayerNames(
          options.arch,
          withWeights.map((l) => l.layer),
          graphLayers,
        )
      : new Map(withWeights.map((l) => [l.layer, options.weightNodes?.get(l.layer) ?? l.layer]));
  const byNode = new Map<string, LayerWeights>();
  for (const l of withWeights) {
    const node = names.get(l.layer) as string;
    if (byNode.has(node)) throw new WeightFileError(file, `two layers of the file map to node '${node}' (${byNode.get(node)?.layer}, ${l.layer})`);
    byNode.set(node, l);
  }
  const missing = [...graphLayers].filter((n) => !byNode.has(n));
  const unexpected = [...byNode.keys()].filter((n) => !graphLayers.has(n)).map((n) => byNode.get(n)?.layer as string);
  if (missing.length > 0 || unexpected.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`${missing.length} layer(s) missing (${first(missing)})`);
    if (unexpected.length > 0) parts.push(`${unexpected.length} unexpected layer(s) (${first(unexpected)})`);
    const hint =
      onlyHeadMissing(graph, missing) && unexpected.length === 0
        ? 'the file has no classifier head (include_top=False "notop" weights?)'
        : guessArchitecture(withWeights.map((l) => l.layer));
    throw new WeightFileError(file, `does not hold ${options.what} weights: ${parts.join(', ')}; ${hint}`);
  }

  const problems: string[] = [];
  const params = new Map<string, NamedTensor>();
  for (const [node, specs] of expected) {
    const layer = byNode.get(node) as LayerWeights;
    const label = layer.layer === node ? `layer '${node}'` : `layer '${layer.layer}' (node '${node}')`;
    const given = new Map(layer.weights.map((w) => [w.name, w]));
    for (const spec of specs) {
      const w = given.get(spec.kind);
      given.delete(spec.kind);
      if (!w) problems.push(`${label} has no ${spec.kind} (expected shape ${fmt(spec.shape)}; it has ${layer.weights.map((x) => x.name).join(', ')})`);
      else if (w.shape.length !== spec.shape.length || w.shape.some((d, i) => d !== spec.shape[i])) {
        problems.push(`${label} ${spec.kind}: expected shape ${fmt(spec.shape)}, the file has ${fmt(w.shape)}`);
      } else params.set(spec.name, { shape: spec.shape, data: w.data });
    }
    for (const extra of given.values()) problems.push(`${label} has an unexpected weight '${extra.storedName}' ${fmt(extra.shape)}`);
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    throw new WeightFileError(file, `weights do not fit ${options.what}: ${problems[0]}${more}`);
  }
  return params;
}
