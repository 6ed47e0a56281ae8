// Score-CAM (Wang et al. 2020, as in the authors' code): each channel map of the node, upsampled to
// the input and min-max normalised, masks the model input; the softmax probability of the class on
// the masked input weighs that channel: map = ReLU(Σ_k p_k A_k). Masked inputs go through the
// model several at a time (one batched forward per `batchSize` channels); no gradient anywhere.
import { tensor, tidy, type Shape, type Tensor } from '../tensor/index.js';
import { upsampleMap } from '../image/index.js';
import type { Model } from '../models/model.js';
import { weightedSum } from './cam-formulas.js';
import { argmax, softmax } from './classes.js';
import { assertFeatureMap, assertSingleImage, nodeValues } from './gradient-cams.js';
import { RecordedForward } from './recorded-forward.js';

export const SCORECAM_DEFAULT_MAX_CHANNELS = 64;
export const SCORECAM_DEFAULT_BATCH = 8;

export interface ScoreCamOptions {
  classIndex?: number;
  /** Keep the channels with the largest spatial variance (default 64; Infinity for all). */
  maxChannels?: number;
  batchSize?: number;
  /** After each batch: channels scored so far, of those chosen. */
  onProgress?: (done: number, total: number) => void;
}

export interface ScoreCamResult {
  classIndex: number;
  logits: Float32Array;
  shape: Shape;
  /** Σ_k p_k A_k before the ReLU. */
  preRelu: Float64Array;
  /** Channels that were scored, largest variance first, with their weights p_k. */
  channels: { index: number; weight: number }[];
  forwards: number;
}

/** Channel indices by decreasing spatial variance, constant channels left out (their mask is undefined). */
export function channelsByVariance(data: Float32Array, positions: number, channels: number): number[] {
  const variance: number[] = [];
  for (let k = 0; k < channels; k++) {
    let mean = 0;
    for (let i = 0; i < positions; i++) mean += data[i * channels + k] / positions;
    let v = 0;
    for (let i = 0; i < positions; i++) v += (data[i * channels + k] - mean) ** 2;
    variance.push(v / positions);
  }
  return variance
    .map((v, k) => ({ v, k }))
    .filter(({ k }) => !channelIsConstant(data, positions, channels, k))
    .sort((a, b) => b.v - a.v || a.k - b.k)
    .map(({ k }) => k);
}

function channelIsConstant(data: Float32Array, positions: number, channels: number, k: number): boolean {
  const first = data[k];
  for (let i = 1; i < positions; i++) if (data[i * channels + k] !== first) return false;
  return true;
}

/** The upsampled channel map normalised to [0, 1] (bilinear, half-pixel centres, as every map here). */
export function channelMask(data: Float32Array, shape: Shape, k: number, height: number, width: number): Float32Array {
  const [, h, w, c] = shape;
  const channel = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) channel[i] = data[i * c + k];
  const up = upsampleMap(channel, h, w, width, height);
  let min = Infinity,
    max = -Infinity;
  for (const v of up) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  for (let i = 0; i < up.length; i++) up[i] = range > 0 ? (up[i] - min) / range : 0;
  return up;
}

export async function scoreCam(model: Model, input: Tensor, node: string, opts: ScoreCamOptions = {}): Promise<ScoreCamResult> {
  assertSingleImage('scorecam', input);
  const maxChannels = opts.maxChannels ?? SCORECAM_DEFAULT_MAX_CHANNELS;
  const batchSize = opts.batchSize ?? SCORECAM_DEFAULT_BATCH;
  if (!(maxChannels >= 1)) throw new RangeError(`scorecam: scoreCamMaxChannels must be at least 1, given ${maxChannels}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`scorecam: batchSize must be a positive integer, given ${batchSize}`);

  const forward = RecordedForward.run(model, input, { keep: [node] });
  let logits: Float32Array, activations: Float32Array, shape: Shape;
  try {
    assertFeatureMap('scorecam', node, forward.activation(node));
    shape = forward.activation(node).shape;
    [logits, activations] = await Promise.all([forward.logits.read(), forward.activation(node).read()]);
  } finally {
    forward.dispose();
  }
  const classIndex = opts.classIndex ?? argmax(logits);
  const pixels = await input.read();
  const [, height, width, inChannels] = input.shape;
  const plane = height * width;

  const chosen = channelsByVariance(activations, shape[1] * shape[2], shape[3]).slice(0, maxChannels);
  const weights = new Float64Array(shape[3]);
  const scored: { index: number; weight: number }[] = [];
  let forwards = 0;
  for (let start = 0; start < chosen.length; start += batchSize) {
    const batch = chosen.slice(start, start + batchSize);
    const masked = new Float32Array(batch.length * plane * inChannels);
    batch.forEach((k, b) => {
      const mask = channelMask(activations, shape, k, height, width);
      const offset = b * plane * inChannels;
      for (let p = 0; p < plane; p++) for (let ch = 0; ch < inChannels; ch++) masked[offset + p * inChannels + ch] = pixels[p * inChannels + ch] * mask[p];
    });
    const batchLogits = tidy(() => model.run(tensor(masked, [batch.length, height, width, inChannels])).logits);
    let rows: Float32Array;
    try {
      rows = await batchLogits.read();
    } finally {
      batchLogits.dispose();
    }
    forwards++;
    const classes = batchLogits.shape[1];
    batch.forEach((k, b) => {
      const p = softmax(rows.subarray(b * classes, (b + 1) * classes))[classIndex];
      weights[k] = p;
      scored.push({ index: k, weight: p });
    });
    opts.onProgress?.(scored.length, chosen.length);
  }
  const preRelu = weightedSum(nodeValues(shape, activations), weights);
  return { classIndex, logits, shape, preRelu, channels: scored, forwards };
}
