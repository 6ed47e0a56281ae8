// The JSON document of a gradient-flow analysis: every block's structure and numbers (both passes
// when the shortcuts were scaled), the Grad-CAM maps beside them, and what each number means.
import { RENDERING } from '../methods/conventions.js';
import type { BlockCam, GradflowResult } from './gradflow.js';

const round = (v: number) => Number(v.toPrecision(7));

export const GRADFLOW_DEFINITIONS = {
  blockInput: 'the tensor entering the residual block (for a pre-activation block: the tensor before the batchnorm/ReLU both paths share)',
  totalNorm: 'Euclidean norm of d(logit)/d(block input) from one backward through the whole network',
  skipNorm:
    'norm of the part of that gradient arriving through the shortcut: the shortcut ops back-propagated ' +
    'alone from d(logit)/d(Add output), times the shortcut scale',
  branchNorm: 'norm of the part arriving through the residual branch: the branch ops back-propagated alone from d(logit)/d(Add output)',
  outputNorm: 'norm of d(logit)/d(Add output)',
  ratio: 'skipNorm / branchNorm (null when the branch part is zero)',
  cosine: 'cosine of the angle between the shortcut part and the branch part (null when either is zero)',
  branchShare: 'branchNorm / (skipNorm + branchNorm) (null when both are zero)',
  closure: '|total - skip part - branch part| / |total|: float rounding only, unless the block input also feeds nodes outside the block',
};

function cam(c: BlockCam): Record<string, unknown> {
  return {
    node: c.node,
    shape: c.shape,
    status: c.status,
    min: c.min,
    max: c.max,
    lowres: { height: c.map.height, width: c.map.width, data: Array.from(c.map.data, round) },
  };
}

export function gradflowDocument(r: GradflowResult, rendering: { colormap: string; alpha: number }): Record<string, unknown> {
  return {
    skipScale: r.skipScale ?? null,
    passes: r.passes,
    definitions: GRADFLOW_DEFINITIONS,
    blocks: r.blocks.map((b, depth) => ({
      depth,
      block: b.block.add,
      blockInput: b.block.blockInput,
      blockInputShape: b.block.blockInputShape,
      outputShape: b.block.outputShape,
      shortcut: b.block.shortcut,
      skipInput: b.block.skipInput,
      skipPath: b.block.skipPath,
      branchPath: b.block.branchPath,
      branchLastConv: b.block.branchLastConv,
      outsideConsumers: b.block.outsideConsumers,
      baseline: b.baseline,
      ...(b.scaled ? { scaled: b.scaled } : {}),
    })),
    cams: r.blocks.map((b) => ({ block: b.block.add, branch: cam(b.cams.branch), post: cam(b.cams.post) })),
    conventions: {
      targetScore: 'pre-softmax logit of the class (backward seed = one-hot of the class on the logits)',
      passes:
        'per pass: one forward and one backward through the network give the block-input, Add-output and ' +
        'Grad-CAM gradients; then each block alone is re-run from its input on its own tape and ' +
        'back-propagated from the shortcut end and from the branch end',
      skipScale:
        r.skipScale === undefined
          ? 'no scaled pass'
          : `second pass with the shortcut input of every residual Add multiplied by ${r.skipScale} (forward and backward); same class as the first pass`,
      camMethod: 'Grad-CAM (alpha_k = spatial mean of dy/dA_k, ReLU(sum_k alpha_k A_k)) at the branch last conv and at the post-Add node, from the first pass',
      ...RENDERING,
      colormap: rendering.colormap,
      overlayAlpha: rendering.alpha,
    },
  };
}
