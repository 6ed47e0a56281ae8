import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWeightSource } from '../../tools/convert-weights/read-source.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { fixtureValues, writeWeightsOnlyH5 } from '../fixtures/keras-h5.js';
import { writeOnnxFixture } from '../fixtures/onnx-model.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readWeightSource recognises files by content', () => {
  it('an .h5 saved under another name, a TF.js model directory, an .onnx file; refuses anything else', async () => {
    const h5 = join(dir, 'weights.bin');
    await writeWeightsOnlyH5(h5, [{ name: 'd', weights: [{ storedName: 'd/kernel:0', shape: [2, 2], data: fixtureValues(0, 0, 4) }] }]);
    const fromH5 = await readWeightSource(h5);
    expect(fromH5.kind).toBe('keras-h5');

    const tfjsDir = join(dir, 'tfjs');
    mkdirSync(tfjsDir);
    writeFileSync(join(tfjsDir, 'w.bin'), new Uint8Array(Float32Array.of(1, 2).buffer));
    writeFileSync(
      join(tfjsDir, 'model.json'),
      JSON.stringify({
        modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd' } }] } },
        weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/bias', shape: [2], dtype: 'float32' }] }],
      }),
    );
    const fromTfjs = await readWeightSource(tfjsDir);
    expect(fromTfjs.kind).toBe('tfjs-layers');
    if (fromTfjs.kind === 'tfjs-layers') expect(fromTfjs.contents.layers[0].weights[0].data).toEqual(Float32Array.of(1, 2));

    const onnxDir = join(dir, 'onnx');
    mkdirSync(onnxDir);
    expect((await readWeightSource(writeOnnxFixture(onnxDir))).kind).toBe('onnx');

    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'hello');
    const e = await readWeightSource(other).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(WeightFileError);
    expect((e as Error).message).toBe(`${other}: unrecognised weight file: expected a Keras .h5 or .keras, a TF.js model.json or an .onnx model`);
  });
});
