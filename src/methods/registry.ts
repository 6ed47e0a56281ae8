// THE list of explanation methods: one entry each (method-entry.ts says what an entry holds).
// explain, computeLowres, the layer choice, the metrics and the CLI all read it, so a new method
// is one entry in cam-entries.ts or input-entries.ts and nothing else.
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { CAM_METHODS } from './cam-entries.js';
import { RENDERING } from './conventions.js';
import { nodeCams, type GradientCamResult } from './gradient-cams.js';
import { INPUT_METHODS } from './input-entries.js';
import type { GradientCamEntry, MethodCost, MethodEntry } from './method-entry.js';
import type { Conventions, MethodDetails } from './types.js';

export const METHODS = { ...CAM_METHODS, ...INPUT_METHODS };

export type MethodName = keyof typeof METHODS;

/** The methods computed from one gradient at the node (any number of them at any number of nodes from one backward). */
export type GradientCamMethod = { [K in MethodName]: (typeof METHODS)[K] extends GradientCamEntry ? K : never }[MethodName];

/** Every method, in the registry's order (the CLI's order). */
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export function methodEntry(method: MethodName): MethodEntry {
  return METHODS[method];
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

export function assertMethod(method: string): asserts method is MethodName {
  if (!isMethodName(method)) throw new Error(`unknown method '${method}' (known: ${METHOD_NAMES.join(', ')})`);
}

export function isGradientCam(method: MethodName): method is GradientCamMethod {
  return METHODS[method].kind === 'gradient-cam';
}

export const GRADIENT_CAM_METHODS: readonly GradientCamMethod[] = METHOD_NAMES.filter(isGradientCam);

/** Whether the method hooks a layer; the others explain the input pixels directly. */
export function usesLayer(method: MethodName): boolean {
  return METHODS[method].usesLayer;
}

/** The methods of one cost class, in the registry's order. */
export function methodsOfCost(cost: MethodCost): readonly MethodName[] {
  return METHOD_NAMES.filter((m) => METHODS[m].cost === cost);
}

/** The sidecar's conventions: the method's own, then the rendering conventions every method shares. */
export function conventionsFor(method: MethodName, details: MethodDetails = {}): Conventions {
  return { method, ...METHODS[method].conventions(details), ...RENDERING };
}

/**
 * Each named gradient CAM's map at each node for `classIndex` (default: top-1), node-major, from
 * ONE forward and ONE backward. Targets are node names or 'node:input' forms; unknown ones throw
 * UnknownNodeError before any work is queued.
 */
export function gradientCams<N extends GradientCamMethod>(
  model: Model,
  input: Tensor,
  nodes: readonly string[],
  methods: N | readonly N[],
  classIndex?: number,
): Promise<GradientCamResult<N>> {
  const list = typeof methods === 'string' ? [methods] : methods;
  const formulas = list.map((name) => ({ name, formula: (METHODS[name] as GradientCamEntry).formula }));
  return nodeCams(model, input, nodes, formulas, classIndex);
}
