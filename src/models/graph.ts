// A model graph: a JSON-serialisable list of named nodes in topological order. Every node's output
// is addressable by its name (hooks, summaries, weights), so Keras layer names map 1:1 to nodes:
// a Keras Conv2D or Dense layer with activation='relu' is ONE node with `activation: 'relu'`, whose
// output is the post-ReLU tensor (VGG16's `block5_conv3`), while separate Keras BatchNormalization
// and Activation layers are separate nodes (`batch_normalization_94`, `activation_94`). The graph's
// output is its last node and holds logits: a final softmax is not part of a native graph.
import type { Padding } from '../ops/padding.js';
import { descriptorOf, isOpKind, OP_KINDS } from './op-table.js';

export { OP_KINDS } from './op-table.js';

/**
 * What a 4-D node carries (DESIGN.md, "Node roles"): the full signal (`feature-map`), a node inside
 * a residual branch before its Add (`residual-branch`), a node on a residual shortcut (`skip`), or a
 * node inside one branch of an Inception-style fork-then-concat (`branch`).
 */
export type Role = 'feature-map' | 'residual-branch' | 'skip' | 'branch';
export const ROLES: readonly Role[] = ['feature-map', 'residual-branch', 'skip', 'branch'];

/** A fused activation applied to the node's result (Keras' `activation=` argument). */
export type Activation = 'relu';

/** Explicit per-side padding, or TF's rules: 'valid' = none, 'same' = odd pixel bottom/right. */
export type PaddingSpec = Padding | 'valid' | 'same';

export type Pair = [number, number];

interface NodeBase {
  name: string;
  /** Names of the nodes whose outputs this node reads, in argument order. */
  inputs: string[];
  role?: Role;
}

export interface InputNode extends NodeBase {
  op: 'input';
  /** The model's native input size; shape inference and run() accept other sizes. */
  attrs: { height: number; width: number; channels: number };
}

export interface Conv2dNode extends NodeBase {
  op: 'conv2d';
  /** groups > 1: grouped convolution, kernel [KH, KW, Cin/groups, filters] (depthwise: groups = Cin); absent = 1. */
  attrs: { filters: number; kernel: Pair; strides: Pair; dilations: Pair; padding: PaddingSpec; useBias: boolean; activation?: Activation; groups?: number };
}

export interface BatchNormNode extends NodeBase {
  op: 'batchnorm';
  /** center: has beta; scale: has gamma (Keras InceptionV3 uses scale=False). */
  attrs: { epsilon: number; center: boolean; scale: boolean; activation?: Activation };
}

export interface DenseNode extends NodeBase {
  op: 'dense';
  attrs: { units: number; useBias: boolean; activation?: Activation };
}

export interface MaxPoolNode extends NodeBase {
  op: 'maxpool';
  /** dilations: taps that many cells apart (ONNX); absent = [1, 1]. */
  attrs: { kernel: Pair; strides: Pair; padding: PaddingSpec; ceilMode?: boolean; dilations?: Pair };
}

export interface AvgPoolNode extends NodeBase {
  op: 'avgpool';
  attrs: { kernel: Pair; strides: Pair; padding: PaddingSpec; ceilMode?: boolean; countIncludePad: boolean; dilations?: Pair };
}

export interface ConcatNode extends NodeBase {
  op: 'concat';
  /** Axis of the NHWC tensor, batch included; -1 (channels) for Keras' Concatenate. */
  attrs: { axis: number };
}

export interface PadNode extends NodeBase {
  op: 'pad';
  attrs: { padding: Padding; value?: number };
}

export interface FlattenNode extends NodeBase {
  op: 'flatten';
  /** 'nchw' reproduces the element order of a flatten in a channels-first source (ONNX, PyTorch). */
  attrs: { order: 'nhwc' | 'nchw' };
}

export interface ReshapeNode extends NodeBase {
  op: 'reshape';
  /** Per-sample target shape (batch excluded); one entry may be -1. */
  attrs: { shape: number[] };
}

export interface IdentityNode extends NodeBase {
  op: 'identity';
  /** What the source layer was (e.g. 'dropout', which is the identity at inference). */
  attrs: { was?: string };
}

/**
 * A fixed tensor read by other nodes (an ONNX initializer used as an operand of Add, Sum or
 * Concat), held as the parameter `<name>/value`. Its shape is fixed, first axis included, so a
 * graph using one as a full-size operand runs at that batch size only.
 */
