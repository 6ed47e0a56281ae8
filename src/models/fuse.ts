// Which nodes of a graph run together as one kernel. Separate elementwise passes (batchnorm, ReLU,
// residual add, zero padding) each cost ~1 ms per big activation on lavapipe, so the executor runs:
//   [pad →] conv2d [→ batchnorm] [→ add] [→ act]    as one convolution with an epilogue
//                                                   (the pad becomes the conv's own padding; act is
//                                                   any node whose descriptor offers a fused activation:
//                                                   ReLU, ReLU6/clip, hard-swish, sigmoid, …; grouped
//                                                   and depthwise convolutions too),
//   batchnorm → relu                                as one elementwise pass.
// A node is absorbed into a fusion only when nothing else needs its tensor: it is not hooked (keep
// or watch), not the graph output, and its only reader is the next node of the chain. The fused
// ops record their own correct backward (the ReLU of a recorded fusion runs as its own op, so
// backward overrides apply), so fusions hold on recorded paths too; a batchnorm is folded only
// when its parameters need no gradient and it uses its running statistics.
import type { FusedActivation } from '../ops/activations.js';
import type { Padding } from '../ops/padding.js';
import { descriptorOf } from './op-table.js';
import type { BatchNormNode, Conv2dNode, GraphIndex, GraphNode, PadNode } from './graph.js';

/** One unit of execution, producing the tensor of node `output` from the tensors of `inputs`. */
export type Step =
  | { kind: 'node'; output: string; inputs: string[]; node: GraphNode }
  | {
      kind: 'conv';
      output: string;
      inputs: string[];
      conv: Conv2dNode;
      /** A zero padding whose only reader is this conv: added to the conv's own padding. */
      prePad?: Padding;
      /** An inference batchnorm folded into the store. */
      batchNorm?: BatchNormNode;
      /** The node whose tensor is added in the store (the other operand of a residual Add). */
      residual?: string;
      /** The activation applied in the store (the conv's own ReLU, or the node after the chain). */
      activation?: FusedActivation;
      /** The graph nodes this step stands for, in order. */
      nodes: string[];
    }
  | { kind: 'batchnorm-relu'; output: string; inputs: string[]; batchNorm: BatchNormNode; nodes: string[] };

export interface FusionOptions {
  /** Node names (identities resolved) whose tensors must exist: hooked nodes and the graph output. */
  held: ReadonlySet<string>;
  /** Whether this batchnorm may be folded into a conv or run with its ReLU (inference, no parameter gradients). */
  canFold: (node: BatchNormNode) => boolean;
  /** false: every node is its own step (the reference path for tests and profiling). */
  enabled: boolean;
  /** Nodes that must run as they are (e.g. one whose input is scaled first): never part of a fusion. */
  unfusable?: ReadonlySet<string>;
}

/** Readers of each node's tensor, identity nodes looked through (an identity is not a reader). */
function readersOf(index: GraphIndex): Map<string, GraphNode[]> {
  const readers = new Map<string, GraphNode[]>();
  for (const node of index.graph.nodes) {
    if (node.op === 'identity') continue;
    for (const input of node.inputs) {
      const source = index.source(input);
      const list = readers.get(source);
      if (list) list.push(node);
      else readers.set(source, [node]);
    }
  }
  return readers;
}

function isZeroPad(node: GraphNode): node is PadNode {
  return node.op === 'pad' && (node.attrs.value ?? 0) === 0;
}

