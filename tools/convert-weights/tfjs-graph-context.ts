// What a TF.js graph op converter sees: its TF node, its data inputs (graph values or Const tensors),
// typed attribute getters, and an emitter that adds graph nodes and their parameters. A case the
// graph cannot express throws UnsupportedCase (onnx-graph-error.ts), which the importer collects.
import type { GraphNode } from '../../src/models/graph.js';
import type { NamedTensor } from '../../src/models/safetensors.js';
import type { Shape } from '../../src/tensor/index.js';
import { unsupported } from './onnx-graph-error.js';
import type { TfjsAttr, TfjsConst, TfjsGraphNode } from './tfjs-graph.js';

/** The graph being built: nodes in order, parameters, and the graph name of each TF value. */
export interface GraphSink {
  readonly nodes: GraphNode[];
  readonly params: Map<string, NamedTensor>;
  /** TF node name → the graph node holding its output. */
  readonly values: Map<string, string>;
  /** Shapes of the graph nodes so far (inferred on demand). */
  shape(graphNode: string): Shape;
  /** How many data consumers a TF node has. */
  consumers(tfNode: string): number;
}

export class TfjsNodeContext {
  constructor(
    readonly node: TfjsGraphNode,
    private readonly sink: GraphSink,
    private readonly consts: ReadonlyMap<string, TfjsConst>,
  ) {}

  get name(): string {
    return this.node.name;
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }

  /** Input k when it is a Const (folded into the node), else undefined. */
  constant(k: number): TfjsConst | undefined {
    const i = this.node.inputs[k];
    return i === undefined ? undefined : this.consts.get(i.node);
  }

  /** Input k as a Const; anything else is unsupported. */
  requireConstant(k: number, what: string): TfjsConst {
    const c = this.constant(k);
    if (!c) unsupported(`its ${what} (input ${k + 1}) is computed, not a constant`);
    return c;
  }

  /** The graph node holding input k (a computed value, not a Const). */
  value(k: number): string {
    const i = this.node.inputs[k];
    if (i === undefined) unsupported(`input ${k + 1} is missing`);
    if (this.consts.has(i.node)) unsupported(`input ${k + 1} is a constant where a computed tensor is expected`);
    if (i.output !== 0) unsupported(`it reads output ${i.output} of '${i.node}'`);
    const v = this.sink.values.get(i.node);
    if (v === undefined) throw new Error(`tfjs graph import: '${i.node}' used before it was converted`);
    return v;
  }

  shapeOf(graphNode: string): Shape {
    return this.sink.shape(graphNode);
  }

  consumers(tfNode: string): number {
    return this.sink.consumers(tfNode);
  }

  attr(key: string): TfjsAttr | undefined {
    return this.node.attrs[key];
  }

  str(key: string, fallback?: string): string {
    const v = this.node.attrs[key] ?? fallback;
    if (typeof v !== 'string') unsupported(`attribute ${key} ${JSON.stringify(v ?? null)} (a string is expected)`);
    return v;
  }

  num(key: string, fallback?: number): number {
    const v = this.node.attrs[key] ?? fallback;
    if (typeof v !== 'number') unsupported(`attribute ${key} ${JSON.stringify(v ?? null)} (a number is expected)`);
    return v;
  }

  bool(key: string, fallback = false): boolean {
    const v = this.node.attrs[key] ?? fallback;
    if (typeof v !== 'boolean') unsupported(`attribute ${key} ${JSON.stringify(v)} (a boolean is expected)`);
    return v;
  }

  ints(key: string, fallback?: number[]): number[] {
    const v = this.node.attrs[key] ?? fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
      unsupported(`attribute ${key} ${JSON.stringify(v ?? null)} (a list of integers is expected)`);
    return v as number[];
  }

  strings(key: string): string[] {
    const v = this.node.attrs[key] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) unsupported(`attribute ${key} ${JSON.stringify(v)} (a list of strings is expected)`);
    return v as string[];
  }

  /**
   * Input k, a Const, as a 'constant' graph node (emitted once per Const, named as it; a scalar is
   * held as [1], which broadcasts like the scalar).
   */
  constantNode(k: number): string {
    const i = this.node.inputs[k];
    const c = this.constant(k);
    if (!i || !c) unsupported(`input ${k + 1} is not a constant`);
    const known = this.sink.values.get(i.node);
    if (known !== undefined) return known;
    const shape = c.shape.length === 0 ? [1] : c.shape;
    if (shape.some((d) => d <= 0)) unsupported(`an empty constant '${i.node}'`);
    this.sink.nodes.push({ name: i.node, op: 'constant', inputs: [], attrs: { shape } });
    this.param(i.node, 'value', shape, c.data);
    this.sink.values.set(i.node, i.node);
    return i.node;
  }

  /** The graph node named `name` emitted so far. */
  emitted(name: string): GraphNode | undefined {
    return this.sink.nodes.find((n) => n.name === name);
  }

  /**
   * Renames an emitted node (and its parameters) to this TF node's name, for a fold that makes this
   * node's output the emitted node's: the TF node it came from must have no other consumer.
   */
  takeOver(graphNode: string): GraphNode {
    const node = this.emitted(graphNode);
    if (!node) throw new Error(`tfjs graph import: no node '${graphNode}' to take over`);
    node.name = this.name;
    for (const [key, value] of [...this.sink.params]) {
      if (!key.startsWith(`${graphNode}/`)) continue;
      this.sink.params.delete(key);
      this.sink.params.set(`${this.name}/${key.slice(graphNode.length + 1)}`, value);
    }
    return node;
  }

  /** Adds a graph node (its name must be new) and returns its name. */
  emit(node: GraphNode): string {
    this.sink.nodes.push(node);
    return node.name;
  }

  param(graphNode: string, kind: string, shape: number[], data: Float32Array): void {
    this.sink.params.set(`${graphNode}/${kind}`, { shape, data });
  }
}
