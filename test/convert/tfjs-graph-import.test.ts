// The TF.js graph importer on small hand-made graph models with random weights (batch 2, odd sizes,
// stride 2, channels not a multiple of 4). Reference: tfjs-converter's GraphModel executing the same
// files on the CPU backend. Tolerance: 1e-5 of max|reference| (float32 on small nets).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { defineModel } from '../../src/models/definition.js';
import { Model } from '../../src/models/model.js';
import type { GraphNode } from '../../src/models/graph.js';
import { readTfjsGraph } from '../../tools/convert-weights/tfjs-graph.js';
import { importTfjsGraph, TfjsImportError, type ImportedTfjsGraph } from '../../tools/convert-weights/tfjs-graph-import.js';
import { TfGraphWriter } from '../fixtures/tfjs-graph-writer.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { loadTfjsGraphModel, tfjsGraphValues } from '../fixtures/tfjs-graph-reference.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-tfjs-graph-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { s, ints, strings } = TfGraphWriter;

/** Our forward of an imported graph on the GPU. */
async function ours(imported: ImportedTfjsGraph, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const { graph, params } = imported;
  const definition = defineModel({ name: 'test', graph, preprocessing: 'unit', labels: [], defaultTarget: graph.nodes[1].name, source: 'test' });
  const model = new Model(definition, new Map([...params].map(([k, p]) => [k, tensor(p.data, p.shape)])));
  const out = tidy(() => model.run(tensor(input, shape)).logits);
  const values = await out.read();
  out.dispose();
  model.dispose();
  return values;
}

async function reference(modelJson: string, input: Float32Array, shape: number[], node: string): Promise<Float32Array> {
  const model = await loadTfjsGraphModel(modelJson);
  const [values] = await tfjsGraphValues(model, input, shape, [node]);
  model.dispose();
  return values;
}

const nodeOf = (nodes: GraphNode[], name: string) => nodes.find((n) => n.name === name) as GraphNode;

