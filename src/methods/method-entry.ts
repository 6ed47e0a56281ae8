// What one explanation method is, in one record: how its map is made (kind), whether it hooks a
// layer, what it costs, what it computes exactly (conventions) and how (compute). The registry
// (registry.ts) lists one such entry per method; explain, the metrics and the CLI read only that.
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import type { NodeValues } from './cam-formulas.js';
import type { Conventions, LowresResult, MethodDetails, MethodOptions, MethodRequest } from './types.js';

/**
 * - gradient-cam: combines a node's activations and ONE gradient there, so any number of these
 *   methods at any number of nodes share one forward and one backward (gradientCams);
 * - activation-cam: another map at the node's resolution (Eigen-CAM, Score-CAM);
 * - input-space: a map at the input resolution, from gradients at the input.
 */
export type MethodKind = 'gradient-cam' | 'activation-cam' | 'input-space';

/** fast: one forward and at most one backward per image; slow: more (batches of masked, noisy or path inputs; guided Grad-CAM's two backwards). */
export type MethodCost = 'fast' | 'slow';

export interface MethodEntry {
  readonly kind: MethodKind;
  /** Whether the method hooks a layer (the CAMs and guided Grad-CAM); the others explain the input directly. */
  readonly usesLayer: boolean;
  readonly cost: MethodCost;
  /** The method options it reads (the CLI warns about the others). */
  readonly reads: readonly (keyof MethodOptions)[];
  /** What the method computed, stated exactly, for the JSON sidecar (the shared rendering conventions are added by conventionsFor). */
  conventions(details: MethodDetails): Conventions;
  /** The map for one preprocessed input [1, H, W, C]; every tensor made is released before it returns. */
  compute(model: Model, input: Tensor, request: MethodRequest): Promise<LowresResult>;
}

/** The map before its final ReLU, one value per position, from activations A and gradients G = ∂y/∂A. */
export type CamFormula = (a: NodeValues, g: NodeValues) => Float64Array;

export interface GradientCamEntry extends MethodEntry {
  readonly kind: 'gradient-cam';
  readonly formula: CamFormula;
}

export function requireNode(request: MethodRequest): string {
  if (request.node === undefined) throw new Error(`${request.method} needs a target node`);
  return request.node;
}