export interface ConstantNode extends NodeBase {
  op: 'constant';
  attrs: { shape: number[] };
}

export interface PlainNode extends NodeBase {
  op: 'relu' | 'add' | 'globalavgpool' | 'globalmaxpool' | 'softmax' | 'logsoftmax';
  attrs: Record<string, never>;
}

/**
 * Elementwise functions without parameters (ops/activations.ts in the engine). Their node is the
 * function's output; sqrt/exp/log/abs/neg/reciprocal/erf also serve decomposed LayerNorm and GELU.
 */
export type UnaryFunction = 'sigmoid' | 'tanh' | 'silu' | 'hardswish' | 'selu' | 'softplus' | 'erf' | 'sqrt' | 'exp' | 'log' | 'abs' | 'neg' | 'reciprocal';
export const UNARY_FUNCTIONS: readonly UnaryFunction[] = [
  'sigmoid',
  'tanh',
  'silu',
  'hardswish',
  'selu',
  'softplus',
  'erf',
  'sqrt',
  'exp',
  'log',
  'abs',
  'neg',
  'reciprocal',
];

export interface UnaryNode extends NodeBase {
  op: UnaryFunction;
  attrs: Record<string, never>;
}

/** clamp(alpha·x + beta, 0, 1) (ONNX: alpha 0.2, beta 0.5; PyTorch and Keras 3: 1/6, 0.5). */
export interface HardSigmoidNode extends NodeBase {
  op: 'hardsigmoid';
  attrs: { alpha: number; beta: number };
}

/** min(max(x, min), max); an absent bound is unbounded (JSON has no infinity). min 0, max 6 is ReLU6. */
export interface ClipNode extends NodeBase {
  op: 'clip';
  attrs: { min?: number; max?: number };
}

/** leakyrelu: x or alpha·x; elu: x or alpha·(eˣ − 1). */
export interface AlphaNode extends NodeBase {
  op: 'leakyrelu' | 'elu';
  attrs: { alpha: number };
}

export interface GeluNode extends NodeBase {
  op: 'gelu';
  attrs: { approximate: 'none' | 'tanh' };
}

/**
 * Elementwise binary ops with NumPy broadcasting of the two NHWC (or row-major) inputs: the
 * squeeze-excitation gate is mul([N, H, W, C], [N, 1, 1, C]).
 */
export type BinaryFunction = 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min';
export const BINARY_FUNCTIONS: readonly BinaryFunction[] = ['sub', 'mul', 'div', 'pow', 'max', 'min'];

export interface BinaryNode extends NodeBase {
  op: BinaryFunction;
  attrs: Record<string, never>;
}

/** x or slope·x, with the learned slope `<node>/alpha` of shape `slope` (broadcast to the input: [C] per channel). */
export interface PreluNode extends NodeBase {
  op: 'prelu';
  attrs: { slope: number[] };
}

/** Axes permuted: output axis i is input axis perm[i] (batch included; ShuffleNet's channel shuffle, NCHW ↔ NHWC). */
export interface TransposeNode extends NodeBase {
  op: 'transpose';
  attrs: { perm: number[] };
}

/** ONNX Slice: per listed axis (batch included, negative from the end) start, end (clamped) and step. */
export interface SliceNode extends NodeBase {
  op: 'slice';
  attrs: { starts: number[]; ends: number[]; axes: number[]; steps: number[] };
}

/** Mean, sum, max or min over `axes` (batch excluded, negative from the end); keepdims leaves them as size 1. */
export interface ReduceNode extends NodeBase {
  op: 'reducemean' | 'reducesum' | 'reducemax' | 'reducemin';
  attrs: { axes: number[]; keepdims: boolean };
}

/** a [..., M, K] · b [..., K, N] with broadcast batch axes (ConvNeXt's Linear on [N, H, W, C]); b is usually a constant node. */
export interface MatmulNode extends NodeBase {
  op: 'matmul';
  attrs: Record<string, never>;
}

/**
 * Layer normalization over the last axis (channels of an NHWC map; ConvNeXt, Keras and ONNX
 * LayerNormalization), with `<node>/gamma` and `<node>/beta` of the channel count when scale/center.
 */
