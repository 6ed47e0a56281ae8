// ONNX model → gradscope graph (NHWC, HWIO, dense (in, out)) with the file's node names, plus its
// parameters as float32 host arrays named `<node>/<kind>`. Layouts are converted once, here: NCHW
// feature maps become NHWC nodes, OIHW filters HWIO, Gemm/MatMul weights (in, out); a Flatten of a
// feature map is a channel-major ('nchw') flatten, so dense weights after it keep their stored row
// order. Node names are node.name, else the node's first output name; helper nodes the conversion
// adds (a flatten or reshape between layouts) are named after the node they serve.
//
// Values of any rank flow through the graph (see onnx-graph-values.ts for the two layouts); the
// graph input is 4-D, so an ONNX input of another rank is fed as [d0, 1, Π middle dims, last dim],
// which has its row-major memory. Everything the graph cannot express is collected and thrown as
// one OnnxImportError: unknown op types first (each with its node names), else every unsupported
// case of a known op (grouped convolution, broadcasting, a transpose, …).
import { GraphIndex, validateGraph, type Graph, type GraphNode } from '../../src/models/graph.js';
import { inferShapes } from '../../src/models/shapes.js';
import { inferRoles } from '../../src/models/roles.js';
import type { Shape } from '../../src/tensor/index.js';
import { validateWeightShapes } from '../../src/models/parameters.js';
import type { OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx.js';
import { attrFloat, attrInt, attrInts, attrTensor } from './onnx-graph-attrs.js';
import type { OnnxBoundary } from './onnx-graph-boundary.js';
import { NodeContext } from './onnx-graph-context.js';
import { OnnxImportError, UnsupportedCase, unsupported, type OnnxImportProblem } from './onnx-graph-error.js';
import { convertAveragePool, convertBatchNorm, convertConv, convertGlobalPool, convertMaxPool, convertPad } from './onnx-graph-spatial.js';
import { convertBinary, convertClip, convertHardSigmoid, convertLeakyRelu, convertPRelu, convertSelu, convertUnary } from './onnx-graph-elementwise.js';
import { FOLDABLE, foldNode } from './onnx-graph-fold.js';
import { convertGroupNorm, convertInstanceNorm, convertLayerNorm, convertLrn } from './onnx-graph-norm.js';
import { convertReduce, convertSlice, convertSplit, convertSqueeze, convertTranspose } from './onnx-graph-layout.js';
import {
  convertAdd,
  convertConcat,
  convertFlatten,
  convertGemm,
  convertIdentity,
  convertMatMul,
  convertRelu,
  convertReshape,
  convertSoftmax,
} from './onnx-graph-tensor.js';
import { fmtDims, GraphEmitter, nhwcOf, product, sameDims, type Parameter, type Value } from './onnx-graph-values.js';

export { OnnxImportError, type OnnxImportProblem } from './onnx-graph-error.js';
export { toGraphInput, fromGraphOutput, type OnnxBoundary } from './onnx-graph-boundary.js';
export type { Parameter, Layout } from './onnx-graph-values.js';

export interface ImportedOnnxGraph {
  /** Roles inferred from the structure (inferRoles). */
  graph: Graph;
  params: Map<string, Parameter>;
  input: OnnxBoundary;
  output: OnnxBoundary;
}

export interface OnnxImportOptions {
  /** Input size when the file leaves height and width symbolic. */
  inputSize?: { height: number; width: number };
  /** Which graph output to import when the file has several. */
  output?: string;
}

const CONVERTERS: Record<string, (c: NodeContext) => Value | Value[]> = {
  Conv: convertConv,
  BatchNormalization: convertBatchNorm,
  Relu: convertRelu,
  Add: convertAdd,
  Sum: convertAdd,
  MaxPool: convertMaxPool,
  AveragePool: convertAveragePool,
  GlobalAveragePool: convertGlobalPool,
  GlobalMaxPool: convertGlobalPool,
  Gemm: convertGemm,
  MatMul: convertMatMul,
  Concat: convertConcat,
  Pad: convertPad,
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Softmax: convertSoftmax,
  LogSoftmax: convertSoftmax,
  Dropout: convertIdentity,
  Identity: convertIdentity,
  Sigmoid: convertUnary,
  Tanh: convertUnary,
  HardSwish: convertUnary,
  Softplus: convertUnary,
  Erf: convertUnary,
  Sqrt: convertUnary,
  Exp: convertUnary,
  Log: convertUnary,
  Abs: convertUnary,
  Neg: convertUnary,
  Reciprocal: convertUnary,
  Selu: convertSelu,
  HardSigmoid: convertHardSigmoid,
  LeakyRelu: convertLeakyRelu,
  Elu: convertLeakyRelu,
  Clip: convertClip,
  PRelu: convertPRelu,
  Sub: convertBinary,
  Mul: convertBinary,
  Div: convertBinary,
  Pow: convertBinary,
  Max: convertBinary,
  Min: convertBinary,
  Transpose: convertTranspose,
  Slice: convertSlice,
  Split: convertSplit,
  Squeeze: convertSqueeze,
  Unsqueeze: convertSqueeze,
  ReduceMean: convertReduce,
  ReduceSum: convertReduce,
  ReduceMax: convertReduce,
  ReduceMin: convertReduce,
  LayerNormalization: convertLayerNorm,
  InstanceNormalization: convertInstanceNorm,
  GroupNormalization: convertGroupNorm,
  LRN: convertLrn,
};

/** Ops that only ever produce constants (folded at import, no graph node). */
const CONSTANT_OPS = new Set(['Constant']);

/** The ONNX op types the importer converts. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [...new Set([...Object.keys(CONVERTERS), ...CONSTANT_OPS, ...FOLDABLE])];

function opLabel(node: OnnxNode): string {
  return node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;
}

function isKnown(node: OnnxNode): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && SUPPORTED_ONNX_OPS.includes(node.opType);
}

/** The graph name of each node: node.name, else its first output, made unique with _1, _2, … */
function nodeNames(model: OnnxModel, taken: Set<string>): string[] {
  return model.graph.nodes.map((n, i) => {
    const base = n.name || n.outputs[0] || `node_${i}`;
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  });
}

/** The tensor a Constant node makes. */
function constantValue(node: OnnxNode): OnnxTensor {
  const name = node.outputs[0] ?? '';
  const t = attrTensor(node, 'value');
  if (t) return { ...t, name };
  if (node.attributes.value_float) return { name, dataType: 'float32', dims: [], data: Float32Array.of(attrFloat(node, 'value_float', 0)) };
  if (node.attributes.value_int) return { name, dataType: 'int64', dims: [], data: BigInt64Array.of(BigInt(attrInt(node, 'value_int', 0))) };
  const fs = node.attributes.value_floats;
  if (fs?.type === 'floats') return { name, dataType: 'float32', dims: [fs.value.length], data: Float32Array.from(fs.value) };
  const is = attrInts(node, 'value_ints');
  if (is) return { name, dataType: 'int64', dims: [is.length], data: BigInt64Array.from(is, (v) => BigInt(v)) };
  unsupported(`a constant of kind ${Object.keys(node.attributes).join(', ') || '(none)'} (only numeric tensors)`);
}

interface InputSetup {
  value: Value;
  node: GraphNode;
}

/** The graph input node for the ONNX data input, and how its value is held. */
function inputNode(info: OnnxValueInfo, name: string, options: OnnxImportOptions): InputSetup {
  const t = info.type;
  if (t.kind !== 'tensor') unsupported(`input '${info.name}' is a ${t.kind}, not a tensor`);
  if (t.elemType !== 'float32') unsupported(`input '${info.name}' holds ${t.elemType ?? 'an unknown type'}; the engine computes in float32`);
  if (!t.shape) unsupported(`input '${info.name}' has no shape`);
  const r = t.shape.length;
  if (r === 0) unsupported(`input '${info.name}' is a scalar (a batch axis is needed)`);
  const dims = t.shape.map((d, i) => {
    if (typeof d === 'number' && d > 0) return d;
    if (i === 0) return 1;
    if (r === 4 && i >= 2 && options.inputSize) return i === 2 ? options.inputSize.height : options.inputSize.width;
    return unsupported(`input '${info.name}' has symbolic dimension ${i} (${String(d)}); pass inputSize for the height and width`);
  });
  if (r === 4) {
    return {
      value: { node: name, onnx: dims, ours: nhwcOf(dims), layout: 'nhwc' },
      node: { name, op: 'input', inputs: [], attrs: { height: dims[2], width: dims[3], channels: dims[1] } },
    };
  }
  const channels = r >= 2 ? dims[r - 1] : 1;
  const width = r >= 3 ? product(dims.slice(1, r - 1)) : 1;
  return {
    value: { node: name, onnx: dims, ours: [dims[0], 1, width, channels], layout: 'rowmajor' },
    node: { name, op: 'input', inputs: [], attrs: { height: 1, width, channels } },
  };
}

/**
 * The graph with structural roles (inferRoles), where a constant operand joins nothing: an Add of
 * a constant (a bias) does not make its other input a residual branch, and a Concat with a
 * constant does not make the computed input a branch. Roles are inferred on a view of the graph
 * with constant operands dropped from add/concat, then set on the real nodes.
 */
function withStructuralRoles(graph: Graph, shapes: Map<string, Shape>): Graph {
  const constants = new Set(graph.nodes.filter((n) => n.op === 'constant').map((n) => n.name));
  const view: Graph = {
    nodes: graph.nodes.map((n): GraphNode => {
      const computed = n.inputs.filter((i) => !constants.has(i));
      if (computed.length === 0 || computed.length === n.inputs.length) return n;
      if (n.op === 'concat') return { ...n, inputs: computed };
      if (n.op === 'add') return { name: n.name, op: 'identity', inputs: computed, attrs: {} };
      return n;
    }),
  };
  const roles = inferRoles(view, shapes);
  return { nodes: graph.nodes.map((n) => (n.role === undefined && roles.has(n.name) ? ({ ...n, role: roles.get(n.name) } as GraphNode) : n)) };
}

/** Nodes the output depends on, in file order (unused branches are dropped). */
function prune(nodes: GraphNode[], output: string): GraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const needed = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    needed.add(name);
    stack.push(...(byName.get(name)?.inputs ?? []));
  }
  return nodes.filter((n) => needed.has(n.name));
}

