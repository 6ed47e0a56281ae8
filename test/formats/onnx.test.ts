import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorToFloat32, type OnnxAttribute, type OnnxModel } from '../../tools/convert-weights/onnx.js';
import { readOnnxModel, readOnnxTensor } from '../../tools/convert-weights/onnx-file.js';
import { BIAS_OFFSET, EXTERNAL_B, EXTERNAL_W, writeOnnxFixture } from '../fixtures/onnx-model.js';
import { expectFileError } from './expect-file-error.js';

// The official ONNX backend node tests, from Debian's libonnx-testdata package.
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';
const haveTestData = existsSync(join(NODE_TESTS, 'test_conv_with_strides_padding', 'model.onnx'));

const dir = mkdtempSync(join(tmpdir(), 'gradscope-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type AttributeValue<T extends OnnxAttribute['type']> = Extract<OnnxAttribute, { type: T }>['value'];

function attr<T extends OnnxAttribute['type']>(model: OnnxModel, node: number, name: string, type: T): AttributeValue<T> {
  const a = model.graph.nodes[node].attributes[name];
  expect(a?.type, `attribute ${name}`).toBe(type);
  return a.value as unknown as AttributeValue<T>;
}

describe.skipIf(!haveTestData)('ONNX reader on the official node tests (libonnx-testdata)', () => {
  it('test_conv_with_strides_padding: attributes, shapes, and output = plain float64 conv of the decoded inputs (exact: integer data)', () => {
    const base = join(NODE_TESTS, 'test_conv_with_strides_padding');
    const m = readOnnxModel(join(base, 'model.onnx'));
    expect(m.opset).toBe(11);
    expect(m.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([['Conv', ['x', 'W'], ['y']]]);
    expect(attr(m, 0, 'kernel_shape', 'ints')).toEqual([3, 3]);
    expect(attr(m, 0, 'pads', 'ints')).toEqual([1, 1, 1, 1]);
    expect(attr(m, 0, 'strides', 'ints')).toEqual([2, 2]);
    expect(m.graph.dataInputs.map((v) => [v.name, v.type.elemType, v.type.shape])).toEqual([
      ['x', 'float32', [1, 1, 7, 5]],
      ['W', 'float32', [1, 1, 3, 3]],
    ]);
    expect(m.graph.outputs[0].type.shape).toEqual([1, 1, 4, 3]);
    const x = readOnnxTensor(join(base, 'test_data_set_0', 'input_0.pb'));
    const w = readOnnxTensor(join(base, 'test_data_set_0', 'input_1.pb'));
    const y = readOnnxTensor(join(base, 'test_data_set_0', 'output_0.pb'));
    expect([x.dims, w.dims, y.dims]).toEqual([
      [1, 1, 7, 5],
      [1, 1, 3, 3],
      [1, 1, 4, 3],
    ]);
    expect([x.data.length, w.data.length, y.data.length]).toEqual([35, 9, 12]);
    const xs = tensorToFloat32(x),
      ws = tensorToFloat32(w);
    const expected: number[] = [];
    for (let oy = 0; oy < 4; oy++) {
      for (let ox = 0; ox < 3; ox++) {
        let s = 0;
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy * 2 - 1 + ky,
              ix = ox * 2 - 1 + kx;
            if (iy >= 0 && iy < 7 && ix >= 0 && ix < 5) s += xs[iy * 5 + ix] * ws[ky * 3 + kx];
          }
        }
        expected.push(s);
      }
    }
    expect(Array.from(tensorToFloat32(y))).toEqual(expected);
  });

  it('test_averagepool_2d_pads: attributes and output = float64 average pool excluding pads (rtol 1e-6)', () => {
    const base = join(NODE_TESTS, 'test_averagepool_2d_pads');
    const m = readOnnxModel(join(base, 'model.onnx'));
    expect(m.graph.nodes[0].opType).toBe('AveragePool');
    expect(attr(m, 0, 'kernel_shape', 'ints')).toEqual([3, 3]);
    expect(attr(m, 0, 'pads', 'ints')).toEqual([2, 2, 2, 2]);
    expect(m.graph.nodes[0].attributes.count_include_pad).toBeUndefined();
    const x = tensorToFloat32(readOnnxTensor(join(base, 'test_data_set_0', 'input_0.pb')));
    const y = readOnnxTensor(join(base, 'test_data_set_0', 'output_0.pb'));
    expect(x.length).toBe(3 * 28 * 28);
    expect(y.dims).toEqual([1, 3, 30, 30]);
    const ys = tensorToFloat32(y);
    for (let c = 0; c < 3; c++) {
      for (let oy = 0; oy < 30; oy++) {
        for (let ox = 0; ox < 30; ox++) {
          let s = 0,
            n = 0;
          for (let iy = oy - 2; iy <= oy; iy++) {
            for (let ix = ox - 2; ix <= ox; ix++) {
              if (iy >= 0 && iy < 28 && ix >= 0 && ix < 28) {
                s += x[c * 784 + iy * 28 + ix];
                n++;
              }
            }
          }
          const got = ys[c * 900 + oy * 30 + ox];
          expect(Math.abs(got - s / n)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(s / n)));
        }
      }
    }
  });

  it('reads string, float, tensor and graph attributes, and bool/int64 TensorProtos', () => {
    const autopad = readOnnxModel(join(NODE_TESTS, 'test_conv_with_autopad_same', 'model.onnx'));
    expect(attr(autopad, 0, 'auto_pad', 'string')).toBe('SAME_LOWER');
    const leaky = readOnnxModel(join(NODE_TESTS, 'test_leakyrelu', 'model.onnx'));
    expect(attr(leaky, 0, 'alpha', 'float')).toBe(Math.fround(0.1));
    const constant = readOnnxModel(join(NODE_TESTS, 'test_constant', 'model.onnx'));
    const value = attr(constant, 0, 'value', 'tensor');
    expect([value.dataType, value.dims, value.data.length]).toEqual(['float32', [5, 5], 25]);
    const ifModel = readOnnxModel(join(NODE_TESTS, 'test_if', 'model.onnx'));
    const thenBranch = attr(ifModel, 0, 'then_branch', 'graph');
    expect(thenBranch.nodes[0].opType).toBe('Constant');
    expect(thenBranch.outputs.length).toBe(1);
    const cond = readOnnxTensor(join(NODE_TESTS, 'test_if', 'test_data_set_0', 'input_0.pb'));
    expect([cond.dataType, cond.dims, Array.from(cond.data as Uint8Array)]).toEqual(['bool', [], [1]]);
    const trips = readOnnxTensor(join(NODE_TESTS, 'test_loop11', 'test_data_set_0', 'input_0.pb'));
    expect([trips.dataType, Array.from(trips.data as BigInt64Array)]).toEqual(['int64', [5n]]);
  });
});

