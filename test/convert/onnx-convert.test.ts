// An ONNX file through the converter (no --arch: its graph is imported by onnx-graph.ts, NCHW → NHWC
// once) and back through loadModel, on chelsea.png with 'torch' preprocessing. Reference:
// onnxruntime-node (CPU) on the same .onnx bytes and the same preprocessed pixels in NCHW.
// Tolerance: max |logit − ref| ≤ 1e-4 · max |ref|. The model is the VGG16-shaped fixture of the ONNX
// importer's tests, narrowed (width 1/8, 16 hidden units) and at 32×32 so it runs in a second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { preprocessPixels } from '../../src/models/preprocess.js';
import { readWeightsFile } from '../../src/models/weights-file.js';
import { vgg16Onnx } from '../fixtures/onnx-vgg16.js';
import { nhwcToNchw, runOrt } from '../fixtures/onnx-runtime.js';
import { photoPixels, runConverter } from '../fixtures/keras-zoo-check.js';
import { maxAbs } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-onnx-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX through the converter and loadModel', () => {
  it('logits equal onnxruntime within 1e-4 of max|logit|; labels, preprocessing and target recorded', async () => {
    const fixture = vgg16Onnx({ size: 32, width: 0.125, hidden: 16, classes: 10 });
    const onnx = join(dir, 'vgg-small.onnx');
    writeFileSync(onnx, fixture.bytes);
    const labels = join(dir, 'labels.json');
    writeFileSync(labels, JSON.stringify(Array.from({ length: 10 }, (_, i) => `digit ${i}`)));
    const out = join(dir, 'vgg-small.safetensors');
    const cli = runConverter([onnx, '--preprocess', 'torch', '--labels', labels, '--out', out]);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^wrote .*vgg-small\.safetensors: imported graph, /);
    const { metadata } = readWeightsFile(out);
    expect(metadata.extra?.sourceFormat).toBe('onnx');
    expect(metadata.extra?.onnxOutput).toBe(fixture.logits);
    expect(metadata.extra?.labelsSource).toBe('labels.json');

    const model = await loadModel(out);
    expect(model.definition.labels[3]).toBe('digit 3');
    expect(model.definition.preprocessing).toBe('torch');
    expect(model.definition.defaultTarget).toBe(fixture.lastConvRelu);
    const pixels = (await photoPixels(32, 32)).data;
    const logits = await tidy(() => model.run(model.preprocess(pixels)).logits).read();
    const nchw = nhwcToNchw(preprocessPixels('torch', pixels, 32, 32), [1, 32, 32, 3]);
    const reference = (await runOrt(fixture.bytes, { [fixture.input]: { data: nchw, dims: [1, 3, 32, 32] } }, [fixture.logits])).get(
      fixture.logits,
    ) as Float32Array;
    const worst = Math.max(...Array.from(logits, (v, i) => Math.abs(v - reference[i])));
    expect(worst).toBeLessThanOrEqual(1e-4 * maxAbs(reference));
    model.dispose();
  });
});
