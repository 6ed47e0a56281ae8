import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { io } from '@tensorflow/tfjs-core';
import { readTfjsLayers } from '../../tools/convert-weights/tfjs-layers.js';
import { decodeTfjsWeight, type TfjsWeightGroup, type TfjsWeightSpec } from '../../tools/convert-weights/tfjs-weights.js';
import { toParameterMap } from '../../tools/convert-weights/layer-weights.js';
import { tfjs } from '../tfjs.js';
import { ensureNsfwjsInception } from '../fixtures/nsfwjs-models.js';
import { expectFileError } from './expect-file-error.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TF.js layers reader on the real nsfwjs InceptionV3 (Keras 2.2.4, uint8-quantized, 6 shards)', () => {
  let modelJson: string;
  beforeAll(() => {
    modelJson = ensureNsfwjsInception();
  });

  it('finds the 94 conv kernels conv2d_1…conv2d_94 and the Keras topology', () => {
    const got = readTfjsLayers(modelJson);
    const convs = got.layers.filter((l) => l.className === 'Conv2D');
    // Layers come in model-config (topological) order, which inside Inception modules is not numbering order.
    const byNumber = convs.map((l) => l.layer).sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
    expect(byNumber).toEqual(Array.from({ length: 94 }, (_, i) => `conv2d_${i + 1}`));
    expect(convs[0].layer).toBe('conv2d_1');
    expect(convs.every((l) => l.weights.length === 1 && l.weights[0].name === 'kernel')).toBe(true);
    expect(convs[0].weights[0].shape).toEqual([3, 3, 3, 32]);
    // InceptionV3's batch norms have scale=False: beta, moving_mean, moving_variance only.
    const bn = got.layers.find((l) => l.layer === 'batch_normalization_1')!;
    expect(bn.weights.map((w) => w.name)).toEqual(['beta', 'moving_mean', 'moving_variance']);
    expect((got.topology as { keras_version: string }).keras_version).toBe('2.2.4');
    expect((got.modelConfig as { class_name: string }).class_name).toBe('Model');
  });

  it('dequantized values equal, bit for bit, what tfjs-layers loadLayersModel produces from the same files (exact, tolerance 0)', async () => {
    const tf = await tfjs();
    const got = readTfjsLayers(modelJson);
    const ours = toParameterMap(got.layers);
    const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: TfjsWeightGroup[] };
    // tfjs' own path: all shards of the manifest concatenated, weights decoded by tfjs-core io.
    const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(modelJson), p))));
    // The manifest really spans shard boundaries: some weight starts in one 4 MiB shard and ends in the next.
    let offset = 0;
    let spanning = 0;
    const boundaries = shards.map((_, i) => shards.slice(0, i + 1).reduce((n, s) => n + s.length, 0));
    for (const w of json.weightsManifest[0].weights) {
      const end = offset + w.shape.reduce((a, b) => a * b, 1);
      if (boundaries.some((b) => offset < b && b < end)) spanning++;
      offset = end;
    }
    expect(spanning).toBeGreaterThan(0);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as io.WeightsManifestEntry[],
        weightData: Buffer.concat(shards).buffer.slice(0) as ArrayBuffer,
      }),
    );
    try {
      expect(model.weights.length).toBe(ours.size);
      for (const v of model.weights) {
        const mine = ours.get(v.originalName.replace(/:0$/, ''));
        expect(mine, v.originalName).toBeDefined();
        expect(mine!.shape).toEqual(v.shape);
        const theirs = v.read().dataSync() as Float32Array;
        expect(
          Buffer.from(mine!.data.buffer, mine!.data.byteOffset, mine!.data.byteLength).equals(Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength)),
          v.originalName,
        ).toBe(true);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('TF.js layers reader on small hand-made models (expected values computed here by the tfjs formulas)', () => {
  const topology = {
    keras_version: '2.2.4',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'dense_1' } },
          { class_name: 'Dense', config: { name: 'dense_2' } },
        ],
      },
    },
  };

  function writeModel(name: string, groups: TfjsWeightGroup[], shards: Record<string, Uint8Array>): string {
    const sub = join(dir, name);
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub);
    for (const [file, bytes] of Object.entries(shards)) writeFileSync(join(sub, file), bytes);
    const path = join(sub, 'model.json');
    writeFileSync(path, JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: groups }));
    return path;
  }

  // dense_1/kernel: uint8 (2×3 = 6 bytes), dense_1/bias: float16 (3 × 2 bytes),
  // dense_2/kernel: uint16 (3×1 = 6 bytes), dense_2/bias: float32 (4 bytes) — 22 bytes in 3 shards of 8, 8, 6.
  const q8 = { dtype: 'uint8' as const, scale: 0.1, min: -1.3 };
  const q16 = { dtype: 'uint16' as const, scale: 0.001, min: 2.5 };
  const groups: TfjsWeightGroup[] = [
    {
      paths: ['a.bin', 'b.bin', 'c.bin'],
      weights: [
        { name: 'dense_1/kernel', shape: [2, 3], dtype: 'float32', quantization: q8 },
        { name: 'dense_1/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'dense_2/kernel', shape: [3, 1], dtype: 'float32', quantization: q16 },
        { name: 'dense_2/bias', shape: [1], dtype: 'float32' },
      ],
    },
  ];
  const bytes = new Uint8Array(22);
  bytes.set([0, 1, 2, 13, 254, 255], 0);
  const view = new DataView(bytes.buffer);
  [0x3c00, 0xc000, 0x0001].forEach((h, i) => view.setUint16(6 + 2 * i, h, true)); // 1, -2, 2^-24
  [0, 1234, 65535].forEach((q, i) => view.setUint16(12 + 2 * i, q, true));
  view.setFloat32(18, -0.75, true);
  const shards = { 'a.bin': bytes.slice(0, 8), 'b.bin': bytes.slice(8, 16), 'c.bin': bytes.slice(16) };

  it('dequantizes uint8, uint16 (q·scale+min in float64, rounded once) and float16, across shard boundaries', () => {
    const path = writeModel('small', groups, shards);
    const got = readTfjsLayers(path);
    expect(got.layers.map((l) => [l.layer, l.weights.map((w) => w.name)])).toEqual([
      ['dense_1', ['kernel', 'bias']],
      ['dense_2', ['kernel', 'bias']],
    ]);
    const p = toParameterMap(got.layers);
    expect(p.get('dense_1/kernel')!.data).toEqual(Float32Array.from([0, 1, 2, 13, 254, 255], (q) => q * 0.1 - 1.3));
    expect(p.get('dense_1/bias')!.data).toEqual(Float32Array.from([1, -2, 2 ** -24]));
    expect(p.get('dense_2/kernel')!.data).toEqual(Float32Array.from([0, 1234, 65535], (q) => q * 0.001 + 2.5));
    expect(p.get('dense_2/kernel')!.shape).toEqual([3, 1]);
    expect(p.get('dense_2/bias')!.data).toEqual(Float32Array.of(-0.75));
  });

  it('every float16 bit pattern and every uint8/uint16 code decode exactly as tf.io.decodeWeights does (bitwise; NaN = NaN)', async () => {
    const tf = await tfjs();
    const all16 = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const all8 = Uint8Array.from({ length: 256 }, (_, i) => i);
    const specs: TfjsWeightSpec[] = [
      { name: 'h', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'q8', shape: [256], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.0123456789, min: -1.7 } },
      { name: 'q16', shape: [65536], dtype: 'float32', quantization: { dtype: 'uint16', scale: 3.3e-5, min: 0.37 } },
    ];
    const parts = [new Uint8Array(all16.buffer), all8, new Uint8Array(all16.buffer)];
    const theirs = tf.io.decodeWeights(Buffer.concat(parts).buffer.slice(0) as ArrayBuffer, specs as io.WeightsManifestEntry[]);
    specs.forEach((spec, i) => {
      const mine = decodeTfjsWeight('mem', spec, parts[i]);
      const ref = theirs[spec.name].dataSync() as Float32Array;
      const a = new Uint32Array(mine.buffer, mine.byteOffset, mine.length);
      const b = new Uint32Array(ref.buffer, ref.byteOffset, ref.length);
      let mismatches = 0;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k] && !(Number.isNaN(mine[k]) && Number.isNaN(ref[k]))) mismatches++;
      expect(mismatches, spec.name).toBe(0);
    });
  });

  it('missing shard → error naming the shard file', () => {
    const path = writeModel('missing', groups, { 'a.bin': shards['a.bin'], 'c.bin': shards['c.bin'] });
    expectFileError(() => readTfjsLayers(path), join(dirname(path), 'b.bin'), /missing weight shard .*group 1, shard 2 of 3/);
  });

  it('truncated shard → error naming model.json with the byte counts', () => {
    const path = writeModel('short', groups, { ...shards, 'c.bin': shards['c.bin'].slice(0, 3) });
    expectFileError(() => readTfjsLayers(path), path, /need 22 bytes but its 3 shard\(s\) hold 19/);
  });

  it('bad JSON, missing topology, graph models, unknown quantization', () => {
    const path = writeModel('bad', groups, shards);
    writeFileSync(path, '{"modelTopology": {');
    expectFileError(() => readTfjsLayers(path), path, /not valid JSON/);
    writeFileSync(path, JSON.stringify({ format: 'graph-model', weightsManifest: [] }));
    expectFileError(() => readTfjsLayers(path), path, /graph-model.*not a TF\.js layers model/);
    const odd = [{ ...groups[0], weights: [{ name: 'dense_1/kernel', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }] }];
    writeFileSync(path, JSON.stringify({ modelTopology: topology, weightsManifest: odd }));
    expectFileError(() => readTfjsLayers(path), path, /unsupported quantization dtype 'int4'/);
    expectFileError(() => readTfjsLayers(join(dir, 'none', 'model.json')), join(dir, 'none', 'model.json'), /cannot read \(ENOENT\)/);
  });
});
