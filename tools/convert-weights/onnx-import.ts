// ONNX model → native graph and parameters, on what is already in memory (no files): used by the
// converter (to-native.ts) and by the page, which converts a dropped .onnx file itself.
import type { Graph } from '../../src/models/graph.js';
import { WeightFileError, type NamedTensor } from '../../src/models/safetensors.js';
import type { OnnxModel } from './onnx.js';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A model imported as a native graph, before known-source recognition and metadata. */
export interface ImportedModel {
  graph: Graph;
  params: Map<string, NamedTensor>;
  extra: Record<string, string>;
  notes: string[];
}

/** An ONNX graph as a native graph and parameters; a final softmax is dropped (explanations need logits). */
export async function importOnnx(input: string, model: OnnxModel, inputSize?: { height: number; width: number }): Promise<ImportedModel> {
  let onnxGraph: typeof import('./onnx-graph.js');
  try {
    onnxGraph = await import('./onnx-graph.js');
  } catch {
    throw new WeightFileError(input, 'ONNX models are not yet supported by the converter (the ONNX graph importer is missing)');
  }
  let imported: ReturnType<typeof onnxGraph.importOnnxGraph>;
  try {
    imported = onnxGraph.importOnnxGraph(model, inputSize ? { inputSize } : {});
  } catch (e) {
    if (e instanceof onnxGraph.OnnxImportError) {
      const list = e.problems.map(
        (p) => `${p.opType} (${p.nodes.slice(0, 4).join(', ')}${p.nodes.length > 4 ? `, … ${p.nodes.length} nodes` : ''})${p.reason ? `: ${p.reason}` : ''}`,
      );
      throw new WeightFileError(input, `cannot import the ONNX graph: unsupported ${list.join('; ')}`);
    }
    throw new WeightFileError(input, `cannot import the ONNX graph: ${message(e).replace(`${input}: `, '')}`);
  }
  let graph = imported.graph;
  const extra: Record<string, string> = { onnxInput: imported.input.name, onnxOutput: imported.output.name };
  const notes: string[] = [];
  const last = graph.nodes[graph.nodes.length - 1];
  // A log-softmax head is dropped like a softmax: explanations start from the pre-softmax logits (DESIGN.md).
  if (last.op === 'softmax' || last.op === 'logsoftmax') {
    const what = last.op === 'softmax' ? 'softmax' : 'log-softmax';
    graph = {
      nodes: [...graph.nodes.slice(0, -1), { name: last.name, op: 'identity', inputs: last.inputs, attrs: { was: `${what} (dropped: the output is logits)` } }],
    };
    extra.outputActivation = `the ${what} of node '${last.name}' was dropped: the output is logits`;
    notes.push(`dropped the final ${what} '${last.name}': the graph outputs logits`);
  }
  const params = new Map<string, NamedTensor>([...imported.params].map(([k, p]) => [k, { shape: p.shape, data: p.data }]));
  return { graph, params, extra, notes };
}