export interface LayerNormNode extends NodeBase {
  op: 'layernorm';
  attrs: { epsilon: number; scale: boolean; center: boolean };
}

/** Local response normalization across `size` channels (ONNX LRN: alpha is divided by size). */
export interface LrnNode extends NodeBase {
  op: 'lrn';
  attrs: { size: number; alpha: number; beta: number; bias: number };
}

export type GraphNode =
  | InputNode
  | LayerNormNode
  | LrnNode
  | TransposeNode
  | SliceNode
  | ReduceNode
  | MatmulNode
  | UnaryNode
  | HardSigmoidNode
  | ClipNode
  | AlphaNode
  | GeluNode
  | BinaryNode
  | PreluNode
  | Conv2dNode
  | BatchNormNode
  | DenseNode
  | MaxPoolNode
  | AvgPoolNode
  | ConcatNode
  | PadNode
  | FlattenNode
  | ReshapeNode
  | IdentityNode
  | ConstantNode
  | PlainNode;

export type OpKind = GraphNode['op'];

export interface Graph {
  /** Topological order; the first node is the only 'input', the last is the output (logits). */
  nodes: GraphNode[];
}

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

/**
 * Checks the structure: unique names, one input node first, every input named before use, arity
 * per op (from its descriptor), known ops and roles. Attribute values are checked by shape inference.
 */
export function validateGraph(graph: Graph): void {
  const { nodes } = graph;
  if (nodes.length < 2) throw new GraphError(`a graph needs an input node and at least one more node, given ${nodes.length} node(s)`);
  const seen = new Set<string>();
  nodes.forEach((node, i) => {
    if (typeof node.name !== 'string' || node.name.length === 0) throw new GraphError(`node ${i} has no name`);
    if (seen.has(node.name)) throw new GraphError(`duplicate node name '${node.name}'`);
    if (!isOpKind(node.op)) throw new GraphError(`node '${node.name}': unknown op '${String(node.op)}' (known: ${OP_KINDS.join(', ')})`);
    if ((i === 0) !== (node.op === 'input')) {
      throw new GraphError(
        i === 0 ? `the first node must be the input, given '${node.name}' (${node.op})` : `node '${node.name}': only the first node may be an input`,
      );
    }
    const [lo, hi] = descriptorOf(node).arity;
    if (!Array.isArray(node.inputs) || node.inputs.length < lo || node.inputs.length > hi) {
      const want = hi === Infinity ? `at least ${lo}` : lo === hi ? `${lo}` : `${lo}–${hi}`;
      throw new GraphError(`node '${node.name}' (${node.op}) takes ${want} input(s), given ${JSON.stringify(node.inputs)}`);
    }
    for (const input of node.inputs) {
      if (!seen.has(input)) throw new GraphError(`node '${node.name}' reads '${input}', which is not an earlier node`);
    }
    if (node.role !== undefined && !ROLES.includes(node.role)) throw new GraphError(`node '${node.name}': unknown role '${String(node.role)}'`);
    seen.add(node.name);
  });
}

/** Index of node names, with the consumers of each node. */
export class GraphIndex {
  readonly byName = new Map<string, GraphNode>();
  readonly position = new Map<string, number>();
  readonly consumers = new Map<string, string[]>();

  constructor(readonly graph: Graph) {
    graph.nodes.forEach((node, i) => {
      this.byName.set(node.name, node);
      this.position.set(node.name, i);
      this.consumers.set(node.name, []);
    });
    for (const node of graph.nodes) for (const input of node.inputs) this.consumers.get(input)?.push(node.name);
  }

  get names(): string[] {
    return this.graph.nodes.map((n) => n.name);
  }

  get output(): GraphNode {
    return this.graph.nodes[this.graph.nodes.length - 1];
  }

  node(name: string): GraphNode {
    const n = this.byName.get(name);
    if (!n) throw new GraphError(`no node named '${name}'`);
    return n;
  }

  /**
   * The node whose tensor `name` outputs: identity nodes pass their input through unchanged, so
   * hooking one means hooking the tensor of the node it reads.
   */
  source(name: string): string {
    let node = this.node(name);
    while (node.op === 'identity') node = this.node(node.inputs[0]);
    return node.name;
  }
}

/** A deep copy through JSON: graphs are plain data. */
export function cloneGraph(graph: Graph): Graph {
  return JSON.parse(JSON.stringify(graph)) as Graph;
}
