// A TF.js graph model (readTfjsGraph) → a gradscope graph with the file's node names, and its
// parameters `<node>/<kind>`. Const nodes become parameters of the node that reads them; the graph
// input is the one Placeholder; the output is the graph's one sink, found through trailing Identity
// nodes, and a Softmax there is dropped so the graph outputs logits. Preprocessing folded into the
// graph (the nsfwjs mid model starts with Mul/Sub) stays part of it. Every node the graph cannot
// express is collected, and thrown once as TfjsImportError listing each op type with its node names.
import type { Graph, GraphNode } from '../../src/models/graph.js';
import { validateGraph } from '../../src/models/graph.js';
import { inferShapes, inputShape } from '../../src/models/shapes.js';
import { withInferredRoles } from '../../src/models/roles.js';
import type { NamedTensor } from '../../src/models/safetensors.js';
import { ShapeError, type Shape } from '../../src/tensor/index.js';
import { UnsupportedCase, type OnnxImportProblem } from './onnx-graph-error.js';
import { TfjsNodeContext, type GraphSink } from './tfjs-graph-context.js';
import { TFJS_CONVERTERS } from './tfjs-graph-ops.js';
import type { TfjsGraphContents, TfjsGraphNode } from './tfjs-graph.js';

export interface ImportedTfjsGraph {
  /** Roles inferred from the structure. */
  readonly graph: Graph;
  readonly params: Map<string, NamedTensor>;
  /** The Placeholder's name. */
  readonly input: string;
  /** The TF node whose value the graph outputs (the logits). */
  readonly output: string;
  /** The Softmax dropped at the output, when there was one. */
  readonly droppedSoftmax?: string;
}

/** Ops the importer reads without making a graph node of them. */
const SKIPPED_OPS = new Set(['Const', 'Placeholder', 'NoOp']);

/** The TF.js op types the importer converts. */
export const SUPPORTED_TFJS_OPS: readonly string[] = [...Object.keys(TFJS_CONVERTERS), 'Const', 'Placeholder'];

/** What the graph cannot express: each op type with its node names (and why, for a known op). */
export class TfjsImportError extends Error {
  constructor(readonly problems: OnnxImportProblem[]) {
    super(`unsupported ${problems.map((p) => `${p.opType} (${listNames(p.nodes)})${p.reason ? `: ${p.reason}` : ''}`).join('; ')}`);
    this.name = 'TfjsImportError';
  }
}