describe('TF.js graph importer on hand-made graph models (reference: tfjs-converter GraphModel, 1e-5 of max|ref|)', () => {
  it('Conv2D+BiasAdd+Relu (folded into one node), MaxPool, Pad, _FusedConv2D, ConcatV2, Mean, _FusedMatMul; Softmax and Identity dropped', async () => {
    const w = new TfGraphWriter().placeholder('x', [-1, 7, 6, 3]);
    w.node('conv1', 'Conv2D', ['x', w.constant('w1', { shape: [3, 3, 3, 5], data: randomArray(135, 1) })], {
      strides: ints([1, 2, 2, 1]),
      padding: s('SAME'),
      data_format: s('NHWC'),
      dilations: ints([1, 1, 1, 1]),
    });
    w.node('bias1', 'BiasAdd', ['conv1', w.constant('b1', { shape: [5], data: randomArray(5, 2) })], { data_format: s('NHWC') });
    w.node('relu1', 'Relu', ['bias1']);
    w.node('pool', 'MaxPool', ['relu1'], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 1, 1, 1]), padding: s('VALID') });
    w.node('pad', 'Pad', ['pool', w.constant('pads', { shape: [4, 2], data: [0, 0, 1, 0, 0, 1, 0, 0], dtype: 'int32' })]);
    w.node(
      'conv2',
      '_FusedConv2D',
      ['pad', w.constant('w2', { shape: [1, 1, 5, 4], data: randomArray(20, 3) }), w.constant('b2', { shape: [4], data: randomArray(4, 4) })],
      { strides: ints([1, 1, 1, 1]), padding: s('VALID'), fused_ops: strings(['BiasAdd', 'Relu']), num_args: { i: '1' } },
    );
    w.node('cat', 'ConcatV2', ['pad', 'conv2', w.constant('axis', { shape: [], data: [3], dtype: 'int32' })], { N: { i: '2' } });
    w.node('mean', 'Mean', ['cat', w.constant('axes', { shape: [2], data: [1, 2], dtype: 'int32' })], { keep_dims: { b: false } });
    w.node(
      'logits',
      '_FusedMatMul',
      ['mean', w.constant('wd', { shape: [9, 4], data: randomArray(36, 5) }), w.constant('bd', { shape: [4], data: randomArray(4, 6) })],
      { fused_ops: strings(['BiasAdd']), num_args: { i: '1' }, transpose_a: { b: false }, transpose_b: { b: false } },
    );
    w.node('softmax', 'Softmax', ['logits']);
    w.node('Identity', 'Identity', ['softmax']);
    const path = w.write(join(dir, 'a'));

    const imported = importTfjsGraph(readTfjsGraph(path));
    const { nodes } = imported.graph;
    expect(nodes.map((n) => `${n.name}:${n.op}`)).toEqual([
      'x:input',
      'relu1:conv2d',
      'pool:maxpool',
      'pad:pad',
      'conv2:conv2d',
      'cat:concat',
      'mean:globalavgpool',
      'logits:dense',
    ]);
    expect(nodeOf(nodes, 'relu1').attrs).toEqual({
      filters: 5,
      kernel: [3, 3],
      strides: [2, 2],
      dilations: [1, 1],
      padding: 'same',
      useBias: true,
      activation: 'relu',
    });
    expect(nodeOf(nodes, 'pad').attrs).toEqual({ padding: { top: 1, bottom: 0, left: 0, right: 1 } });
    expect(nodeOf(nodes, 'cat').attrs).toEqual({ axis: -1 });
    expect([...imported.params.keys()].sort()).toEqual(['conv2/bias', 'conv2/kernel', 'logits/bias', 'logits/kernel', 'relu1/bias', 'relu1/kernel']);
    expect(imported.droppedSoftmax).toBe('softmax');
    expect(imported.output).toBe('logits');

    const input = randomArray(2 * 7 * 6 * 3, 7);
    const ref = await reference(path, input, [2, 7, 6, 3], 'logits');
    expectClose(await ours(imported, input, [2, 7, 6, 3]), ref, 0, 1e-5 * maxAbs(ref), 'logits');
  });

  it(
    '_FusedConv2D with FusedBatchNorm folded into the kernel, AvgPool SAME (cells inside only), Reshape, ' +
      'MatMul transpose_b (reference: the unfused graph)',
    async () => {
      const consts = (w: TfGraphWriter) => ({
        kernel: w.constant('k', { shape: [3, 3, 2, 3], data: randomArray(54, 11) }),
        bn: ['scale', 'offset', 'mean', 'variance'].map((n, i) =>
          w.constant(n, { shape: [3], data: i === 3 ? randomArray(3, 12, 0.5, 2) : randomArray(3, 13 + i) }),
        ),
        shape: w.constant('shape', { shape: [2], data: [-1, 12], dtype: 'int32' }),
        dense: w.constant('wt', { shape: [2, 12], data: randomArray(24, 17) }),
      });
      const tail = (w: TfGraphWriter, from: string, c: ReturnType<typeof consts>) => {
        w.node('pool', 'AvgPool', [from], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: s('SAME') });
        w.node('flat', 'Reshape', ['pool', c.shape]);
        w.node('logits', 'MatMul', ['flat', c.dense], { transpose_a: { b: false }, transpose_b: { b: true } });
      };
      const fused = new TfGraphWriter().placeholder('x', [-1, 5, 5, 2]);
      const fc = consts(fused);
      fused.node('conv', '_FusedConv2D', ['x', fc.kernel, ...fc.bn], {
        strides: ints([1, 1, 1, 1]),
        padding: s('VALID'),
        fused_ops: strings(['FusedBatchNorm', 'Relu']),
        num_args: { i: '4' },
        epsilon: { f: 0.001 },
      });
      tail(fused, 'conv', fc);
      const unfused = new TfGraphWriter().placeholder('x', [-1, 5, 5, 2]);
      const uc = consts(unfused);
      unfused.node('conv_raw', 'Conv2D', ['x', uc.kernel], { strides: ints([1, 1, 1, 1]), padding: s('VALID'), dilations: ints([1, 1, 1, 1]) });
      unfused.node('bn', 'FusedBatchNormV3', ['conv_raw', ...uc.bn], { epsilon: { f: 0.001 }, is_training: { b: false } });
      unfused.node('conv', 'Relu', ['bn']);
      tail(unfused, 'conv', uc);

      const imported = importTfjsGraph(readTfjsGraph(fused.write(join(dir, 'b'))));
      expect(imported.graph.nodes.map((n) => `${n.name}:${n.op}`)).toEqual(['x:input', 'conv:conv2d', 'pool:avgpool', 'flat:flatten', 'logits:dense']);
      expect(nodeOf(imported.graph.nodes, 'pool').attrs).toEqual({ kernel: [2, 2], strides: [2, 2], padding: 'same', countIncludePad: false });
      expect(imported.params.get('logits/kernel')!.shape).toEqual([12, 2]);
      const input = randomArray(2 * 5 * 5 * 2, 18);
      const ref = await reference(unfused.write(join(dir, 'b-unfused')), input, [2, 5, 5, 2], 'logits');
      expectClose(await ours(imported, input, [2, 5, 5, 2]), ref, 0, 1e-5 * maxAbs(ref), 'logits');
    },
  );

  it(
    'MobileNet/EfficientNet ops: Mul/Sub preprocessing, depthwise (fused and plain, stride 2 SAME, ' +
      'multiplier 2) with Relu6, fused Prelu and LeakyRelu, Sigmoid gate, per-channel Add, RealDiv, ' +
      'Maximum, Mean keep_dims, batch 2',
    async () => {
      const w = new TfGraphWriter().placeholder('x', [-1, 9, 8, 6]);
      const scalar = (name: string, v: number) => w.constant(name, { shape: [], data: [v] });
      const nhwc = { strides: ints([1, 2, 2, 1]), padding: s('SAME'), dilations: ints([1, 1, 1, 1]), data_format: s('NHWC') };
      w.node('mul', 'Mul', ['x', scalar('two', 2)]);
      w.node('sub', 'Sub', ['mul', scalar('one', 1)]);
      w.node(
        'dw',
        'FusedDepthwiseConv2dNative',
        ['sub', w.constant('dw_w', { shape: [3, 3, 6, 2], data: randomArray(108, 21) }), w.constant('dw_b', { shape: [12], data: randomArray(12, 22) })],
        { ...nhwc, fused_ops: strings(['BiasAdd', 'Relu6']), num_args: { i: '1' } },
      );
      w.node('dw_plain', 'DepthwiseConv2dNative', ['sub', w.constant('dwp_w', { shape: [3, 3, 6, 1], data: randomArray(54, 23) })], nhwc);
      w.node('dw_bias', 'BiasAdd', ['dw_plain', w.constant('dwp_b', { shape: [6], data: randomArray(6, 24) })]);
      w.node('dw_relu6', 'Relu6', ['dw_bias']);
      w.node('cat', 'ConcatV2', ['dw', 'dw_relu6', w.constant('axis', { shape: [], data: [-1], dtype: 'int32' })], { N: { i: '2' } });
      const one = { strides: ints([1, 1, 1, 1]), padding: s('SAME'), dilations: ints([1, 1, 1, 1]) };
      w.node(
        'pw',
        '_FusedConv2D',
        [
          'cat',
          w.constant('pw_w', { shape: [1, 1, 18, 8], data: randomArray(144, 25) }),
          w.constant('pw_b', { shape: [8], data: randomArray(8, 26) }),
          w.constant('pw_alpha', { shape: [8], data: randomArray(8, 27, 0, 0.5) }),
        ],
        { ...one, fused_ops: strings(['BiasAdd', 'Prelu']), num_args: { i: '2' } },
      );
      w.node(
        'leaky',
        '_FusedConv2D',
        ['pw', w.constant('lk_w', { shape: [3, 3, 8, 8], data: randomArray(576, 28) }), w.constant('lk_b', { shape: [8], data: randomArray(8, 29) })],
        { ...one, fused_ops: strings(['BiasAdd', 'LeakyRelu']), num_args: { i: '1' }, leakyrelu_alpha: { f: 0.1 } },
      );
      w.node('sig', 'Sigmoid', ['leaky']);
      w.node('gate', 'Mul', ['leaky', 'sig']);
      w.node('six', 'Relu6', ['gate']);
      w.node('shift', 'AddV2', ['six', w.constant('shift_c', { shape: [8], data: randomArray(8, 30) })]);
      w.node('third', 'RealDiv', ['shift', scalar('three', 3)]);
      w.node('most', 'Maximum', ['third', 'pw']);
      w.node('mean', 'Mean', ['most', w.constant('axes', { shape: [2], data: [1, 2], dtype: 'int32' })], { keep_dims: { b: true } });
      w.node('flat', 'Reshape', ['mean', w.constant('shape', { shape: [2], data: [-1, 8], dtype: 'int32' })]);
      w.node('logits', 'MatMul', ['flat', w.constant('fc', { shape: [8, 3], data: randomArray(24, 31) })], {
        transpose_a: { b: false },
        transpose_b: { b: false },
      });
      const path = w.write(join(dir, 'mobile'));

      const imported = importTfjsGraph(readTfjsGraph(path));
      const byName = new Map(imported.graph.nodes.map((n) => [n.name, n]));
      expect(byName.get('dw/linear')).toMatchObject({ op: 'conv2d', attrs: { filters: 12, groups: 6, strides: [2, 2], padding: 'same', useBias: true } });
      expect(byName.get('dw')).toMatchObject({ op: 'clip', inputs: ['dw/linear'], attrs: { min: 0, max: 6 } });
      expect(byName.get('dw_bias')).toMatchObject({ op: 'conv2d', attrs: { filters: 6, groups: 6, useBias: true } });
      expect(byName.get('pw')).toMatchObject({ op: 'prelu', inputs: ['pw/linear'], attrs: { slope: [8] } });
      expect(byName.get('leaky')).toMatchObject({ op: 'leakyrelu', attrs: { alpha: expect.closeTo(0.1, 7) } });
      expect(byName.get('mean')).toMatchObject({ op: 'reducemean', attrs: { axes: [1, 2], keepdims: true } });
      expect(imported.params.get('dw/linear/kernel')!.shape).toEqual([3, 3, 1, 12]);
      const input = randomArray(2 * 9 * 8 * 6, 32, 0, 1);
      const ref = await reference(path, input, [2, 9, 8, 6], 'logits');
      expectClose(await ours(imported, input, [2, 9, 8, 6]), ref, 0, 1e-5 * maxAbs(ref), 'logits');
    },
  );

  it('every unsupported op type is named with its nodes in one line, known ops with the reason', () => {
    const w = new TfGraphWriter().placeholder('x', [-1, 4, 4, 3]);
    w.node('erf1', 'Erf', ['x']);
    w.node('tile', 'Tile', ['erf1', w.constant('m', { shape: [4], data: [1, 1, 1, 1], dtype: 'int32' })]);
    w.node('nchw', 'Conv2D', ['x', w.constant('k', { shape: [1, 1, 3, 3], data: randomArray(9, 1) })], {
      strides: ints([1, 1, 1, 1]),
      padding: s('VALID'),
      data_format: s('NCHW'),
    });
    w.node('erf2', 'Erf', ['x']);
    w.node('sum', 'AddN', ['tile', 'nchw', 'erf2']);
    let error: unknown;
    try {
      importTfjsGraph(readTfjsGraph(w.write(join(dir, 'c'))));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TfjsImportError);
    const e = error as TfjsImportError;
    expect(e.problems).toEqual([
      { opType: 'Erf', nodes: ['erf1', 'erf2'], reason: undefined },
      { opType: 'Tile', nodes: ['tile'], reason: undefined },
      { opType: 'Conv2D', nodes: ['nchw'], reason: 'data_format "NCHW" (only NHWC)' },
      { opType: 'AddN', nodes: ['sum'], reason: undefined },
    ]);
    expect(e.message).toBe('unsupported Erf (erf1, erf2); Tile (tile); Conv2D (nchw): data_format "NCHW" (only NHWC); AddN (sum)');

    // Through the converter's command line: exit 2, one line naming the file, nothing written; --arch is refused.
    const out = join(dir, 'c.safetensors');
    const cli = runConverter([join(dir, 'c'), '--out', out, '--preprocess', 'unit']);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toBe(`${join(dir, 'c')}: cannot import the TF.js graph: ${e.message}\n`);
    expect(existsSync(out)).toBe(false);
    const arch = runConverter([join(dir, 'c', 'model.json'), '--out', out, '--arch', 'vgg16']);
    expect([arch.status, arch.stderr.trim()]).toEqual([
      2,
      `${join(dir, 'c', 'model.json')}: --arch maps Keras layer weights; a TF.js graph model is imported with its own graph (leave --arch out)`,
    ]);
  });
});
