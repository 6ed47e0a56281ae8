// What each method computed, stated exactly, for the JSON sidecar of every output (DESIGN.md,
// "Conventions"). Rendering conventions are shared by every method.
import type { Conventions, MethodDetails, MethodName } from './types.js';

const LOGIT = 'pre-softmax logit of the class (backward seed = one-hot of the class on the logits, never the softmax)';
const NO_WEIGHT_GRADIENTS = 'one forward; gradients only at the hooked node, none for the weights';

export const RENDERING: Conventions = {
  upsampling: 'bilinear with half-pixel centres (align_corners=false), from the map resolution straight to the original image size, computed in float64',
  normalisation: 'min-max to [0, 1] after upsampling; a constant map stays all zeros and is reported through status',
  resize: 'the original image is resized to the model input size by stretching (bilinear, area averaging when shrinking by more than 2x) before preprocessing',
};

function methodConventions(method: MethodName, details: MethodDetails): Conventions {
  switch (method) {
    case 'gradcam':
      return { targetScore: LOGIT, passes: `${NO_WEIGHT_GRADIENTS}; one backward`, weighting: 'alpha_k = spatial mean of dy/dA_k', map: 'ReLU(sum_k alpha_k A_k)', relu: 'after the weighted sum' };
    case 'gradcam++':
      return {
        targetScore: `exp(logit) of the class (Chattopadhay et al. 2018, eq. 19); its higher derivatives are exp(y)*g^2 and exp(y)*g^3 for a piecewise-linear network`,
        passes: `${NO_WEIGHT_GRADIENTS}; one backward of the logit`,
        weighting: 'a_ij^k = g^2 / (2 g^2 + sum_ab A_ab^k g^3) (0 where g = 0 or the denominator is 0); w_k = sum_ij a_ij^k ReLU(g_ij^k); the common positive factor exp(y) is dropped',
        map: 'ReLU(sum_k w_k A_k)',
        relu: 'on the gradients inside w_k and after the weighted sum',
      };
    case 'hirescam':
      return { targetScore: LOGIT, passes: `${NO_WEIGHT_GRADIENTS}; one backward`, weighting: 'elementwise: gradient times activation, no spatial averaging', map: 'ReLU(sum_k A_k * dy/dA_k)', relu: 'after the sum over channels' };
    case 'xgradcam':
      return { targetScore: LOGIT, passes: `${NO_WEIGHT_GRADIENTS}; one backward`, weighting: 'alpha_k = sum_ij (A_ij^k g_ij^k) / sum_ij A_ij^k (0 for a channel whose activations sum to 0)', map: 'ReLU(sum_k alpha_k A_k)', relu: 'after the weighted sum' };
    case 'layercam':
      return { targetScore: LOGIT, passes: `${NO_WEIGHT_GRADIENTS}; one backward`, weighting: 'elementwise: ReLU(dy/dA_k) times A_k', map: 'ReLU(sum_k ReLU(g_k) * A_k)', relu: 'on the gradients, and after the sum' };
    case 'eigencam':
      return {
        targetScore: 'none: the map does not depend on the class',
        passes: 'one forward, no backward',
        weighting: 'first principal component: channels centred over positions, top right singular vector by power iteration (tolerance 1e-10, at most 3000 iterations)',
        map: 'ReLU(projection on the first principal component)',
        sign: 'chosen so that the projection correlates positively with the activation sum over channels',
        relu: 'after the projection',
      };
    case 'scorecam':
      return {
        targetScore: 'softmax probability of the class on each masked input (Wang et al. 2020)',
        passes: `one forward for the activations, then ${details.forwards ?? '?'} batched forwards of up to ${details.batchSize ?? '?'} masked inputs; no backward`,
        masks: 'each channel map upsampled (bilinear, half-pixel centres) to the input size, min-max normalised to [0, 1], multiplied into the preprocessed model input',
        channels: `${details.channels ?? '?'} channels with the largest spatial variance (limit ${details.maxChannels ?? '?'}); constant channels are skipped (their mask is undefined)`,
        weighting: 'w_k = softmax probability of the class on input * mask_k',
        map: 'ReLU(sum_k w_k A_k) over the scored channels',
        relu: 'after the weighted sum',
      };
    case 'guided-backprop':
      return {
        targetScore: LOGIT,
        passes: 'one forward, one backward to the input with every ReLU backward replaced by the guided rule (gradient passes where input > 0 and gradient > 0)',
        map: 'max over RGB channels of ReLU(dy/dx) per pixel, at the input resolution',
        image: 'the signed RGB gradient is kept (inputGradient) and drawn as an image: (g - mean) / (std + 1e-5) * 0.1 + 0.5, clipped to [0, 1]',
        relu: 'on the gradient, before the channel max',
      };
    case 'guided-gradcam':
      return {
        targetScore: LOGIT,
        passes: 'one forward; one plain backward for Grad-CAM at the node and one guided backward to the input',
        map: 'Grad-CAM map upsampled bilinearly (half-pixel centres) to the input resolution, times max over RGB channels of ReLU(guided dy/dx)',
        weighting: 'Grad-CAM: alpha_k = spatial mean of dy/dA_k, ReLU(sum_k alpha_k A_k)',
        relu: 'Grad-CAM ReLU, and on the guided gradient before the channel max',
      };
    case 'saliency':
      return { targetScore: LOGIT, passes: 'one forward, one backward to the input', map: 'max over RGB channels of |dy/dx| per pixel, at the input resolution', relu: 'none (absolute value)' };
    case 'smoothgrad':
      return {
        targetScore: LOGIT,
        passes: `one forward of the clean image for the class, then ${details.forwards ?? '?'} batched forward+backward passes of up to ${details.batchSize ?? '?'} noisy copies`,
        map: `mean over ${details.samples ?? '?'} noisy copies of max over RGB channels of |dy/dx|`,
        noise: `Gaussian, sigma = ${details.noise ?? '?'} * (max - min) of the preprocessed input = ${details.sigma ?? '?'}, seed ${details.seed ?? 0}`,
        relu: 'none (absolute value)',
      };
    case 'integrated-gradients':
      return {
        targetScore: LOGIT,
        baseline: 'black image in pixel space (all pixels 0), run through the model preprocessing',
        path: `straight line, trapezoidal rule over alpha = k/${details.steps ?? '?'}, k = 0..${details.steps ?? '?'} (both ends at half weight)`,
        passes: `one forward of the clean image for the class, then ${details.forwards ?? '?'} batched forward+backward passes of up to ${details.batchSize ?? '?'} path points`,
        attribution: '(x - baseline) * path-averaged dy/dx, per input value',
        map: '|sum over RGB channels of the attributions| per pixel',
        completeness: 'sum of attributions compared with y(x) - y(baseline), both from the path ends',
        relu: 'none (absolute value)',
      };
  }
}


export function conventionsFor(method: MethodName, details: MethodDetails = {}): Conventions {
  return { method, ...methodConventions(method, details), ...RENDERING };
}
