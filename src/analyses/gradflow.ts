// Gradient flow through the residual blocks of a network, for one image and one class: at every
// block input, how much of ∂logit/∂x arrived through the shortcut and how much through the
// residual branch (norms, their ratio and cosine), and the total along depth; optionally a second
// pass with every shortcut scaled by s to show the gradient vanishing without them. Beside it,
// Grad-CAM at each branch's last conv and at the post-Add node from the first pass's backward.
import type { Shape, Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import { inferShapes } from '../models/shapes.js';
import { gradcamPreRelu } from '../methods/cam-formulas.js';
import { nodeValues } from '../methods/gradient-cams.js';
import { residualBlocks, type ResidualBlock } from './gradflow-blocks.js';
import { flowPass, type BlockGradients, type FlowPass } from './gradflow-pass.js';
import { rectify } from '../methods/map-status.js';
import type { Map2d, MapStatus } from '../methods/types.js';

/** The numbers of one block in one pass (norms are Euclidean, over the whole block-input tensor, in float64). */
export interface FlowStats {
  /** ‖∂y/∂x‖ at the block input, from the full backward. */
  totalNorm: number;
  /** ‖shortcut part‖. */
  skipNorm: number;
  /** ‖branch part‖. */
  branchNorm: number;
  /** ‖∂y/∂(Add output)‖. */
  outputNorm: number;
  /** skipNorm / branchNorm; null when the branch part is zero. */
  ratio: number | null;
  /** Cosine between the two parts; null when either is zero. */
  cosine: number | null;
  /** branchNorm / (skipNorm + branchNorm); null when both are zero. */
  branchShare: number | null;
  /**
   * ‖total − skip − branch‖ / ‖total‖ (0 when the total is 0): float rounding only, unless the
   * block input also feeds nodes outside the block (then their share is in it).
   */
  closure: number;
}

export interface BlockCam {
  node: string;
  shape: Shape;
  /** Grad-CAM after its ReLU, at the node's resolution. */
  map: Map2d;
  status: MapStatus;
  min: number;
  max: number;
}

export interface BlockFlow {
  block: ResidualBlock;
  baseline: FlowStats;
  /** The same block with every shortcut scaled (when a scale was asked for). */
  scaled?: FlowStats;
  /** Grad-CAM at the branch's last conv and at the post-Add node (first pass). */
  cams: { branch: BlockCam; post: BlockCam };
}

export interface GradflowResult {
  classIndex: number;
  /** Logits of the network as it is. */
  logits: Float32Array;
  /** Present when a scaled pass ran. */
  skipScale?: number;
  scaledLogits?: Float32Array;
  blocks: BlockFlow[];
  /** Forward and backward passes run (the per-block splits re-run each block once, forward and twice backward). */
  passes: number;
}

export interface GradflowOptions {
  /** Default: the top-1 class of the image. */
  classIndex?: number;
  /** Shortcut scale in [0, 1] of a second pass; undefined: no second pass. */
  skipScale?: number;
}

export class NoResidualBlocksError extends Error {
  constructor(model: string) {
    super(`${model} has no residual Add (two same-shape tensors joining a fork), so there is no gradient flow through shortcuts to show`);
    this.name = 'NoResidualBlocksError';
  }
}

function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function flowStats(g: BlockGradients): FlowStats {
  const { total, skip, branch } = g;
  let dot = 0,
    rest = 0;
  for (let i = 0; i < total.length; i++) {
    dot += skip[i] * branch[i];
    rest += (total[i] - skip[i] - branch[i]) ** 2;
  }
  const totalNorm = norm(total),
    skipNorm = norm(skip),
    branchNorm = norm(branch);
  return {
    totalNorm,
    skipNorm,
    branchNorm,
    outputNorm: norm(g.atOutput),
    ratio: branchNorm === 0 ? null : skipNorm / branchNorm,
    cosine: skipNorm === 0 || branchNorm === 0 ? null : dot / (skipNorm * branchNorm),
    branchShare: skipNorm + branchNorm === 0 ? null : branchNorm / (skipNorm + branchNorm),
    closure: totalNorm === 0 ? 0 : Math.sqrt(rest) / totalNorm,
  };
}

function camAt(pass: FlowPass, node: string): BlockCam {
  const tap = pass.taps.get(node);
  if (!tap) throw new Error(`gradflow: node '${node}' was not tapped`);
  const pre = gradcamPreRelu(nodeValues(tap.shape, tap.activation), nodeValues(tap.shape, tap.gradient));
  const { map, status } = rectify(pre, `gradcam at '${node}'`);
  let min = Infinity,
    max = -Infinity;
  for (const v of map) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { node, shape: tap.shape, map: { height: tap.shape[1], width: tap.shape[2], data: map }, status, min, max };
}

/** The residual blocks of the model at this input's size; throws NoResidualBlocksError when there are none. */
export function modelBlocks(model: Model, input: Tensor): ResidualBlock[] {
  const shapes = inferShapes(model.graph, { height: input.shape[1], width: input.shape[2] });
  const blocks = residualBlocks(model.graph, shapes);
  if (blocks.length === 0) throw new NoResidualBlocksError(model.name);
  return blocks;
}

/** Gradient flow for one preprocessed image [1, H, W, C]; every tensor made here is released. */
export async function gradientFlow(model: Model, input: Tensor, options: GradflowOptions = {}): Promise<GradflowResult> {
  const blocks = modelBlocks(model, input);
  const taps = [...new Set(blocks.flatMap((b) => [b.branchLastConv, b.add]))];
  const baseline = await flowPass(model, input, blocks, { classIndex: options.classIndex, skipScale: 1, taps });
  const scaled =
    options.skipScale === undefined ? undefined : await flowPass(model, input, blocks, { classIndex: baseline.classIndex, skipScale: options.skipScale });
  return {
    classIndex: baseline.classIndex,
    logits: baseline.logits,
    ...(scaled ? { skipScale: scaled.skipScale, scaledLogits: scaled.logits } : {}),
    blocks: baseline.blocks.map((g, i) => ({
      block: g.block,
      baseline: flowStats(g),
      ...(scaled ? { scaled: flowStats(scaled.blocks[i]) } : {}),
      cams: { branch: camAt(baseline, g.block.branchLastConv), post: camAt(baseline, g.block.add) },
    })),
    passes: scaled ? 2 : 1,
  };
}
