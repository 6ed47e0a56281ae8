// The phrases the methods' conventions share (each method states its own in its registry entry),
// and the rendering conventions common to every method (DESIGN.md, "Conventions").
import type { Conventions } from './types.js';

export const LOGIT = 'pre-softmax logit of the class (backward seed = one-hot of the class on the logits, never the softmax)';
export const NO_WEIGHT_GRADIENTS = 'one forward; gradients only at the hooked node, none for the weights';

export const RENDERING: Conventions = {
  upsampling: 'bilinear with half-pixel centres (align_corners=false), from the map resolution straight to the original image size, computed in float64',
  normalisation: 'min-max to [0, 1] after upsampling; a constant map stays all zeros and is reported through status',
  resize: 'the original image is resized to the model input size by stretching (bilinear, area averaging when shrinking by more than 2x) before preprocessing',
};
