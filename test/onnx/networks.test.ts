// Full-size (224×224, 1000 classes) ONNX networks written by the fixtures with seeded He-scaled
// weights, imported as graphs and run once on our engine, against onnxruntime-node (CPU) on the same
// file and the same input (the CC0 photo 'chelsea', ImageNet-normalised).
// Tolerance: |ours − ort| ≤ 1e-4 · max|ort| for every logit (and for every value of a hooked
// residual Add and of the final ReLU, against onnxruntime's values of those graph outputs).
import { describe, expect, it } from 'vitest';
import { automaticTarget } from '../../src/models/roles.js';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { gluonResnet50v2 } from '../fixtures/onnx-resnet50v2.js';
import { vgg16Onnx } from '../fixtures/onnx-vgg16.js';
import { nhwcToNchw, photoNchw, runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { expectClose, maxAbs } from '../helpers.js';

const SIZE = 224;
const RELATIVE = 1e-4;

function ms(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

describe('ONNX networks imported as graphs = onnxruntime-node (|Δ| ≤ 1e-4·max|ref|)', () => {
  it('Gluon ResNet50 v2 (IR 3, opset 8): logits, a hooked residual Add and the final ReLU; roles; automatic target', async () => {
    let t = performance.now();
    const fx = gluonResnet50v2({ size: SIZE });
    const model = decodeOnnxModel(fx.bytes, 'resnet50_v2.onnx');
    const imported = importOnnxGraph(model, { output: fx.logits });
    const built = ms(t);
    const x = await photoNchw(SIZE);
    const dims = [1, 3, SIZE, SIZE];

    t = performance.now();
    const ours = await runImported(imported, x, dims, [fx.probes.add, fx.probes.finalRelu, ...fx.adds]);
    const ourTime = ms(t);
    t = performance.now();
    const ref = await runOrt(fx.bytes, { [fx.input]: { data: x, dims } }, [fx.logits, fx.probes.add, fx.probes.finalRelu]);
    console.log(`ResNet50 v2 ONNX: build+import ${built}, our forward ${ourTime}, onnxruntime ${ms(t)}`);

    const logits = ref.get(fx.logits) as Float32Array;
    expect(ours.output.length).toBe(1000);
    expectClose(ours.output, logits, 0, RELATIVE * maxAbs(logits), 'logits');
    for (const probe of [fx.probes.add, fx.probes.finalRelu]) {
      const kept = ours.kept.get(probe);
      expect(kept, probe).toBeDefined();
      const want = ref.get(probe) as Float32Array;
      expectClose(nhwcToNchw(kept!.data, kept!.shape), want, 0, RELATIVE * maxAbs(want), probe);
    }

    // Every residual Add is a hookable node of its own, named as in the file.
    expect(fx.adds).toHaveLength(16);
    for (const add of fx.adds) expect(ours.kept.get(add)?.shape.length, add).toBe(4);
    const byName = new Map(imported.graph.nodes.map((n) => [n.name, n]));
    // The unnamed Flatten is named after its output; of a pooled [N, C] it is the identity.
    expect(byName.get('flatten_473')).toMatchObject({ op: 'identity', attrs: { was: 'Flatten' } });
    expect(byName.get('resnetv24_dense0_fwd')?.op).toBe('dense');

    // Roles: the branch before each Add is residual-branch, the projection shortcut skip, the Add a feature map.
    for (const block of fx.blocks) {
      for (const n of block.branch) expect(byName.get(n)?.role, n).toBe('residual-branch');
      if (block.shortcut) expect(byName.get(block.shortcut)?.role, block.shortcut).toBe('skip');
      expect(byName.get(block.add)?.role, block.add).toBe('feature-map');
    }
    expect(automaticTarget(imported.graph).node).toBe(fx.probes.finalRelu);
  });

  it('VGG16 (IR 7, opset 13, symbolic batch): logits; channel-major Flatten before Gemm; automatic target', async () => {
    let t = performance.now();
    const fx = vgg16Onnx({ size: SIZE });
    const model = decodeOnnxModel(fx.bytes, 'vgg16.onnx');
    const imported = importOnnxGraph(model);
    const built = ms(t);
    const x = await photoNchw(SIZE);
    const dims = [1, 3, SIZE, SIZE];

    t = performance.now();
    const ours = await runImported(imported, x, dims);
    const ourTime = ms(t);
    t = performance.now();
    const ref = await runOrt(fx.bytes, { [fx.input]: { data: x, dims } }, [fx.logits]);
    console.log(`VGG16 ONNX: build+import ${built}, our forward ${ourTime}, onnxruntime ${ms(t)}`);

    const logits = ref.get(fx.logits) as Float32Array;
    expect(ours.output.length).toBe(1000);
    expectClose(ours.output, logits, 0, RELATIVE * maxAbs(logits), 'logits');

    const byName = new Map(imported.graph.nodes.map((n) => [n.name, n]));
    expect(byName.get(fx.flatten)).toMatchObject({ op: 'flatten', attrs: { order: 'nchw' } });
    expect(byName.get('/classifier/classifier.2/Dropout')).toMatchObject({ op: 'identity', attrs: { was: 'Dropout' } });
    expect(imported.params.get('/classifier/classifier.0/Gemm/kernel')?.shape).toEqual([25088, 4096]);
    expect(automaticTarget(imported.graph).node).toBe(fx.lastConvRelu);
  });
});
