// What a converter sees of the node it converts: its inputs as graph values or as constants
// (initializers, Constant nodes) — or, for operands, either one as a graph value — which of its
// outputs the rest of the file reads, and the emitter.
import { tensorToFloat32, type OnnxNode, type OnnxTensor } from './onnx.js';
import { unsupported } from './onnx-graph-error.js';
import { fmtDims, type GraphEmitter, type Value } from './onnx-graph-values.js';

export class NodeContext {
  constructor(
    readonly node: OnnxNode,
    /** The graph name of the node's (first) output. */
    readonly name: string,
    readonly opset: number,
    readonly emit: GraphEmitter,
    private readonly values: ReadonlyMap<string, Value>,
    private readonly constants: ReadonlyMap<string, OnnxTensor>,
    private readonly readNames: ReadonlySet<string>,
  ) {}

  private inputName(i: number): string {
    return this.node.inputs[i] ?? '';
  }

  has(i: number): boolean {
    return this.inputName(i) !== '';
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }

  /** Input i, a tensor computed by the graph. */
  value(i: number): Value {
    const name = this.inputName(i);
    if (name === '') unsupported(`input ${i} is missing`);
    const v = this.values.get(name);
    if (v) return v;
    if (this.constants.has(name)) {
      unsupported(`input '${name}' is a constant tensor; ${this.node.opType} is supported on computed tensors only (the graph has no constant node)`);
    }
    throw new Error(`${this.node.opType} '${this.name}': input '${name}' is produced by no earlier node and is no initializer`);
  }

  /** Whether input i is a constant (an initializer or a Constant node's output). */
  isConstant(i: number): boolean {
    const name = this.inputName(i);
    return name !== '' && !this.values.has(name) && this.constants.has(name);
  }

  /**
   * Input i as an operand of an elementwise op or a concat: the computed value, or for a constant a
   * 'constant' graph node holding it (one per ONNX name, however often it is read).
   */
  operand(i: number): Value {
    if (!this.isConstant(i)) return this.value(i);
    const t = this.constants.get(this.inputName(i)) as OnnxTensor;
    if (t.dims.length === 0) unsupported(`input '${t.name}' is a scalar constant (only constants with a shape)`);
    return this.emit.constant(this.inputName(i), t.dims, floats(t, 'operand'));
  }

  /** Input i, a constant; undefined when the optional input is omitted. */
  optionalConstant(i: number, role: string): OnnxTensor | undefined {
    const name = this.inputName(i);
    if (name === '') return undefined;
    const t = this.constants.get(name);
    if (t) return t;
    if (this.values.has(name)) unsupported(`${role} '${name}' is computed at run time; only constant ${role} (an initializer) is supported`);
    throw new Error(`${this.node.opType} '${this.name}': input '${name}' is produced by no earlier node and is no initializer`);
  }

  constant(i: number, role: string): OnnxTensor {
    const t = this.optionalConstant(i, role);
    if (!t) unsupported(`the ${role} input is missing`);
    return t;
  }

  /** Whether output i exists and something (a node or the graph output) reads it. */
  outputRead(i: number): boolean {
    const name = this.node.outputs[i] ?? '';
    return name !== '' && this.readNames.has(name);
  }
}

/** A constant's values as float32, checking its shape. */
export function floats(t: OnnxTensor, role: string, dims?: readonly number[]): Float32Array {
  if (dims && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))) {
    throw new Error(`${role} '${t.name}' has shape ${fmtDims(t.dims)}, expected ${fmtDims(dims)}`);
  }
  if (Array.isArray(t.data)) unsupported(`${role} '${t.name}' holds strings`);
  return tensorToFloat32(t);
}

/** A constant's values as integers (shapes, pads). */
export function ints(t: OnnxTensor, role: string): number[] {
  if (Array.isArray(t.data)) unsupported(`${role} '${t.name}' holds strings`);
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}