describe('ONNX reader on a model built here with protobufjs', () => {
  const modelDir = join(dir, 'built');
  mkdirSync(modelDir);
  const path = writeOnnxFixture(modelDir);
  const m = readOnnxModel(path);

  it('reads model fields, opsets and graph inputs/outputs with symbolic dims', () => {
    expect([m.irVersion, m.producerName, m.opset]).toEqual([8, 'gradscope-test', 13]);
    expect(m.opsetImports).toEqual([
      { domain: '', version: 13 },
      { domain: 'com.example', version: 2 },
    ]);
    expect(m.metadata).toEqual({ licence: 'MIT' });
    expect(m.graph.inputs.map((v) => v.name)).toEqual(['input', 'W']);
    expect(m.graph.dataInputs.map((v) => [v.name, v.type.shape])).toEqual([['input', ['batch', 3, 5, 5]]]);
    expect(m.graph.outputs[0].type).toEqual({ kind: 'tensor', elemType: 'float32', shape: ['batch', 2, 4, 4] });
    expect(m.graph.nodes[1].inputs).toEqual(['conv_out', '']);
    expect(m.graph.nodes[1].domain).toBe('com.example');
  });

  it('reads external data (two tensors at offsets 0 and 4096 of weights.bin), raw_data, float_data, int64 beyond 2^53, float16, sparse', () => {
    const init = m.graph.initializers;
    expect([...init.keys()]).toEqual(['W', 'B', 'raw', 'typed', 'shape', 'half', 'sparse_w']);
    expect(init.get('W')!.dims).toEqual([2, 3, 3, 3]);
    expect(init.get('W')!.data).toEqual(EXTERNAL_W);
    expect(init.get('B')!.data).toEqual(EXTERNAL_B);
    expect(init.get('raw')!.data).toEqual(Float32Array.of(1, 2, 3, 4));
    expect(init.get('typed')!.data).toEqual(Float32Array.of(0.1, 0.2, 0.3));
    expect(Array.from(init.get('shape')!.data as BigInt64Array)).toEqual([-1n, 9007199254740993n]);
    expect(init.get('half')!.dataType).toBe('float16');
    expect(init.get('half')!.data).toEqual(Float32Array.of(1, -0.5, 65504));
    expect(init.get('sparse_w')!.data).toEqual(Float32Array.of(0, 7, 8, 0));
  });

  it('reads attributes of every type', () => {
    const n = 1;
    expect(attr(m, n, 'f', 'float')).toBe(0.25);
    expect(attr(m, n, 'i', 'int')).toBe(-7);
    expect(attr(m, n, 's', 'string')).toBe('SAME_UPPER');
    expect(attr(m, n, 't', 'tensor').data).toEqual(Float32Array.of(1.5, -2));
    expect(attr(m, n, 'g', 'graph').nodes[0]).toEqual({ name: 'inner', opType: 'Identity', domain: '', inputs: ['x'], outputs: ['y'], attributes: {} });
    expect(attr(m, n, 'floats', 'floats')).toEqual([0.5, 2]);
    expect(attr(m, n, 'ints', 'ints')).toEqual([1, 2, 3, 4]);
    expect(attr(m, n, 'strings', 'strings')).toEqual(['a', 'bc']);
    expect(attr(m, n, 'tensors', 'tensors').map((t) => t.dims)).toEqual([[2], [2]]);
    expect(attr(m, n, 'graphs', 'graphs')[0].name).toBe('branch');
    const sparse = attr(m, n, 'sparse', 'sparse_tensor');
    expect([sparse.dims, Array.from(sparse.data as Float32Array)]).toEqual([
      [2, 3],
      [0, 3, 0, 0, 0, 4],
    ]);
    expect(attr(m, n, 'sparses', 'sparse_tensors')).toEqual([]);
    expect(attr(m, n, 'tp', 'type_proto')).toEqual({ kind: 'tensor', elemType: 'float16', shape: ['N', 3] });
    expect(attr(m, n, 'tps', 'type_protos').map((t) => t.kind)).toEqual(['tensor', 'sequence']);
    expect(attr(m, n, 'untyped', 'int')).toBe(42);
  });
});