/** The steps that evaluate the graph in order (the input node is not a step). */
export function planSteps(index: GraphIndex, options: FusionOptions): Step[] {
  const nodes = index.graph.nodes;
  const sourcesOf = (node: GraphNode) => node.inputs.map((n) => index.source(n));
  if (!options.enabled) {
    return nodes.filter((n) => n.op !== 'input' && n.op !== 'identity').map((node) => ({ kind: 'node', output: node.name, inputs: sourcesOf(node), node }));
  }
  const readers = readersOf(index);
  const unfusable = options.unfusable ?? new Set<string>();
  /** The single reader of `name`'s tensor when nothing else needs it, else undefined. */
  const onlyReader = (name: string): GraphNode | undefined => {
    const list = readers.get(name) ?? [];
    return !options.held.has(name) && !unfusable.has(name) && list.length === 1 && !unfusable.has(list[0].name) ? list[0] : undefined;
  };

  const absorbed = new Set<string>();
  const fusedAt = new Map<string, Step>();
  // A reader already part of another fusion is not free to join this one.
  const freeReader = (name: string): GraphNode | undefined => {
    const next = onlyReader(name);
    return next && !absorbed.has(next.name) && !fusedAt.has(next.name) ? next : undefined;
  };
  for (const node of nodes) {
    if (absorbed.has(node.name) || unfusable.has(node.name)) continue;
    if (node.op === 'conv2d') {
      const step = convChain(node, index, freeReader, options);
      if (step.kind === 'conv' && (step.nodes.length > 1 || step.activation)) {
        for (const name of step.nodes) if (name !== step.output) absorbed.add(name);
        fusedAt.set(step.output, step);
      }
    } else if (node.op === 'batchnorm' && options.canFold(node)) {
      const next = node.attrs.activation === 'relu' ? undefined : freeReader(node.name);
      if (node.attrs.activation === 'relu' || next?.op === 'relu') {
        const output = next ? next.name : node.name;
        if (next) absorbed.add(node.name);
        fusedAt.set(output, {
          kind: 'batchnorm-relu',
          output,
          inputs: [index.source(node.inputs[0])],
          batchNorm: node,
          nodes: next ? [node.name, next.name] : [node.name],
        });
      }
    }
  }

  const steps: Step[] = [];
  for (const node of nodes) {
    if (node.op === 'input' || node.op === 'identity' || absorbed.has(node.name)) continue;
    steps.push(fusedAt.get(node.name) ?? { kind: 'node', output: node.name, inputs: sourcesOf(node), node });
  }
  return steps;
}

/** The longest fusable chain starting at a conv: [pad →] conv [→ batchnorm] [→ add] [→ activation]. */
function convChain(conv: Conv2dNode, index: GraphIndex, freeReader: (name: string) => GraphNode | undefined, options: FusionOptions): Step {
  const nodes: string[] = [];
  let input = index.source(conv.inputs[0]);
  let prePad: Padding | undefined;
  const before = index.node(input);
  if (isZeroPad(before) && freeReader(before.name) === conv) {
    prePad = before.attrs.padding;
    nodes.push(before.name);
    input = index.source(before.inputs[0]);
  }
  nodes.push(conv.name);
  let last = conv.name;
  const RELU: FusedActivation = { kind: 'relu' };
  let activation = conv.attrs.activation === 'relu' ? RELU : undefined;
  let batchNorm: BatchNormNode | undefined;
  let residual: string | undefined;
  // Epilogue order is affine → residual → activation: a chain stops at its activation.
  let next = activation ? undefined : freeReader(last);
  if (next?.op === 'batchnorm' && options.canFold(next)) {
    batchNorm = next;
    if (next.attrs.activation === 'relu') activation = RELU;
    last = next.name;
    nodes.push(last);
    next = activation ? undefined : freeReader(last);
  }
  if (next?.op === 'add') {
    const others = next.inputs.map((n) => index.source(n)).filter((n) => n !== last);
    // The conv computed last absorbs the Add: the shortcut must already exist when this conv runs,
    // else the conv's input would stay alive through the whole other branch.
    if (others.length === 1 && (index.position.get(others[0]) ?? Infinity) < (index.position.get(conv.name) ?? -1)) {
      residual = others[0];
      last = next.name;
      nodes.push(last);
      next = freeReader(last);
    }
  }
  const fused = next && !activation ? descriptorOf(next).fused?.(next) : undefined;
  if (next && fused) {
    activation = fused;
    last = next.name;
    nodes.push(last);
  }
  const inputs = residual ? [input, residual] : [input];
  return { kind: 'conv', output: last, inputs, conv, prePad, batchNorm, residual, activation, nodes };
}