function problemList(entries: { opType: string; node: string; reason?: string }[]): OnnxImportProblem[] {
  const grouped = new Map<string, OnnxImportProblem>();
  for (const e of entries) {
    const key = `${e.opType}\u0000${e.reason ?? ''}`;
    const p = grouped.get(key);
    if (p) p.nodes.push(e.node);
    else grouped.set(key, { opType: e.opType, nodes: [e.node], ...(e.reason !== undefined ? { reason: e.reason } : {}) });
  }
  return [...grouped.values()];
}

/** Which output the graph is for. */
function chooseOutput(model: OnnxModel, options: OnnxImportOptions): OnnxValueInfo {
  const outputs = model.graph.outputs;
  if (options.output !== undefined) {
    const o = outputs.find((v) => v.name === options.output);
    if (!o) throw new Error(`${model.file}: no graph output named '${options.output}' (outputs: ${outputs.map((v) => v.name).join(', ')})`);
    return o;
  }
  if (outputs.length !== 1) {
    throw new OnnxImportError(model.file, [
      { opType: '(graph)', nodes: outputs.map((v) => v.name), reason: `${outputs.length} graph outputs; a graph has one (choose one with the output option)` },
    ]);
  }
  return outputs[0];
}

/** Converts the model; throws OnnxImportError listing everything the graph cannot express. */
export function importOnnxGraph(model: OnnxModel, options: OnnxImportOptions = {}): ImportedOnnxGraph {
  const g = model.graph;
  const unknown = g.nodes.filter((n) => !isKnown(n));
  if (unknown.length > 0) {
    throw new OnnxImportError(model.file, problemList(unknown.map((n, i) => ({ opType: opLabel(n), node: n.name || n.outputs[0] || `#${i}` }))));
  }
  const outputInfo = chooseOutput(model, options);
  if (g.dataInputs.length !== 1) {
    const names = g.dataInputs.map((v) => v.name);
    throw new OnnxImportError(model.file, [{ opType: '(graph)', nodes: names, reason: `${names.length} data inputs; a graph has one input` }]);
  }
  const inputInfo = g.dataInputs[0];
  const taken = new Set<string>([inputInfo.name]);
  const names = nodeNames(model, taken);
  const emit = new GraphEmitter(taken);

  let input: InputSetup;
  try {
    input = inputNode(inputInfo, inputInfo.name, options);
  } catch (e) {
    if (e instanceof UnsupportedCase) throw new OnnxImportError(model.file, [{ opType: '(input)', nodes: [inputInfo.name], reason: e.reason }]);
    throw e;
  }
  emit.push(input.node);

  const values = new Map<string, Value>([[inputInfo.name, input.value]]);
  const constants = new Map<string, OnnxTensor>(g.initializers);
  const readNames = new Set<string>([...g.nodes.flatMap((n) => n.inputs), outputInfo.name]);
  const poisoned = new Set<string>();
  const problems: { opType: string; node: string; reason: string }[] = [];

  g.nodes.forEach((node, i) => {
    const name = names[i];
    if (node.inputs.some((n) => poisoned.has(n))) {
      for (const o of node.outputs) poisoned.add(o);
      return;
    }
    try {
      if (CONSTANT_OPS.has(node.opType)) {
        constants.set(node.outputs[0], constantValue(node));
        return;
      }
      if ((node.opType === 'Identity' || node.opType === 'Dropout') && constants.has(node.inputs[0])) {
        constants.set(node.outputs[0], constants.get(node.inputs[0]) as OnnxTensor);
        return;
      }
      if (FOLDABLE.has(node.opType)) {
        const shapeOf = node.opType === 'Shape' || node.opType === 'Size' ? values.get(node.inputs[0])?.onnx : undefined;
        if (shapeOf || node.inputs.every((n) => n === '' || constants.has(n))) {
          const folded = foldNode(
            node,
            model.opset,
            node.inputs.map((n) => constants.get(n)),
            shapeOf,
          );
          if (folded) {
            folded.forEach((t, k) => constants.set(node.outputs[k], t));
            return;
          }
        }
      }
      const convert = CONVERTERS[node.opType];
      if (!convert) unsupported(`${node.opType} of a computed tensor (only shape computations on constants are folded at import)`);
      const v = convert(new NodeContext(node, name, model.opset, emit, values, constants, readNames));
      (Array.isArray(v) ? v : [v]).forEach((value, k) => values.set(node.outputs[k], value));
    } catch (e) {
      if (!(e instanceof UnsupportedCase)) throw e;
      problems.push({ opType: opLabel(node), node: name, reason: e.reason });
      for (const o of node.outputs) poisoned.add(o);
    }
  });

  const out = values.get(outputInfo.name);
  if (problems.length === 0 && !out) {
    const why = constants.has(outputInfo.name) ? 'is a constant' : 'is produced by no node';
    problems.push({ opType: '(graph)', node: outputInfo.name, reason: `the output ${why}` });
  }
  if (problems.length > 0 || !out) throw new OnnxImportError(model.file, problemList(problems));

  const declared = outputInfo.type.shape;
  if (declared && (declared.length !== out.onnx.length || declared.some((d, i) => i > 0 && typeof d === 'number' && d !== out.onnx[i]))) {
    throw new Error(`${model.file}: output '${outputInfo.name}' is declared [${declared.join(', ')}] but computes to ${fmtDims(out.onnx)}`);
  }
  if (out.node === inputInfo.name) {
    const name = emit.fresh(outputInfo.name);
    emit.push({ name, op: 'identity', inputs: [out.node], attrs: { was: 'Identity' } });
    out.node = name;
  }

  const nodes = prune(emit.nodes, out.node);
  const graph: Graph = { nodes };
  validateGraph(graph);
  const batch = input.value.onnx[0];
  const shapes = inferShapes(graph, { batch });
  for (const v of values.values()) {
    const s = shapes.get(v.node);
    if (s && !sameDims(s, v.ours)) throw new Error(`importer bug: node '${v.node}' tracked as ${fmtDims(v.ours)}, the graph infers ${fmtDims(s)}`);
  }
  const kept = new GraphIndex(graph);
  const params = new Map([...emit.params].filter(([key]) => kept.byName.has(key.slice(0, key.lastIndexOf('/')))));
  validateWeightShapes(graph, new Map([...params].map(([k, p]) => [k, p.shape])), model.file, { batch });
  return {
    graph: withStructuralRoles(graph, shapes),
    params,
    input: { name: inputInfo.name, onnxShape: input.value.onnx, ourShape: input.value.ours, layout: input.value.layout },
    output: { name: outputInfo.name, onnxShape: out.onnx, ourShape: out.ours, layout: out.layout },
  };
}
