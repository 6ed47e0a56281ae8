// One ONNX backend node test through the graph importer: the test's first input feeds the graph;
// its other inputs (weights, pads, shapes, a second operand) become constants, as they are in a real
// model file. A constant operand of Add, Sum or Concat becomes a constant node: its values are
// uploaded as they are and combined with the input by the same GPU add/concat kernels, so those
// tests still check our kernels on the test's data. Each test_data_set_* runs the imported graph
// on the GPU and compares with output_0.pb.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { runGraph } from '../../src/models/execute.js';
import { tensorToFloat32, type OnnxModel, type OnnxTensor } from '../convert-weights/onnx.js';
import { readOnnxModel, readOnnxTensor } from '../convert-weights/onnx-file.js';
import { fromGraphOutput, importOnnxGraph, OnnxImportError, toGraphInput } from '../convert-weights/onnx-graph.js';
import { compareOutputs, type Tolerance } from './compare.js';

export type Status = 'passed' | 'failed' | 'unsupported';

export interface NodeTestResult {
  name: string;
  status: Status;
  /** Why it failed or is unsupported. */
  reason?: string;
  ms: number;
}

class Unsupported extends Error {}

function dataSets(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => join(dir, d));
}

function numbered(dir: string, kind: 'input' | 'output'): string[] {
  const files: string[] = [];
  for (let i = 0; existsSync(join(dir, `${kind}_${i}.pb`)); i++) files.push(join(dir, `${kind}_${i}.pb`));
  return files;
}

/** The model with every data input but the first replaced by this data set's values. */
function withConstantInputs(model: OnnxModel, inputs: OnnxTensor[]): OnnxModel {
  const [first, ...rest] = model.graph.dataInputs;
  const initializers = new Map(model.graph.initializers);
  rest.forEach((info, k) => initializers.set(info.name, { ...inputs[k + 1], name: info.name }));
  return { ...model, graph: { ...model.graph, initializers, dataInputs: first ? [first] : [] } };
}

function checkTypes(model: OnnxModel): void {
  const g = model.graph;
  if (g.dataInputs.length === 0) throw new Unsupported('the model has no data input');
  for (const v of [...g.dataInputs, ...g.outputs]) {
    if (v.type.kind !== 'tensor') throw new Unsupported(`'${v.name}' is a ${v.type.kind}, not a tensor`);
  }
  const nonFloat = g.outputs.find((v) => v.type.elemType !== 'float32');
  if (nonFloat) throw new Unsupported(`output '${nonFloat.name}' is ${nonFloat.type.elemType}; the engine computes in float32`);
}

async function runDataSet(model: OnnxModel, setDir: string, tolerance: Tolerance): Promise<string | undefined> {
  const inputs = numbered(setDir, 'input').map((f) => readOnnxTensor(f));
  const expected = numbered(setDir, 'output').map((f) => readOnnxTensor(f));
  if (inputs.length !== model.graph.dataInputs.length) throw new Error(`${inputs.length} input files for ${model.graph.dataInputs.length} data inputs`);
  const imported = importOnnxGraph(withConstantInputs(model, inputs));
  if (expected.length !== 1) throw new Error(`${expected.length} expected outputs for one graph output`);
  const feed = toGraphInput(imported.input, tensorToFloat32(inputs[0]), inputs[0].dims);
  const params = new Map<string, Tensor>();
  try {
    for (const [name, p] of imported.params) params.set(name, tensor(p.data, p.shape));
    const y = tidy(() => runGraph(imported.graph, params, tensor(feed.data, feed.shape)).logits);
    const ours = await y.read();
    y.dispose();
    const out = fromGraphOutput(imported.output, ours, inputs[0].dims[0]);
    return compareOutputs(out.data, out.dims, tensorToFloat32(expected[0]), expected[0].dims, tolerance);
  } finally {
    for (const t of params.values()) t.dispose();
  }
}

/** Runs one node test; never throws (an exception is a failure, an import refusal is unsupported). */
export async function runNodeTest(root: string, name: string, tolerance: Tolerance): Promise<NodeTestResult> {
  const start = performance.now();
  const done = (status: Status, reason?: string): NodeTestResult => ({ name, status, ...(reason ? { reason } : {}), ms: performance.now() - start });
  try {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'model.onnx'))) throw new Unsupported('no model.onnx in the test directory');
    const model = readOnnxModel(join(dir, 'model.onnx'));
    checkTypes(model);
    const sets = dataSets(dir);
    if (sets.length === 0) throw new Error('no test_data_set_* directory');
    for (const set of sets) {
      const problem = await runDataSet(model, set, tolerance);
      if (problem) return done('failed', sets.length > 1 ? `${problem} (${set.slice(dir.length + 1)})` : problem);
    }
    return done('passed');
  } catch (e) {
    if (e instanceof Unsupported) return done('unsupported', e.message);
    if (e instanceof OnnxImportError) return done('unsupported', e.summary);
    return done('failed', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
}