describe('ONNX reader: bad files give one-line WeightFileErrors naming the file', () => {
  it('truncated model', () => {
    const good = writeOnnxFixture(mkdtempSync(join(dir, 'trunc-')));
    const path = join(dir, 'truncated.onnx');
    const bytes = readFileSync(good);
    writeFileSync(path, bytes.subarray(0, bytes.length - 50));
    expectFileError(() => readOnnxModel(path), path, /not a valid ONNX model \(protobuf: .*\)/);
  });

  it('JSON or text instead of protobuf', () => {
    const path = join(dir, 'text.onnx');
    writeFileSync(path, '{"graph": "not really"}\n');
    expectFileError(() => readOnnxModel(path), path, /not a valid ONNX model|not an ONNX model/);
  });

  it('missing file, missing external data, external data out of range or outside the model directory', () => {
    expectFileError(() => readOnnxModel(join(dir, 'none.onnx')), join(dir, 'none.onnx'), /cannot read \(ENOENT\)/);
    const sub = mkdtempSync(join(dir, 'ext-'));
    const path = writeOnnxFixture(sub);
    rmSync(join(sub, 'weights.bin'));
    expectFileError(() => readOnnxModel(path), join(sub, 'weights.bin'), /cannot read external data of tensor 'W'.*ENOENT/);
    writeFileSync(join(sub, 'weights.bin'), new Uint8Array(BIAS_OFFSET));
    expectFileError(() => readOnnxModel(path), join(sub, 'weights.bin'), /tensor 'B' \[4096, 4104\) runs past the end of the file \(4096 bytes\)/);
    const escaping = writeOnnxFixture(mkdtempSync(join(dir, 'esc-')), { externalLocation: '../weights.bin' });
    expectFileError(() => readOnnxModel(escaping), escaping, /outside the model's directory/);
  });

  it('corrupt TensorProto', () => {
    const path = join(dir, 'bad.pb');
    writeFileSync(path, Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f));
    expectFileError(() => readOnnxTensor(path), path, /not a valid ONNX TensorProto/);
  });
});
