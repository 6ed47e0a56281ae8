// The JSON written next to every picture: what was explained, how, and the numbers behind it.
import { DEFAULT_ALPHA, DEFAULT_COLORMAP } from './render.js';
import type { Explanation, RenderOptions } from './types.js';

const round = (v: number) => Number(v.toPrecision(7));

/** Pretty-printed JSON of the explanation; the rendering options, when given, join the conventions. */
export function sidecarJson(expl: Explanation, rendering?: RenderOptions): string {
  const { lowres } = expl;
  // Always in full, input-resolution maps (saliency, IG, …) included: the numbers are the result.
  const map = { height: lowres.height, width: lowres.width, data: Array.from(lowres.data, round) };
  const conventions = rendering
    ? { ...expl.conventions, colormap: rendering.colormap ?? DEFAULT_COLORMAP, overlayAlpha: rendering.alpha ?? DEFAULT_ALPHA }
    : expl.conventions;
  const doc = {
    model: expl.model,
    method: expl.method,
    node: expl.node,
    nodeRole: expl.nodeRole,
    nodeShape: expl.nodeShape,
    layerChoice: expl.layerChoice,
    class: expl.class,
    label: expl.label,
    logit: expl.logit,
    probability: expl.probability,
    topk: expl.topk,
    status: expl.status,
    statusMessage: expl.statusMessage,
    min: expl.min,
    max: expl.max,
    lowres: map,
    overriddenRelus: expl.overriddenRelus,
    completeness: expl.completeness,
    notes: expl.notes,
    inputSize: expl.inputSize,
    elapsedMs: round(expl.elapsedMs),
    conventions,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
