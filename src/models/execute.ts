// Running a graph: one op call per node, every node's output addressable by name. Hooks say which
// outputs to hand back (keep) and which to watch for gradients (watch / watchInputs): a watched
// tensor is marked right after it is computed, so a surrounding Tape records only the ops after
// the shallowest watched node, and backward stops below it. Intermediates are released as soon as
// their last reader has run (the tape keeps what backward needs). Chains such as conv → batchnorm →
// relu run as one fused kernel (fuse.ts) unless a hook needs one of their intermediate tensors.
import { fmt, sameShape, ShapeError, watch, type Tensor } from '../tensor/index.js';
import { add, mulScalar } from '../ops/arithmetic.js';
import { batchNormCoefficients, batchNormRelu, type BatchNormParams } from '../ops/batchnorm.js';
import { applyActivation, type FusedActivation } from '../ops/activations.js';
import { conv2d, convGeometry } from '../ops/conv2d.js';
import { groupedConv2d } from '../ops/grouped-conv2d.js';
import { samePadding, type Padding } from '../ops/padding.js';
import { planSteps, type Step } from './fuse.js';
import { GraphIndex, type BatchNormNode, type Graph, type GraphNode } from './graph.js';
import type { BatchStatistics } from './op-descriptor.js';
import { descriptorOf } from './op-table.js';
import { inputNode } from './shapes.js';
import { resolveTarget } from './targets.js';

export interface RunHooks {
  /** Targets whose tensors to return: node names, or 'node:input' / 'node:inputK'. */
  keep?: readonly string[];
  /** Targets whose gradient the caller wants from a surrounding Tape (also returned, as keep). */
  watch?: readonly string[];
  /** Node names whose input to watch: 'avg_pool' here means the target 'avg_pool:input'. */
  watchInputs?: readonly string[];
}

export interface RunOptions {
  /** Batchnorm uses the batch's statistics (and returns them) instead of the running ones. */
  training?: boolean;
  /**
   * Input `input` of node `node` is multiplied by `scale` before the node reads it (recorded for
   * autodiff like any op): gradient-flow analysis scales residual shortcuts with it.
   */
  inputScales?: readonly InputScale[];
  /**
   * Run fusable chains (pad → conv → batchnorm → add → relu, batchnorm → relu) as single kernels
   * (default true). false runs every node as its own op: the reference the fused path is tested
   * against, and a profiling aid.
   */
  fuse?: boolean;
}

export interface InputScale {
  node: string;
  input: number;
  scale: number;
}

export type { BatchStatistics } from './op-descriptor.js';

export interface RunResult {
  /** The graph output: pre-softmax scores, [N, classes]. */
  logits: Tensor;
  /** Kept and watched tensors by target as written ('post_relu', 'avg_pool:input'). */
  activations: Map<string, Tensor>;
  /** Training mode: each batchnorm node's batch mean and (biased) variance, for running-statistics updates. */
  batchStatistics: Map<string, BatchStatistics>;
}

function parameter(params: ReadonlyMap<string, Tensor>, node: string, kind: string): Tensor {
  const t = params.get(`${node}/${kind}`);
  if (!t) throw new Error(`parameter '${node}/${kind}' is not bound`);
  return t;
}

/** A node as it is: its descriptor's evaluation, with its parameters looked up by name. */
function evaluate(node: GraphNode, xs: Tensor[], params: ReadonlyMap<string, Tensor>, training: boolean, stats: Map<string, BatchStatistics>): Tensor {
  return descriptorOf(node).evaluate(node, xs, { param: (kind) => parameter(params, node.name, kind), training, stats });
}

function inferenceParams(params: ReadonlyMap<string, Tensor>, node: BatchNormNode): BatchNormParams {
  const p = (kind: string) => parameter(params, node.name, kind);
  const a = node.attrs;
  return {
    mean: p('moving_mean'),
    variance: p('moving_variance'),
    gamma: a.scale ? p('gamma') : undefined,
    beta: a.center ? p('beta') : undefined,
    epsilon: a.epsilon,
  };
}

/** A zero padding before a conv plus the conv's own padding, resolved on the padded size. */
function mergedPadding(prePad: Padding, conv: Extract<GraphNode, { op: 'conv2d' }>, x: Tensor): Padding {
  const { padding, kernel, strides, dilations } = conv.attrs;
  const h = x.shape[1] + prePad.top + prePad.bottom;
  const w = x.shape[2] + prePad.left + prePad.right;
  const own =
    padding === 'valid'
      ? { top: 0, bottom: 0, left: 0, right: 0 }
      : padding === 'same'
        ? samePadding(h, w, kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1])
        : padding;
  return { top: prePad.top + own.top, bottom: prePad.bottom + own.bottom, left: prePad.left + own.left, right: prePad.right + own.right };
}

