// The TF.js graph-model reader on the real nsfwjs MobileNetV2-mid (tensorflowjs_converter 1.7.4,
// uint8-quantized, 2 shards) and on small hand-made files for each refusal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTfjsGraph } from '../../tools/convert-weights/tfjs-graph.js';
import { readTfjsLayers } from '../../tools/convert-weights/tfjs-layers.js';
import { ensureNsfwjsModel } from '../fixtures/nsfwjs-models.js';
import { loadTfjsGraphModel } from '../fixtures/tfjs-graph-reference.js';
import { expectFileError } from './expect-file-error.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-tfjs-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TF.js graph reader on the real nsfwjs MobileNetV2-mid graph model', () => {
  let modelJson: string;
  beforeAll(() => {
    modelJson = ensureNsfwjsModel('nsfwjs-mobilenet-v2-mid');
  });

  it('reads its 179 nodes, decodes attributes and finds a value for each of the 108 Const nodes', () => {
    const g = readTfjsGraph(modelJson);
    const counts: Record<string, number> = {};
    for (const n of g.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
    expect(counts).toEqual({
      Placeholder: 1,
      Const: 108,
      Mul: 1,
      Sub: 1,
      _FusedConv2D: 35,
      FusedDepthwiseConv2dNative: 17,
      AddV2: 10,
      AvgPool: 1,
      Squeeze: 1,
      _FusedMatMul: 1,
      Softmax: 1,
      Identity: 1,
    });
    expect(g.convertedBy).toBe('TensorFlow.js Converter v1.7.4r1');
    const input = g.nodes.find((n) => n.op === 'Placeholder')!;
    expect(input.attrs.shape).toEqual([-1, 224, 224, 3]);
    expect(input.attrs.dtype).toBe('DT_FLOAT');
    const stem = g.nodes.find((n) => n.name.endsWith('MobilenetV2/Conv/Relu6'))!;
    // Bytes attributes arrive base64-encoded ('U0FNRQ==' is 'SAME'); int64 lists as strings.
    expect(stem.attrs).toMatchObject({
      padding: 'SAME',
      data_format: 'NHWC',
      strides: [1, 2, 2, 1],
      dilations: [1, 1, 1, 1],
      fused_ops: ['BiasAdd', 'Relu6'],
      num_args: 1,
    });
    expect(stem.inputs.map((i) => i.output)).toEqual([0, 0, 0]);
    expect(g.consts.size).toBe(108);
    const w = g.consts.get(stem.inputs[1].node)!;
    expect(w.shape).toEqual([3, 3, 3, 48]);
    expect(w.data.length).toBe(3 * 3 * 3 * 48);
    const pool = g.nodes.find((n) => n.op === 'AvgPool')!;
    expect(pool.attrs).toMatchObject({ ksize: [1, 7, 7, 1], strides: [1, 1, 1, 1], padding: 'VALID' });
    expect(g.nodes.find((n) => n.op === 'Squeeze')!.attrs.squeeze_dims).toEqual([1, 2]);
  });

  it('Const values equal, bit for bit, the weights tfjs-converter GraphModel loads from the same files (tolerance 0)', async () => {
    const g = readTfjsGraph(modelJson);
    const model = await loadTfjsGraphModel(modelJson);
    try {
      const theirs = model.weights;
      expect(Object.keys(theirs).sort()).toEqual([...g.consts.keys()].sort());
      for (const [name, [t]] of Object.entries(theirs)) {
        const mine = g.consts.get(name)!;
        expect(mine.shape, name).toEqual(t.shape);
        const ref = Float32Array.from(t.dataSync());
        expect(Buffer.from(mine.data.buffer, mine.data.byteOffset, mine.data.byteLength).equals(Buffer.from(ref.buffer)), name).toBe(true);
      }
    } finally {
      model.dispose();
    }
  });

  it('the layers reader refuses it in one line that says it is a graph model', () => {
    expectFileError(() => readTfjsLayers(modelJson), modelJson, /format 'graph-model'.*not a TF\.js layers model/);
  });
});

describe('TF.js graph reader refusals (hand-made files)', () => {
  const weight = { name: 'w', shape: [2], dtype: 'float32' };
  function write(name: string, nodes: unknown[], weights: unknown[] = [weight], shard = new Uint8Array(8)): string {
    const sub = join(dir, name);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 's.bin'), shard);
    const path = join(sub, 'model.json');
    writeFileSync(path, JSON.stringify({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: ['s.bin'], weights }] }));
    return path;
  }
  const x = { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } };
  const w = { name: 'w', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }] } } } } };

  it('reads control inputs, output indices and non-finite floats', () => {
    const path = write('ok', [x, w, { name: 'y', op: 'Mul', input: ['x', 'w:0', '^w'], attr: { f: { f: 'NaN' }, g: { f: '-Infinity' }, e: { list: {} } } }]);
    const y = readTfjsGraph(path).nodes[2];
    expect(y.inputs).toEqual([
      { node: 'x', output: 0 },
      { node: 'w', output: 0 },
    ]);
    expect(y.controlInputs).toEqual(['w']);
    expect(y.attrs).toEqual({ f: NaN, g: -Infinity, e: [] });
  });

  it('an input naming no node, a Const without a value, two nodes of one name, a bad integer: one line each', () => {
    let path = write('dangling', [x, w, { name: 'y', op: 'Mul', input: ['x', 'v'] }]);
    expectFileError(() => readTfjsGraph(path), path, /inputs name nodes the graph does not have: y ← v$/);
    path = write('missing', [x, w, { ...w, name: 'b' }]);
    expectFileError(() => readTfjsGraph(path), path, /Const nodes without a value in weightsManifest: b$/);
    path = write('twice', [x, w, { ...w }]);
    expectFileError(() => readTfjsGraph(path), path, /two nodes are named 'w'/);
    path = write('int', [x, w, { name: 'y', op: 'Mul', input: ['x', 'w'], attr: { n: { i: '1.5' } } }]);
    expectFileError(() => readTfjsGraph(path), path, /node 'y' attribute 'n': "1\.5" is not an integer/);
    path = write('layers', []);
    writeFileSync(path, JSON.stringify({ format: 'layers-model', modelTopology: { model_config: {} }, weightsManifest: [] }));
    expectFileError(() => readTfjsGraph(path), path, /format "layers-model" with no node list: not a TF\.js graph model/);
  });
});
