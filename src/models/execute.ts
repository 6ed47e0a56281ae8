// Running a graph: one op call per node, every node's output addressable by name. Hooks say which
// outputs to hand back (keep) and which to watch for gradients (watch / watchInputs): a watched
// tensor is marked right after it is computed, so a surrounding Tape records only the ops after
// the shallowest watched node, and backward stops below it. Intermediates are released as soon as
// their last reader has run (the tape keeps what backward needs).
import { fmt, ShapeError, watch, type Tensor } from '../tensor/index.js';
import { add, mulScalar } from '../ops/arithmetic.js';
import { batchNorm, batchNormTraining } from '../ops/batchnorm.js';
import { concat } from '../ops/concat.js';
import { conv2d } from '../ops/conv2d.js';
import { dense } from '../ops/dense.js';
import { pad } from '../ops/pad.js';
import { avgPool, globalAvgPool, globalMaxPool, maxPool } from '../ops/pool.js';
import { relu } from '../ops/relu.js';
import { flatten, reshape } from '../ops/reshape.js';
import { softmax } from '../ops/softmax.js';
import { GraphIndex, type Activation, type Graph, type GraphNode } from './graph.js';
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
}

export interface InputScale {
  node: string;
  input: number;
  scale: number;
}

export interface BatchStatistics {
  mean: Tensor;
  variance: Tensor;
}

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

function activate(y: Tensor, activation: Activation | undefined): Tensor {
  if (activation === undefined) return y;
  if (activation !== 'relu') throw new ShapeError('activation', "'relu'", `'${String(activation)}'`);
  const out = relu(y);
  y.dispose();
  return out;
}

function evaluate(node: GraphNode, xs: Tensor[], params: ReadonlyMap<string, Tensor>, training: boolean, stats: Map<string, BatchStatistics>): Tensor {
  const x = xs[0];
  const p = (kind: string) => parameter(params, node.name, kind);
  switch (node.op) {
    case 'input':
      throw new Error('the input node is not evaluated');
    case 'conv2d': {
      const a = node.attrs;
      const y = conv2d(x, p('kernel'), { strides: a.strides, dilations: a.dilations, padding: a.padding, bias: a.useBias ? p('bias') : undefined });
      return activate(y, a.activation);
    }
    case 'batchnorm': {
      const a = node.attrs;
      const gamma = a.scale ? p('gamma') : undefined;
      const beta = a.center ? p('beta') : undefined;
      if (!training) return activate(batchNorm(x, { mean: p('moving_mean'), variance: p('moving_variance'), gamma, beta, epsilon: a.epsilon }), a.activation);
      const r = batchNormTraining(x, { gamma, beta, epsilon: a.epsilon });
      stats.set(node.name, { mean: r.batchMean, variance: r.batchVariance });
      return activate(r.y, a.activation);
    }
    case 'dense': {
      const a = node.attrs;
      return activate(dense(x, p('kernel'), a.useBias ? p('bias') : undefined), a.activation);
    }
    case 'relu':
      return relu(x);
    case 'add':
      return add(xs[0], xs[1]);
    case 'maxpool': {
      const a = node.attrs;
      return maxPool(x, { kernel: a.kernel, strides: a.strides, padding: a.padding, ceilMode: a.ceilMode, dilations: a.dilations });
    }
    case 'avgpool': {
      const a = node.attrs;
      return avgPool(x, { kernel: a.kernel, strides: a.strides, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad, dilations: a.dilations });
    }
    case 'globalavgpool':
      return globalAvgPool(x);
    case 'globalmaxpool':
      return globalMaxPool(x);
    case 'concat':
      return concat(xs, node.attrs.axis);
    case 'pad':
      return pad(x, node.attrs.padding, node.attrs.value ?? 0);
    case 'flatten':
      return flatten(x, node.attrs.order);
    case 'reshape':
      return reshape(x, [x.shape[0], ...node.attrs.shape]);
    case 'softmax':
      return softmax(x);
    case 'identity':
      return x;
    case 'constant':
      // A copy: the node's output is released like any intermediate, the parameter must outlive the run.
      return reshape(p('value'), [...node.attrs.shape]);
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
  const watchTargets = [...(hooks.watch ?? []).map((k) => resolveTarget(index, k)), ...(hooks.watchInputs ?? []).map((k) => resolveTarget(index, `${k}:input`))];
  const watched = new Set(watchTargets.map((t) => t.tensorOf));
  const output = index.source(index.output.name);
  const held = new Set([output, ...keepTargets.map((t) => t.tensorOf), ...watched]);

  // Position after which a node's tensor is no longer read (identity readers resolved to their source).
  const lastRead = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const n of node.inputs) lastRead.set(index.source(n), i);
  });

  const tensors = new Map<string, Tensor>();
  const stats = new Map<string, BatchStatistics>();
  const training = options.training ?? false;
  const scales = scalesByNode(index, options.inputScales ?? []);
  graph.nodes.forEach((node, i) => {
    if (node.op === 'identity') return;
    let y: Tensor;
    if (node.op === 'input') {
      y = input;
    } else {
      const xs = node.inputs.map((n) => tensors.get(index.source(n)) as Tensor);
      const scaled = (scales.get(node.name) ?? []).map(([k, s]) => (xs[k] = mulScalar(xs[k], s)));
      y = evaluate(node, xs, params, training, stats);
      for (const t of scaled) t.dispose();
    }
    if (watched.has(node.name)) watch(y);
    tensors.set(node.name, y);
    for (const name of [...node.inputs.map((n) => index.source(n)), node.name]) {
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
