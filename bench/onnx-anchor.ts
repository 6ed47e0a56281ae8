// The native-CPU anchor: onnxruntime-node's CPU forward of a ResNet50 v2 (the Gluon export the
// ONNX model zoo carries, written with seeded weights by the test fixture) against our forward of
// the very same file imported as a graph. On a CPU a native engine is an order of magnitude faster
// than any WebGPU software driver; this row says by how much here.
import { createRequire } from 'node:module';
import { tensor, tidy, type Tensor } from '../src/tensor/index.js';
import { runGraph } from '../src/models/execute.js';
import { decodeOnnxModel } from '../tools/convert-weights/onnx.js';
import { importOnnxGraph, toGraphInput } from '../tools/convert-weights/onnx-graph.js';
import { gluonResnet50v2 } from '../test/fixtures/onnx-resnet50v2.js';
import { randomImage } from './models.js';
import type { Suite } from './rows.js';

type Ort = typeof import('onnxruntime-node');

const SIZE = 224;

export function onnxAnchorSuite(pairs: number): Suite {
  return {
    name: 'onnxruntime',
    build: async () => {
      const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
      const fx = gluonResnet50v2({ size: SIZE });
      const imported = importOnnxGraph(decodeOnnxModel(fx.bytes, 'resnet50_v2.onnx'), { output: fx.logits });
      const params = new Map<string, Tensor>();
      for (const [name, p] of imported.params) params.set(name, tensor(p.data, p.shape));
      const nchw = randomImage(SIZE);
      const dims = [1, 3, SIZE, SIZE];
      const feed = toGraphInput(imported.input, nchw, dims);
      const x = tensor(feed.data, feed.shape);
      // No spinning: idle onnxruntime threads would otherwise burn the cores our runs need.
      const session = await ort.InferenceSession.create(fx.bytes, {
        executionProviders: ['cpu'],
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
      const input = new ort.Tensor('float32', nchw, dims);
      return {
        rows: [
          {
            name: 'resnet50 v2 (ONNX file) forward',
            ours: async () => {
              const r = tidy(() => runGraph(imported.graph, params, x));
              await r.logits.read();
              r.logits.dispose();
            },
            theirs: async () => void (await session.run({ [fx.input]: input }, [fx.logits])),
            theirsName: 'onnxruntime-node CPU',
            pairs,
            warmup: 1,
          },
        ],
        dispose: () => {
          x.dispose();
          for (const t of params.values()) t.dispose();
          void session.release();
        },
      };
    },
  };
}
