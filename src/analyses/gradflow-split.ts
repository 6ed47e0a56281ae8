// The gradient at a block input, split by the path it arrived on. Backward is linear in the
// gradient it is given, so with g = ∂y/∂(Add output): ∂y/∂x = J_skip(x)ᵀ·(s·g) + J_branch(x)ᵀ·g,
// where s is the shortcut's scale (1 unless --skip-scale). Each term is computed here on its own:
// the block alone (shared pre-activation included) is re-run from the block input on a fresh
// tape, then back-propagated once from the shortcut's end and once from the branch's end. Neither
// term is derived from the full backward's total, so their sum equalling that total is a real check.
import { mulScalar } from '../ops/arithmetic.js';
import { Tape, tidy, zeros, type Shape, type Tensor } from '../tensor/index.js';
import { runGraph, type RunResult } from '../models/execute.js';
import type { Graph } from '../models/graph.js';
import type { Model } from '../models/model.js';
import type { ResidualBlock } from './gradflow-blocks.js';

/** The block as a graph of its own: its input node, then every node of both paths in graph order. */
export function blockGraph(graph: Graph, block: ResidualBlock, inputShape: Shape): Graph {
  const members = new Set([...block.skipPath, ...block.branchPath]);
  const [, height, width, channels] = inputShape;
  return {
    nodes: [{ name: block.blockInput, op: 'input', inputs: [], attrs: { height, width, channels } }, ...graph.nodes.filter((n) => members.has(n.name))],
  };
}

export interface SplitGradient {
  /** Arrived through the shortcut (its scale included). */
  skip: Tensor;
  /** Arrived through the residual branch. */
  branch: Tensor;
}

function releaseRun(run: RunResult, keep: Tensor): void {
  for (const t of [run.logits, ...run.activations.values()]) if (t !== keep) t.dispose();
}

/**
 * The two parts of ∂y/∂x at the block input x, given the gradient at the Add output. The caller
 * owns the returned tensors; x and gradAtOutput are left as given.
 */
export function splitAtBlockInput(model: Model, block: ResidualBlock, x: Tensor, gradAtOutput: Tensor, skipScale: number): SplitGradient {
  const graph = blockGraph(model.graph, block, x.shape);
  const requiredGrad = x.requiresGrad;
  const tape = new Tape();
  let run: RunResult | undefined;
  try {
    run = tidy(() => tape.record(() => runGraph(graph, model.parameters, x, { keep: [block.skipSource, block.branchSource], watch: [block.blockInput] })));
    const edges = run.activations;
    return tidy(() => {
      const gradAtX = (root: Tensor, seed: Tensor) => tape.backward(root, seed).grads.get(x) ?? zeros(x.shape);
      const skipSeed = mulScalar(gradAtOutput, skipScale);
      const skipEdge = edges.get(block.skipSource) as Tensor;
      const skip = skipEdge === x ? skipSeed : gradAtX(skipEdge, skipSeed);
      const branch = gradAtX(edges.get(block.branchSource) as Tensor, gradAtOutput);
      return { skip, branch };
    });
  } finally {
    tape.dispose();
    if (run) releaseRun(run, x);
    x.requiresGrad = requiredGrad;
  }
}
