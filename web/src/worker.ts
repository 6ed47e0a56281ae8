// The compute worker: loads the model (bytes in), runs explanations, evolution and gradient flow on
// its own WebGPU device and posts the plain results back. Drawing happens in the page.
import {
  chooseTarget,
  evolution,
  evolutionNodes,
  gpu,
  gradientFlow,
  explain,
  initGpu,
  memoryStats,
  modelFromWeights,
  modelInputPixels,
  parseWeightsFile,
  summarize,
  type Model,
  type RgbImage,
  type Tensor,
  type WeightsFile,
} from '../../src/browser.js';
import { kerasArchiveWeights, kerasH5Weights, onnxWeights, tfjsWeights } from './convert-model.js';
import type { Envelope, ModelInfo, Reply, Request } from './protocol.js';

let model: Model | undefined;

function post(id: number, body: Reply): void {
  (self as unknown as Worker).postMessage({ id, body } satisfies Envelope<Reply>);
}

/** A gradscope .safetensors file as it is; ONNX and TF.js converted here; anything else one line saying what is read. */
async function weightsOf(req: Extract<Request, { kind: 'load' }>): Promise<{ weights: WeightsFile; notes: string[] }> {
  const { file, bytes, preprocessing } = req;
  const converted = (format: string) => [`converted from ${format} in the page; input scaling '${preprocessing}' as chosen; classes unnamed`];
  if (/\.onnx$/i.test(file)) return { weights: await onnxWeights(file, bytes, preprocessing), notes: converted('ONNX') };
  if (/\.json$/i.test(file)) {
    return { weights: await tfjsWeights(file, bytes, new Map(Object.entries(req.shards ?? {})), preprocessing), notes: converted('TF.js') };
  }
  if (/\.(h5|hdf5)$/i.test(file)) return { weights: await kerasH5Weights(file, bytes, preprocessing), notes: converted('Keras H5') };
  if (/\.keras$/i.test(file)) return { weights: await kerasArchiveWeights(file, bytes, preprocessing), notes: converted('a Keras 3 .keras archive') };
  return { weights: parseWeightsFile(bytes, file), notes: [] };
}

async function load(req: Extract<Request, { kind: 'load' }>): Promise<ModelInfo> {
  await initGpu();
  const { file } = req;
  const { weights, notes } = await weightsOf(req);
  const { metadata } = weights;
  const next = await modelFromWeights(file, weights);
  model?.dispose();
  model = next;
  const def = next.definition;
  const choice = chooseTarget(def, 'auto', 'gradcam');
  return {
    name: next.name,
    file,
    labels: [...def.labels],
    inputSize: { height: def.inputSize.height, width: def.inputSize.width },
    rows: summarize(def.graph),
    auto: { node: choice.node, reason: choice.layerChoice.reason },
    adapter: gpu().adapterDescription,
    source: metadata.source,
    sourceSha256: metadata.sourceSha256,
    licence: metadata.licence,
    notes,
  };
}

/** The same resize and preprocessing as the CLI (image-session.ts). */
function modelInput(m: Model, image: RgbImage): Tensor {
  const { height, width } = m.definition.inputSize;
  return m.preprocess(modelInputPixels(image, width, height).data);
}

function loaded(): Model {
  if (!model) throw new Error('no model is loaded yet');
  return model;
}

async function handle(id: number, req: Request): Promise<Reply> {
  switch (req.kind) {
    case 'load':
      post(id, { kind: 'progress', stage: `loading ${req.file}` });
      return { kind: 'load', model: await load(req) };
    case 'explain': {
      const { method } = req.options;
      post(id, { kind: 'progress', stage: `${method}: forward and backward on the GPU` });
      const onProgress = (done: number, total: number) => post(id, { kind: 'progress', stage: `${method}: ${done} of ${total}`, fraction: done / total });
      return { kind: 'explain', explanation: await explain(loaded(), req.image, { ...req.options, onProgress }) };
    }
    case 'evolution': {
      const m = loaded();
      const nodes = evolutionNodes(m.definition, 'blocks');
      post(id, { kind: 'progress', stage: `evolution: one forward and one backward through ${nodes.length} taps` });
      const input = modelInput(m, req.image);
      try {
        return { kind: 'evolution', result: await evolution(m, input, { method: req.method, nodes, classIndex: req.classIndex }) };
      } finally {
        input.dispose();
      }
    }
    case 'memory':
      return { kind: 'memory', stats: memoryStats() };
    case 'gradflow': {
      const m = loaded();
      post(id, { kind: 'progress', stage: 'gradient flow: splitting every residual Add' });
      const input = modelInput(m, req.image);
      try {
        return { kind: 'gradflow', result: await gradientFlow(m, input, { classIndex: req.classIndex }) };
      } finally {
        input.dispose();
      }
    }
  }
}

self.addEventListener('message', (event: MessageEvent<Envelope<Request>>) => {
  const { id, body } = event.data;
  handle(id, body).then(
    (reply) => post(id, reply),
    (e: unknown) => post(id, { kind: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
