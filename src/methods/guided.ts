// Guided backprop (Springenberg et al. 2015) and Guided Grad-CAM (Selvaraju et al. 2017): the
// input gradient with every ReLU's backward replaced by the guided rule, through the engine's
// scoped backward override (no patched op).
import type { Tensor } from '../tensor/index.js';
import { upsampleMap } from '../image/index.js';
import type { Graph } from '../models/graph.js';
import type { Model } from '../models/model.js';
import { descriptorOf } from '../models/op-table.js';
import { gradcamPreRelu } from './cam-formulas.js';
import { argmax } from './classes.js';
import { assertFeatureMap, assertSingleImage, nodeValues } from './gradient-cams.js';
import { inputGradient, inputNodeName, maxSigned, overChannels } from './input-gradients.js';
import { rectify, type RectifiedMap } from './map-status.js';
import { readAndDispose, RecordedForward } from './recorded-forward.js';
import type { InputGradient, Map2d, MapStatus } from './types.js';

/** ReLU and ReLU6 (a clip from 0, recorded by the engine as 'relu6') get the guided rule; both are counted. */
export const GUIDED = { relu: 'guided', relu6: 'guided' } as const;

/**
 * The note for nonlinearities guided backprop leaves as they are (each op's descriptor says: ReLU
 * and ReLU6 are overridden, sigmoid, hard-swish, GELU… are not): names them, or undefined when there are none.
 */
export function keptActivationsNote(graph: Graph): string | undefined {
  const kept = graph.nodes.filter((n) => descriptorOf(n).guided(n) === 'kept');
  if (kept.length === 0) return undefined;
  const ops = [...new Set(kept.map((n) => n.op))].join(', ');
  const names =
    kept
      .slice(0, 3)
      .map((n) => `'${n.name}'`)
      .join(', ') + (kept.length > 3 ? `, … (${kept.length} in all)` : '');
  return `Guided backprop overrides ReLU and ReLU6 only; ${kept.length} other activation node(s) (${ops}: ${names}) keep their ordinary backward.`;
}

export interface GuidedResult {
  logits: Float32Array;
  classIndex: number;
  map: Map2d;
  /** The map before its ReLU. */
  signed: Map2d;
  status: MapStatus;
  inputGradient: InputGradient;
  overriddenRelus: number;
}

function gradientOf(input: Tensor, data: Float32Array): InputGradient {
  return { height: input.shape[1], width: input.shape[2], data };
}

/** Map = max over channels of ReLU(guided ∂y/∂x) = ReLU(max over channels), judged before that ReLU. */
export async function guidedBackprop(model: Model, input: Tensor, classIndex?: number): Promise<GuidedResult> {
  const pass = await inputGradient(model, input, classIndex, GUIDED);
  const [, height, width, channels] = input.shape;
  const { map, status, signed } = rectify(overChannels(pass.gradient, channels, maxSigned, -Infinity), 'guided backprop');
  return {
    logits: pass.logits,
    classIndex: pass.classIndex,
    map: { height, width, data: map },
    signed: { height, width, data: signed },
    status,
    inputGradient: gradientOf(input, pass.gradient),
    overriddenRelus: pass.overriddenRelus,
  };
}

/**
 * Grad-CAM at `node` (plain backward) upsampled to the input, times the guided-backprop map: one
 * forward and two backwards (the first also runs below the node, where the tape has no way to stop
 * early once the input is watched).
 */
export async function guidedGradcam(model: Model, input: Tensor, node: string, classIndex?: number): Promise<GuidedResult & { cam: RectifiedMap }> {
  assertSingleImage('guided-gradcam', input);
  const inputName = inputNodeName(model);
  const forward = RecordedForward.run(model, input, { watch: [node, inputName] });
  try {
    assertFeatureMap('guided-gradcam', node, forward.activation(node));
    const shape = forward.activation(node).shape;
    const logits = await forward.logits.read();
    const cls = classIndex ?? argmax(logits);
    const plain = forward.backward(cls);
    (plain.grads.get(inputName) as Tensor).dispose();
    const [nodeGradient] = await readAndDispose(plain.grads.get(node) as Tensor);
    const guided = forward.backward(cls, GUIDED);
    (guided.grads.get(node) as Tensor).dispose();
    const [gradient] = await readAndDispose(guided.grads.get(inputName) as Tensor);
    const activations = await forward.activation(node).read();

    const cam = rectify(gradcamPreRelu(nodeValues(shape, activations), nodeValues(shape, nodeGradient)), `Grad-CAM at '${node}'`);
    const [, height, width, channels] = input.shape;
    const camUp = upsampleMap(cam.map, shape[1], shape[2], width, height);
    const guidedMax = overChannels(gradient, channels, maxSigned, -Infinity);
    const product = guidedMax.map((v, p) => v * camUp[p]);
    const rectified = rectify(product, 'guided Grad-CAM');
    // A flat Grad-CAM makes the product flat too; say why in the CAM's own terms.
    const status = cam.status === 'all-zero' || cam.status === 'all-negative' ? cam.status : rectified.status;
    return {
      logits,
      classIndex: cls,
      map: { height, width, data: rectified.map },
      signed: { height, width, data: rectified.signed },
      status,
      inputGradient: gradientOf(input, gradient),
      overriddenRelus: guided.overriddenRelus,
      cam,
    };
  } finally {
    forward.dispose();
  }
}