function listNames(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head}, … ${names.length} nodes` : head;
}

/** The value the graph outputs: the one sink, through trailing Identity nodes and a final Softmax. */
function findOutput(nodes: readonly TfjsGraphNode[], byName: Map<string, TfjsGraphNode>): { output: string; softmax?: string } {
  const read = new Set(nodes.flatMap((n) => n.inputs.map((i) => i.node)));
  const sinks = nodes.filter((n) => !read.has(n.name) && !SKIPPED_OPS.has(n.op));
  if (sinks.length !== 1)
    throw new TfjsImportError([{ opType: 'graph', nodes: sinks.map((n) => n.name), reason: `${sinks.length} outputs (one is supported)` }]);
  let node = sinks[0];
  while (node.op === 'Identity' && node.inputs.length === 1) node = byName.get(node.inputs[0].node) as TfjsGraphNode;
  if (node.op === 'Softmax' && node.inputs.length === 1) return { output: node.inputs[0].node, softmax: node.name };
  return { output: node.name };
}

/** The non-Const ancestors of `output`, inputs before the nodes that read them. */
function ancestorsInOrder(output: string, byName: Map<string, TfjsGraphNode>): TfjsGraphNode[] {
  const order: TfjsGraphNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  // Iterative depth-first search: graphs of a few thousand nodes would overflow a recursive one.
  const stack: { name: string; next: number }[] = [{ name: output, next: 0 }];
  state.set(output, 'open');
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const node = byName.get(top.name) as TfjsGraphNode;
    if (top.next < node.inputs.length) {
      const input = node.inputs[top.next++].node;
      if (state.get(input) === 'open') throw new TfjsImportError([{ opType: node.op, nodes: [node.name], reason: `a cycle through '${input}'` }]);
      if (state.has(input) || byName.get(input)?.op === 'Const') continue;
      state.set(input, 'open');
      stack.push({ name: input, next: 0 });
      continue;
    }
    state.set(top.name, 'done');
    order.push(node);
    stack.pop();
  }
  return order;
}

function inputNode(node: TfjsGraphNode, inputSize: { height: number; width: number } | undefined): GraphNode {
  const dtype = node.attrs.dtype;
  if (dtype !== undefined && dtype !== 'DT_FLOAT') throw new UnsupportedCase(`an input of ${String(dtype)} (the engine computes in float32)`);
  const shape = node.attrs.shape;
  if (!Array.isArray(shape) || shape.length !== 4)
    throw new UnsupportedCase(`input shape ${JSON.stringify(shape ?? null)} (an image input [batch, height, width, channels] is needed)`);
  const [, h0, w0, c] = shape as number[];
  const height = h0 > 0 ? h0 : inputSize?.height;
  const width = w0 > 0 ? w0 : inputSize?.width;
  if (!height || !width || !(c > 0)) throw new UnsupportedCase(`input shape ${JSON.stringify(shape)} (height and width must be fixed: pass --input-size HxW)`);
  return { name: node.name, op: 'input', inputs: [], attrs: { height, width, channels: c } };
}

export function importTfjsGraph(contents: TfjsGraphContents, options: { inputSize?: { height: number; width: number } } = {}): ImportedTfjsGraph {
  const byName = new Map(contents.nodes.map((n) => [n.name, n]));
  const { output, softmax } = findOutput(contents.nodes, byName);
  const order = ancestorsInOrder(output, byName);
  const placeholders = order.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1) {
    throw new TfjsImportError([
      {
        opType: 'Placeholder',
        nodes: placeholders.map((n) => n.name),
        reason: `${placeholders.length} inputs lead to the output (one image input is supported)`,
      },
    ]);
  }
  const consumers = new Map<string, number>();
  for (const n of order) for (const i of n.inputs) consumers.set(i.node, (consumers.get(i.node) ?? 0) + 1);

  let shapes = new Map<string, Shape>();
  const sink: GraphSink = {
    nodes: [],
    params: new Map(),
    values: new Map(),
    shape(graphNode) {
      // A graph of the input alone is not valid yet: its shape comes from the input node.
      if (sink.nodes.length === 1 && graphNode === sink.nodes[0].name) return inputShape({ nodes: sink.nodes });
      if (!shapes.has(graphNode)) shapes = inferShapes({ nodes: sink.nodes });
      const s = shapes.get(graphNode);
      if (!s) throw new Error(`tfjs graph import: no shape for '${graphNode}'`);
      return s;
    },
    consumers: (tfNode) => consumers.get(tfNode) ?? 0,
  };
  const problems = new Map<string, OnnxImportProblem>();
  const note = (opType: string, node: string, reason?: string) => {
    const key = `${opType}\0${reason ?? ''}`;
    if (!problems.has(key)) problems.set(key, { opType, nodes: [], reason });
    problems.get(key)?.nodes.push(node);
  };
  // The Placeholder first: the graph's input node must come before everything.
  const [placeholder] = placeholders;
  try {
    sink.nodes.push(inputNode(placeholder, options.inputSize));
    sink.values.set(placeholder.name, placeholder.name);
  } catch (e) {
    if (!(e instanceof UnsupportedCase)) throw e;
    throw new TfjsImportError([{ opType: 'Placeholder', nodes: [placeholder.name], reason: e.reason }]);
  }
  for (const node of order) {
    if (SKIPPED_OPS.has(node.op)) continue;
    if (!Object.hasOwn(TFJS_CONVERTERS, node.op)) {
      note(node.op, node.name);
      continue;
    }
    // A node after an unsupported one cannot be converted (an input has no graph node): it is not reported.
    if (node.inputs.some((i) => byName.get(i.node)?.op !== 'Const' && !sink.values.has(i.node))) continue;
    const before = sink.nodes.length;
    try {
      const made = TFJS_CONVERTERS[node.op](new TfjsNodeContext(node, sink, contents.consts));
      // Shapes are checked as each node is made, so a mismatch is reported against its TF node.
      sink.shape(made);
      sink.values.set(node.name, made);
    } catch (e) {
      if (!(e instanceof UnsupportedCase) && !(e instanceof ShapeError)) throw e;
      sink.nodes.length = before;
      note(node.op, node.name, e instanceof UnsupportedCase ? e.reason : e.message);
    }
  }
  if (problems.size > 0) throw new TfjsImportError([...problems.values()]);

  // Depth-first post-order from the output puts the output's node last, as the graph requires.
  const graph: Graph = { nodes: sink.nodes };
  validateGraph(graph);
  return { graph: withInferredRoles(graph, inferShapes(graph)), params: sink.params, input: placeholder.name, output, droppedSoftmax: softmax };
}
