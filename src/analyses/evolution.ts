// An explanation at every block of the network from ONE forward and (for the gradient methods)
// ONE backward: all nodes are hooked in the same pass, so a grid of 17 blocks costs what one map
// costs. 'activation' is the channel mean of the forward activations: where the network responds,
// whatever the class.
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { argmax } from '../methods/classes.js';
import { assertFeatureMap, assertSingleImage } from '../methods/gradient-cams.js';
import { gradientCams } from '../methods/registry.js';
import { RecordedForward } from '../methods/recorded-forward.js';
import type { EvolutionNode } from './evolution-nodes.js';
import type { Map2d, MapStatus } from '../methods/types.js';

export type EvolutionMethod = 'gradcam' | 'layercam' | 'activation';
export const EVOLUTION_METHODS: readonly EvolutionMethod[] = ['gradcam', 'layercam', 'activation'];

export interface EvolutionMap extends EvolutionNode {
  /** gradcam/layercam: after the method's ReLU; activation: the signed channel mean. */
  map: Map2d;
  status: MapStatus;
  min: number;
  max: number;
}

export interface EvolutionResult {
  method: EvolutionMethod;
  /** The class explained (for 'activation': the top-1 class, reported only). */
  classIndex: number;
  logits: Float32Array;
  maps: EvolutionMap[];
  forwards: number;
  backwards: number;
}

export interface EvolutionRequest {
  method: EvolutionMethod;
  nodes: readonly EvolutionNode[];
  /** Default: the top-1 class of the image. */
  classIndex?: number;
}

function range(data: Float32Array): { min: number; max: number } {
  let min = Infinity,
    max = -Infinity;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { min, max };
}

/** Mean over channels at every position of an NHWC batch-1 tensor, in float64. */
export function channelMean(values: Float32Array, positions: number, channels: number): Float32Array {
  const out = new Float32Array(positions);
  for (let i = 0; i < positions; i++) {
    let s = 0;
    for (let k = 0; k < channels; k++) s += values[i * channels + k];
    out[i] = s / channels;
  }
  return out;
}

/** The activation map has no ReLU: its status only says whether it is flat. */
function activationStatus(data: Float32Array): MapStatus {
  const first = data[0];
  if (data.every((v) => v === first)) return first === 0 ? 'all-zero' : 'constant';
  return 'ok';
}

async function activationMaps(model: Model, input: Tensor, nodes: readonly EvolutionNode[], classIndex?: number): Promise<EvolutionResult> {
  const forward = RecordedForward.run(model, input, { keep: nodes.map((n) => n.target) });
  try {
    for (const n of nodes) assertFeatureMap('activation', n.target, forward.activation(n.target));
    const [logits, ...values] = await Promise.all([forward.logits.read(), ...nodes.map((n) => forward.activation(n.target).read())]);
    const maps = nodes.map((n, i): EvolutionMap => {
      const [, h, w, c] = forward.activation(n.target).shape;
      const data = channelMean(values[i], h * w, c);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RangeError(`activation at '${n.target}': the map holds ${data[bad]} at position ${bad}; it must be finite`);
      return { ...n, map: { height: h, width: w, data }, status: activationStatus(data), ...range(data) };
    });
    return { method: 'activation', classIndex: classIndex ?? argmax(logits), logits, maps, forwards: 1, backwards: 0 };
  } finally {
    forward.dispose();
  }
}

/** Maps at every requested node, in the order given, for one preprocessed image [1, H, W, C]. */
export async function evolution(model: Model, input: Tensor, request: EvolutionRequest): Promise<EvolutionResult> {
  const { method, nodes } = request;
  if (!EVOLUTION_METHODS.includes(method)) throw new Error(`unknown evolution method '${method}' (known: ${EVOLUTION_METHODS.join(', ')})`);
  if (nodes.length === 0) throw new Error('evolution: no nodes to show');
  assertSingleImage(`evolution ${method}`, input);
  if (method === 'activation') return activationMaps(model, input, nodes, request.classIndex);
  const r = await gradientCams(
    model,
    input,
    nodes.map((n) => n.target),
    method,
    request.classIndex,
  );
  const maps = nodes.map((n, i): EvolutionMap => {
    const m = r.maps[i];
    return { ...n, map: m.map, status: m.status, ...range(m.map.data) };
  });
  return { method, classIndex: r.classIndex, logits: r.logits, maps, forwards: 1, backwards: 1 };
}
