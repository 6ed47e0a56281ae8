// Lists what a weight source holds: npx tsx tools/convert-weights/inspect.ts <file.h5|model.json|file.onnx|file.safetensors>
import { WeightFileError } from '../../src/models/safetensors.js';
import { readSafetensors } from '../../src/models/safetensors-file.js';
import { readWeightSource } from './read-source.js';

function shape(s: readonly (number | string | null)[] | null | undefined): string {
  return s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '[?]';
}

async function main(path: string | undefined): Promise<void> {
  if (!path) {
    console.error('usage: npx tsx tools/convert-weights/inspect.ts <file.h5 | model.json | file.onnx | file.safetensors>');
    process.exitCode = 2;
    return;
  }
  if (path.endsWith('.safetensors')) {
    const { tensors, metadata } = readSafetensors(path);
    for (const [k, v] of Object.entries(metadata)) console.log(`meta ${k} = ${v.length > 120 ? `${v.slice(0, 117)}...` : v}`);
    for (const [name, t] of tensors) console.log(`${name} ${t.dtype} ${shape(t.shape)}`);
    return;
  }
  const source = await readWeightSource(path);
  if (source.kind === 'onnx') {
    const m = source.contents;
    console.log(`ONNX ir ${m.irVersion}, opset ${m.opset}, producer ${m.producerName} ${m.producerVersion}`);
    for (const v of m.graph.dataInputs) console.log(`input ${v.name} ${v.type.elemType} ${shape(v.type.shape)}`);
    for (const v of m.graph.outputs) console.log(`output ${v.name} ${v.type.elemType} ${shape(v.type.shape)}`);
    for (const n of m.graph.nodes) console.log(`${n.opType} ${n.name} (${n.inputs.join(', ')}) -> (${n.outputs.join(', ')})`);
    console.log(`${m.graph.initializers.size} initializers`);
    return;
  }
  if (source.kind === 'tfjs-graph') {
    const g = source.contents;
    console.log(`TF.js graph model${g.convertedBy ? ` (${g.convertedBy})` : ''}: ${g.nodes.length} nodes, ${g.consts.size} constants`);
    for (const n of g.nodes) {
      const c = g.consts.get(n.name);
      console.log(`${n.op} ${n.name}${c ? ` ${c.dtype} ${shape(c.shape)}` : ` (${n.inputs.map((i) => i.node).join(', ')})`}`);
    }
    return;
  }
  console.log(`${source.kind}: ${source.contents.layers.length} layers with weights`);
  for (const l of source.contents.layers) {
    console.log(`${l.layer}${l.className ? ` (${l.className})` : ''}: ${l.weights.map((w) => `${w.name} ${shape(w.shape)}`).join(', ')}`);
  }
}

main(process.argv[2]).catch((e: unknown) => {
  console.error(e instanceof WeightFileError ? e.message : e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