/** One step of the plan: a node as it is, or a fused chain. */
function evaluateStep(step: Step, xs: Tensor[], params: ReadonlyMap<string, Tensor>, training: boolean, stats: Map<string, BatchStatistics>): Tensor {
  switch (step.kind) {
    case 'node':
      return evaluate(step.node, xs, params, training, stats);
    case 'batchnorm-relu':
      return batchNormRelu(xs[0], inferenceParams(params, step.batchNorm));
    case 'conv': {
      const { conv } = step;
      const a = conv.attrs;
      const p = (kind: string) => parameter(params, conv.name, kind);
      const affine = step.batchNorm ? batchNormCoefficients(inferenceParams(params, step.batchNorm)) : undefined;
      const padding = step.prePad ? mergedPadding(step.prePad, conv, xs[0]) : a.padding;
      const convOnly = { strides: a.strides, dilations: a.dilations, padding, bias: a.useBias ? p('bias') : undefined };
      const shortcut = step.residual ? xs[1] : undefined;
      const kernel = p('kernel');
      const groups = a.groups ?? 1;
      const act = step.activation;
      // conv2d's own epilogue applies ReLU; grouped convolutions and other activations take groupedConv2d's.
      const plain = groups === 1 && (!act || act.kind === 'relu');
      const convolve = (epilogue: { affine?: Tensor; residual?: Tensor; activation?: FusedActivation }) =>
        plain
          ? conv2d(xs[0], kernel, { ...convOnly, epilogue: { affine: epilogue.affine, residual: epilogue.residual, relu: epilogue.activation !== undefined } })
          : groupedConv2d(xs[0], kernel, { ...convOnly, groups, epilogue });
      const [kh, kw, , cout] = kernel.shape;
      const g = convGeometry(xs[0].shape, [kh, kw, xs[0].shape[3], cout], convOnly);
      let y: Tensor;
      // A broadcasting Add cannot be folded into the store: it runs after the convolution.
      if (!shortcut || sameShape(shortcut.shape, [g.batch, g.OH, g.OW, g.Cout])) {
        y = convolve({ affine, residual: shortcut, activation: act });
      } else {
        const z = convolve({ affine });
        const sum = add(z, shortcut);
        z.dispose();
        y = act ? applyActivation(act, sum) : sum;
        if (y !== sum) sum.dispose();
      }
      affine?.dispose();
      return y;
    }
  }
}

/** Input scales by node name, checked against the graph. */
function scalesByNode(index: GraphIndex, scales: readonly InputScale[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const { node, input, scale } of scales) {
    const n = index.node(node);
    if (n.op === 'identity' || !Number.isInteger(input) || input < 0 || input >= n.inputs.length) {
      throw new ShapeError('inputScales', `an input index below ${n.inputs.length} of a node that computes`, `input ${input} of '${node}' (${n.op})`);
    }
    if (!Number.isFinite(scale)) throw new RangeError(`inputScales: scale of '${node}' input ${input} must be finite, given ${scale}`);
    out.set(node, [...(out.get(node) ?? []), [input, scale]]);
  }
  return out;
}

/**
 * Runs the graph on an NHWC input. Call inside `tidy` (and `Tape.record` for gradients); the
 * returned tensors belong to the caller. Hook targets are checked before any work is queued.
 */
export function runGraph(graph: Graph, params: ReadonlyMap<string, Tensor>, input: Tensor, hooks: RunHooks = {}, options: RunOptions = {}): RunResult {
  const index = new GraphIndex(graph);
  const channels = inputNode(graph).attrs.channels;
  if (input.rank !== 4 || input.shape[3] !== channels) {
    throw new ShapeError('model input', `[N, H, W, ${channels}] (NHWC)`, fmt(input.shape));
  }
  const keepTargets = (hooks.keep ?? []).map((k) => resolveTarget(index, k));
  const watchTargets = [
    ...(hooks.watch ?? []).map((k) => resolveTarget(index, k)),
    ...(hooks.watchInputs ?? []).map((k) => resolveTarget(index, `${k}:input`)),
  ];
  const watched = new Set(watchTargets.map((t) => t.tensorOf));
  const output = index.source(index.output.name);
  const held = new Set([output, ...keepTargets.map((t) => t.tensorOf), ...watched]);

  const tensors = new Map<string, Tensor>();
  const stats = new Map<string, BatchStatistics>();
  const training = options.training ?? false;
  const scales = scalesByNode(index, options.inputScales ?? []);
  const steps = planSteps(index, {
    enabled: options.fuse ?? true,
    held,
    unfusable: new Set(scales.keys()),
    // Folding uses the running statistics and gives the batchnorm's parameters no gradient.
    canFold: (node) => !training && !['gamma', 'beta', 'moving_mean', 'moving_variance'].some((k) => params.get(`${node.name}/${k}`)?.requiresGrad),
  });

  // Step after which a node's tensor is no longer read.
  const lastRead = new Map<string, number>();
  steps.forEach((step, i) => {
    for (const n of step.inputs) lastRead.set(n, i);
  });

  const inputName = graph.nodes[0].name;
  tensors.set(inputName, input);
  if (watched.has(inputName)) watch(input);
  steps.forEach((step, i) => {
    const xs = step.inputs.map((n) => tensors.get(n) as Tensor);
    const scaled = (scales.get(step.output) ?? []).map(([k, s]) => (xs[k] = mulScalar(xs[k], s)));
    const y = evaluateStep(step, xs, params, training, stats);
    for (const t of scaled) t.dispose();
    if (watched.has(step.output)) watch(y);
    tensors.set(step.output, y);
    for (const name of [...step.inputs, step.output]) {
      const t = tensors.get(name);
      if (t && t !== input && !held.has(name) && (lastRead.get(name) ?? -1) <= i) {
        t.dispose();
        tensors.delete(name);
      }
    }
  });

  const activations = new Map<string, Tensor>();
  for (const t of [...keepTargets, ...watchTargets]) activations.set(t.key, tensors.get(t.tensorOf) as Tensor);
  return { logits: tensors.get(output) as Tensor, activations, batchStatistics: stats };
}
