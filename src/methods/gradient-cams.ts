// Grad-CAM and its gradient-weighted relatives at any number of nodes from ONE forward and ONE
// backward: the nodes are watched, so the tape records only the ops after the shallowest of them,
// weights get no gradients and backward stops there (an evolution grid of 16 blocks costs the same
// backward as one map).
import { fmt, ShapeError, type Shape, type Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import type { NodeValues } from './cam-formulas.js';
import { argmax } from './classes.js';
import { rectify } from './map-status.js';
import { readAndDispose, RecordedForward } from './recorded-forward.js';
import type { CamFormula } from './method-entry.js';
import type { Map2d, MapStatus } from './types.js';

/** A gradient CAM by name (the registry's gradient-cam entries; tests may pass their own). */
export interface NamedCamFormula<N extends string = string> {
  name: N;
  formula: CamFormula;
}

export interface NodeMap<N extends string = string> {
  node: string;
  method: N;
  /** NHWC shape of the node's tensor. */
  shape: Shape;
  /** After the method's ReLU. */
  map: Map2d;
  /** Before it. */
  signed: Map2d;
  status: MapStatus;
}

export interface GradientCamResult<N extends string = string> {
  classIndex: number;
  /** Logits of the input (batch 1). */
  logits: Float32Array;
  maps: NodeMap<N>[];
}

/** Throws unless t is one NHWC feature map (batch 1). */
export function assertFeatureMap(method: string, target: string, t: Tensor): void {
  if (t.rank !== 4 || t.shape[0] !== 1) {
    throw new ShapeError(method, `a 4-D NHWC feature map of batch 1 at '${target}'`, `'${target}' of shape ${fmt(t.shape)}`);
  }
}

export function assertSingleImage(method: string, input: Tensor): void {
  if (input.rank !== 4 || input.shape[0] !== 1) throw new ShapeError(method, 'one NHWC input image [1, H, W, C]', fmt(input.shape));
}

export function nodeValues(shape: Shape, data: Float32Array): NodeValues {
  return { positions: shape[1] * shape[2], channels: shape[3], data };
}

/**
 * Each method's map at each node for `classIndex` (default: top-1), node-major. Targets are node
 * names or 'node:input' forms; unknown ones throw UnknownNodeError before any work is queued.
 */
export async function nodeCams<N extends string>(
  model: Model,
  input: Tensor,
  nodes: readonly string[],
  list: readonly NamedCamFormula<N>[],
  classIndex?: number,
): Promise<GradientCamResult<N>> {
  const method = list.map((m) => m.name).join('/');
  assertSingleImage(method, input);
  const forward = RecordedForward.run(model, input, { watch: nodes });
  try {
    for (const node of nodes) assertFeatureMap(method, node, forward.activation(node));
    const logits = await forward.logits.read();
    const cls = classIndex ?? argmax(logits);
    const { grads } = forward.backward(cls);
    const gradients = await readAndDispose(...nodes.map((n) => grads.get(n) as Tensor));
    const activations = await Promise.all(nodes.map((n) => forward.activation(n).read()));
    const maps = nodes.flatMap((node, i) =>
      list.map((m): NodeMap<N> => {
        const shape = forward.activation(node).shape;
        const pre = m.formula(nodeValues(shape, activations[i]), nodeValues(shape, gradients[i]));
        const { map, status, signed } = rectify(pre, `${m.name} at '${node}'`);
        const size = { height: shape[1], width: shape[2] };
        return { node, method: m.name, shape, map: { ...size, data: map }, signed: { ...size, data: signed }, status };
      }),
    );
    return { classIndex: cls, logits, maps };
  } finally {
    forward.dispose();
  }
}
