// One entry for every method: model + input tensor + node + class → the low-resolution map, before
// upsampling and normalisation. explain() builds on it; tests call it directly with their own inputs.
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { assertSingleImage } from './gradient-cams.js';
import { assertMethod, methodEntry } from './registry.js';
import type { LowresRequest, LowresResult } from './types.js';

/**
 * Computes the method's map for one input image ([1, H, W, C], already preprocessed). Every
 * tensor made here is released before it returns; the input is left as given.
 */
export async function computeLowres(model: Model, input: Tensor, request: LowresRequest): Promise<LowresResult> {
  assertMethod(request.method);
  assertSingleImage(request.method, input);
  return methodEntry(request.method).compute(model, input, request);
}
