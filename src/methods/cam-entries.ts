// Registry entries of the methods whose map has the hooked node's resolution: the gradient CAMs
// (one gradient at the node) and Eigen-CAM and Score-CAM (activations, masked forwards).
import type { Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { gradcamPlusPlusPreRelu, gradcamPreRelu, hirescamPreRelu, layercamPreRelu, xgradcamPreRelu } from './cam-formulas.js';
import { argmax } from './classes.js';
import { LOGIT, NO_WEIGHT_GRADIENTS } from './conventions.js';
import { eigencamProjection } from './eigencam.js';
import { assertFeatureMap, nodeCams, nodeValues } from './gradient-cams.js';
import { rectify } from './map-status.js';
import { requireNode, type CamFormula, type GradientCamEntry, type MethodEntry } from './method-entry.js';
import { RecordedForward } from './recorded-forward.js';
import { SCORECAM_DEFAULT_BATCH, SCORECAM_DEFAULT_MAX_CHANNELS, scoreCam } from './scorecam.js';
import type { Conventions, LowresResult, MethodRequest } from './types.js';

async function oneGradientCam(formula: CamFormula, model: Model, input: Tensor, request: MethodRequest): Promise<LowresResult> {
  const r = await nodeCams(model, input, [requireNode(request)], [{ name: request.method, formula }], request.classIndex);
  const m = r.maps[0];
  return {
    map: m.map,
    signed: m.signed,
    status: m.status,
    classIndex: r.classIndex,
    logits: r.logits,
    nodeShape: m.shape,
    details: { forwards: 1 },
    notes: [],
  };
}

function gradientCam(formula: CamFormula, conventions: Conventions): GradientCamEntry {
  return {
    kind: 'gradient-cam',
    usesLayer: true,
    cost: 'fast',
    reads: [],
    formula,
    conventions: () => conventions,
    compute: (model, input, request) => oneGradientCam(formula, model, input, request),
  };
}

const ONE_BACKWARD = `${NO_WEIGHT_GRADIENTS}; one backward`;

const eigencam: MethodEntry = {
  kind: 'activation-cam',
  usesLayer: true,
  cost: 'fast',
  reads: [],
  conventions: () => ({
    targetScore: 'none: the map does not depend on the class',
    passes: 'one forward, no backward',
    weighting:
      'first principal component: channels centred over positions, top right singular vector by power iteration (tolerance 1e-10, at most 3000 iterations)',
    map: 'ReLU(projection on the first principal component)',
    sign: 'chosen so that the projection correlates positively with the activation sum over channels',
    relu: 'after the projection',
  }),
  async compute(model, input, request) {
    const node = requireNode(request);
    const forward = RecordedForward.run(model, input, { keep: [node] });
    try {
      const a = forward.activation(node);
      assertFeatureMap(request.method, node, a);
      const [logits, values] = await Promise.all([forward.logits.read(), a.read()]);
      const { map, status, signed } = rectify(eigencamProjection(nodeValues(a.shape, values)), `eigencam at '${node}'`);
      const classIndex = request.classIndex ?? argmax(logits);
      const size = { height: a.shape[1], width: a.shape[2] };
      return {
        map: { ...size, data: map },
        signed: { ...size, data: signed },
        status,
        classIndex,
        logits,
        nodeShape: a.shape,
        details: { forwards: 1 },
        notes: [],
      };
    } finally {
      forward.dispose();
    }
  },
};

const scorecam: MethodEntry = {
  kind: 'activation-cam',
  usesLayer: true,
  cost: 'slow',
  reads: ['scoreCamMaxChannels', 'batchSize'],
  conventions: (details) => ({
    targetScore: 'softmax probability of the class on each masked input (Wang et al. 2020)',
    passes: `one forward for the activations, then ${details.forwards ?? '?'} batched forwards of up to ${details.batchSize ?? '?'} masked inputs; no backward`,
    masks:
      'each channel map upsampled (bilinear, half-pixel centres) to the input size, min-max normalised to [0, 1], multiplied into the preprocessed model input',
    channels:
      `${details.channels ?? '?'} channels with the largest spatial variance (limit ` +
      `${details.maxChannels ?? '?'}); constant channels are skipped (their mask is undefined)`,
    weighting: 'w_k = softmax probability of the class on input * mask_k',
    map: 'ReLU(sum_k w_k A_k) over the scored channels',
    relu: 'after the weighted sum',
  }),
  async compute(model, input, request) {
    const node = requireNode(request);
    const maxChannels = request.scoreCamMaxChannels ?? SCORECAM_DEFAULT_MAX_CHANNELS;
    const batchSize = request.batchSize ?? SCORECAM_DEFAULT_BATCH;
    const r = await scoreCam(model, input, node, { classIndex: request.classIndex, maxChannels, batchSize, onProgress: request.onProgress });
    const { map, status, signed } = rectify(r.preRelu, `scorecam at '${node}'`);
    const notes =
      r.channels.length < r.shape[3]
        ? [`Score-CAM scored ${r.channels.length} of ${r.shape[3]} channels (those with the largest spatial variance; raise scoreCamMaxChannels for more).`]
        : [];
    return {
      map: { height: r.shape[1], width: r.shape[2], data: map },
      signed: { height: r.shape[1], width: r.shape[2], data: signed },
      status,
      classIndex: r.classIndex,
      logits: r.logits,
      nodeShape: r.shape,
      details: { forwards: r.forwards, batchSize, channels: r.channels.length, maxChannels },
      notes,
    };
  },
};

/** In the order the CLI lists them. */
export const CAM_METHODS = {
  gradcam: gradientCam(gradcamPreRelu, {
    targetScore: LOGIT,
    passes: ONE_BACKWARD,
    weighting: 'alpha_k = spatial mean of dy/dA_k',
    map: 'ReLU(sum_k alpha_k A_k)',
    relu: 'after the weighted sum',
  }),
  'gradcam++': gradientCam(gradcamPlusPlusPreRelu, {
    targetScore:
      'exp(logit) of the class (Chattopadhay et al. 2018, eq. 19); its higher derivatives are exp(y)*g^2 ' + 'and exp(y)*g^3 for a piecewise-linear network',
    passes: `${NO_WEIGHT_GRADIENTS}; one backward of the logit`,
    weighting:
      'a_ij^k = g^2 / (2 g^2 + sum_ab A_ab^k g^3) (0 where g = 0 or the denominator is 0); w_k = sum_ij ' +
      'a_ij^k ReLU(g_ij^k); the common positive factor exp(y) is dropped',
    map: 'ReLU(sum_k w_k A_k)',
    relu: 'on the gradients inside w_k and after the weighted sum',
  }),
  hirescam: gradientCam(hirescamPreRelu, {
    targetScore: LOGIT,
    passes: ONE_BACKWARD,
    weighting: 'elementwise: gradient times activation, no spatial averaging',
    map: 'ReLU(sum_k A_k * dy/dA_k)',
    relu: 'after the sum over channels',
  }),
  xgradcam: gradientCam(xgradcamPreRelu, {
    targetScore: LOGIT,
    passes: ONE_BACKWARD,
    weighting: 'alpha_k = sum_ij (A_ij^k g_ij^k) / sum_ij A_ij^k (0 for a channel whose activations sum to 0)',
    map: 'ReLU(sum_k alpha_k A_k)',
    relu: 'after the weighted sum',
  }),
  layercam: gradientCam(layercamPreRelu, {
    targetScore: LOGIT,
    passes: ONE_BACKWARD,
    weighting: 'elementwise: ReLU(dy/dA_k) times A_k',
    map: 'ReLU(sum_k ReLU(g_k) * A_k)',
    relu: 'on the gradients, and after the sum',
  }),
  eigencam,
  scorecam,
};
