// The library surface on the tiny residual net: every method through explain() (finite map of the
// right shape, pictures at the original size, sidecar), Score-CAM batching, statuses of maps with
// no evidence, layer choice (warnings, notes, nearest-name errors), class selection, and GPU
// memory over 100 explanations. Numeric references: Score-CAM unbatched for batched (1e-6 rel);
// softmax of the logits in float64 for the reported probabilities (1e-6 abs); the rest are exact
// structural checks.
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, tensor, type Tensor } from '../../src/tensor/index.js';
import { modelInputPixels, type RgbImage } from '../../src/image/index.js';
import { resnet50v2 } from '../../src/models/resnet50v2.js';
import { inceptionv3 } from '../../src/models/inceptionv3.js';
import type { Model } from '../../src/models/model.js';
import {
  chooseTarget,
  computeLowres,
  explain,
  METHOD_NAMES,
  renderExplanation,
  sidecarJson,
  UnknownClassError,
  UnknownNodeError,
  type ExplainOptions,
  type MethodName,
} from '../../src/methods/index.js';
import { expectClose, expectSteadyMemory, randomArray, rng } from '../helpers.js';
import { randomWeights, tinyDefinition, TINY_SIZE, uploadWeights, withLogitColumn, type HostWeights } from './fixtures.js';
import { Model as ModelClass } from '../../src/models/model.js';
import type { ParameterSpec } from '../../src/models/shapes.js';

const { height: H, width: W } = TINY_SIZE;
const FAST: Partial<ExplainOptions> = { samples: 3, steps: 4, noise: 0.1 };

let specs: ParameterSpec[];
let host: HostWeights;
let model: Model;
let image: RgbImage;

function photo(width: number, height: number, seed: number): RgbImage {
  const r = rng(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(r() * 256)) };
}

function tinyModel(weights: HostWeights): Model {
  return new ModelClass(tinyDefinition(), uploadWeights(specs, weights));
}

beforeAll(() => {
  ({ specs, host } = randomWeights(tinyDefinition().graph, 41));
  model = tinyModel(host);
  image = photo(23, 17, 3); // not the model size: explain() resizes, render() draws at 23×17
});

const CAM_SHAPE = [1, 5, 6, 7]; // c3: 9×11 → stride 2 'same' → 5×6, 7 channels

describe('explain() with every method', () => {
  it.each(METHOD_NAMES.map((m) => [m]))('%s: a finite map of the node’s shape, pictures at the original size, a sidecar', async (method: MethodName) => {
    const expl = await explain(model, image, { method, ...FAST });
    const inputSpace = ['guided-backprop', 'saliency', 'smoothgrad', 'integrated-gradients', 'guided-gradcam'].includes(method);
    expect(expl.model).toBe('tiny');
    expect(expl.method).toBe(method);
    if (inputSpace) expect([expl.lowres.height, expl.lowres.width]).toEqual([H, W]);
    else {
      expect(expl.node).toBe('c3');
      expect(expl.nodeShape).toEqual(CAM_SHAPE);
      expect([expl.lowres.height, expl.lowres.width]).toEqual([5, 6]);
    }
    expect(expl.lowres.data.length).toBe(expl.lowres.height * expl.lowres.width);
    expect(expl.lowres.data.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(expl.min).toBe(Math.min(...expl.lowres.data));
    expect(expl.max).toBe(Math.max(...expl.lowres.data));
    expect(expl.status).toBe('ok');
    expect(expl.topk.map((t) => t.index)).toContain(expl.class);
    expect(expl.topk[0].probability).toBeGreaterThanOrEqual(expl.topk[1].probability);
    expect(expl.probability).toBeCloseTo(expl.topk.find((t) => t.index === expl.class)?.probability ?? NaN, 6);
    expect(expl.conventions.method).toBe(method);
    expect(typeof expl.conventions.upsampling).toBe('string');
    if (method === 'guided-backprop' || method === 'guided-gradcam') {
      expect(expl.overriddenRelus).toBe(3);
      expect(expl.inputGradient?.data.length).toBe(H * W * 3);
    } else expect(expl.overriddenRelus).toBeUndefined();
    if (method === 'integrated-gradients') {
      // 4 steps are too few for 1 %: the explanation says so.
      expect(expl.completeness?.relativeError).toBeGreaterThan(0.01);
      expect(expl.notes).toEqual([expect.stringMatching(/% apart, above 1 %\); use more steps/)]);
    }

    const pictures = renderExplanation(expl, image, { colormap: 'viridis', alpha: 0.4 });
    for (const p of [pictures.overlay, pictures.heatmap]) expect([p.width, p.height, p.data.length]).toEqual([23, 17, 23 * 17 * 3]);
    expect(pictures.warning).toBeUndefined();
    if (expl.inputGradient) expect([pictures.gradient?.width, pictures.gradient?.height]).toEqual([23, 17]);
    const json = JSON.parse(sidecarJson(expl, { colormap: 'viridis', alpha: 0.4 }));
    expect(json.conventions.colormap).toBe('viridis');
    expect(json.conventions.overlayAlpha).toBe(0.4);
    expect(json.node).toBe(expl.node);
    if (!inputSpace) expect(json.lowres.data).toHaveLength(30);
  });

  it('top-k probabilities are the float64 softmax of the logits (1e-6 abs), sorted; the class defaults to top-1', async () => {
    const expl = await explain(model, image, { method: 'gradcam', topK: 4 });
    const x = model.preprocess(modelInputPixels(image, W, H).data);
    const { logits } = await computeLowres(model, x, { method: 'gradcam', node: 'c3' });
    x.dispose();
    const max = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    const order = [0, 1, 2, 3].sort((a, b) => logits[b] - logits[a]);
    expect(expl.topk.map((t) => t.index)).toEqual(order);
    expectClose(
      expl.topk.map((t) => t.probability),
      order.map((k) => e[k] / total),
      0,
      1e-6,
      'top-k probabilities',
    );
    expect(expl.class).toBe(order[0]);
    expect(expl.logit).toBe(logits[order[0]]);
  });
});

describe('Score-CAM', () => {
  it('batched forwards (3 masked images each) give the unbatched map (1e-6 rel); the channel limit keeps the most varying channels', async () => {
    const x = tensor(randomArray(H * W * 3, 8), [1, H, W, 3]);
    try {
      const one = await computeLowres(model, x, { method: 'scorecam', node: 's', classIndex: 2, scoreCamMaxChannels: 5, batchSize: 1 });
      const three = await computeLowres(model, x, { method: 'scorecam', node: 's', classIndex: 2, scoreCamMaxChannels: 5, batchSize: 3 });
      expect(one.details).toMatchObject({ forwards: 5, channels: 5, batchSize: 1 });
      expect(three.details).toMatchObject({ forwards: 2, channels: 5, batchSize: 3 });
      expectClose(three.map.data, one.map.data, 1e-6, 1e-6 * Math.max(...one.map.data), 'batched vs unbatched');
      expect(three.notes[0]).toMatch(/scored 5 of 6 channels/);
    } finally {
      x.dispose();
    }
  });
});

describe('maps without evidence are reported, not drawn blank', () => {
  it('a class whose dense weights are all zero gives status all-zero; all-negative weights give all-negative; render warns', async () => {
    const silent = tinyModel(
      withLogitColumn(
        withLogitColumn(host, 3, () => 0, 0.5),
        0,
        (k) => -0.2 - 0.01 * k,
      ),
    );
    try {
      for (const method of ['gradcam', 'hirescam', 'gradcam++', 'xgradcam', 'layercam', 'saliency', 'guided-backprop', 'guided-gradcam'] as const) {
        const expl = await explain(silent, image, { method, classIndex: 3 });
        expect(expl.status, method).toBe('all-zero');
        expect(expl.max).toBe(0);
        expect(expl.statusMessage).toMatch(/zero everywhere/);
        const pictures = renderExplanation(expl, image);
        expect(pictures.status).toBe('all-zero');
        expect(pictures.warning).toMatch(/nothing to draw/);
        expect(JSON.parse(sidecarJson(expl)).status).toBe('all-zero');
      }
      // c3 comes after a ReLU (A ≥ 0), so negative dense weights make Σ α_k A_k ≤ 0 everywhere.
      for (const method of ['gradcam', 'hirescam', 'xgradcam'] as const) {
        const expl = await explain(silent, image, { method, classIndex: 'cat' });
        expect(expl.status, method).toBe('all-negative');
        expect(expl.statusMessage).toMatch(/evidence against the class/);
      }
    } finally {
      silent.dispose();
    }
  });
});

describe('layer choice', () => {
  it("'auto' takes the model's default target with the automatic rule's reason; named nodes are used exactly as named", async () => {
    const auto = await explain(model, image, { method: 'gradcam', layer: 'auto' });
    expect(auto.node).toBe('c3');
    expect(auto.layerChoice).toMatchObject({ mode: 'auto', warnings: [], notes: [] });
    expect(auto.layerChoice.reason).toMatch(/last feature map with spatial size > 1/);
    const viaInput = await explain(model, image, { method: 'gradcam', layer: 'gap:input' });
    expect(viaInput.node).toBe('gap:input');
    expect(viaInput.layerChoice.reason).toMatch(/the output of 'c3'/);
    expectClose(viaInput.lowres.data, auto.lowres.data, 0, 0, 'gap:input is c3');
    const add = await explain(model, image, { method: 'gradcam', layer: 's' });
    expect(add).toMatchObject({ node: 's', nodeRole: 'feature-map', layerChoice: { mode: 'named', warnings: [], notes: [] } });
  });

  it('a residual-branch node works but warns, naming the Add; a node without a ReLU gets a note', async () => {
    const expl = await explain(model, image, { method: 'gradcam', layer: 'c2' });
    expect(expl.nodeRole).toBe('residual-branch');
    expect(expl.nodeShape).toEqual([1, 5, 6, 6]);
    expect(expl.layerChoice.warnings).toEqual([expect.stringMatching(/inside a residual branch.*the full feature map there is 's'/)]);
    expect(expl.layerChoice.notes).toEqual([expect.stringMatching(/'c2' \(conv2d\) is not the output of a ReLU, so its activations can be negative.*'s'/)]);
  });

  it('unknown names fail with the nearest names; a node that is not 4-D fails with a ShapeError; input methods ignore the layer with a warning', async () => {
    await expect(explain(model, image, { method: 'gradcam', layer: 'c22' })).rejects.toThrow(UnknownNodeError);
    await expect(explain(model, image, { method: 'scorecam', layer: 'c22' })).rejects.toThrow(/no node named 'c22'; nearest names: c2, c1, r2, c3, x/);
    await expect(explain(model, image, { method: 'gradcam', layer: 'gap' })).rejects.toThrow(ShapeError);
    await expect(explain(model, image, { method: 'gradcam', layer: 's:input' })).rejects.toThrow(
      /'s' has 2 inputs; name one; nearest names: s:input0, s:input1/,
    );
    const sal = await explain(model, image, { method: 'saliency', layer: 'c2' });
    expect(sal.nodeRole).toBe('input');
    expect(sal.layerChoice.warnings).toEqual([expect.stringMatching(/layer 'c2' is ignored/)]);
    await expect(explain(model, image, { method: 'gradcamm' as MethodName })).rejects.toThrow(/unknown method 'gradcamm' \(known: gradcam, gradcam\+\+/);
  });

  it('ResNet50V2 and InceptionV3 definitions: post_relu by default, notes on block outputs, warnings inside branches', () => {
    const r = resnet50v2();
    expect(chooseTarget(r, 'auto', 'gradcam').node).toBe('post_relu');
    const out = chooseTarget(r, 'conv5_block3_out', 'gradcam');
    expect(out.layerChoice.warnings).toEqual([]);
    expect(out.layerChoice.notes).toEqual([expect.stringMatching(/'conv5_block3_out' \(add\) is not the output of a ReLU.*'post_relu'/)]);
    expect(chooseTarget(r, 'conv5_block3_2_conv', 'gradcam').layerChoice.warnings).toEqual([expect.stringMatching(/residual branch.*'conv5_block3_out'/)]);
    expect(() => chooseTarget(r, 'post_reluu', 'gradcam')).toThrow(/nearest names: post_relu/);
    const i = inceptionv3();
    expect(chooseTarget(i, undefined, 'eigencam')).toMatchObject({ node: 'mixed10', nodeShape: [1, 8, 8, 2048], layerChoice: { warnings: [], notes: [] } });
    expect(chooseTarget(i, 'conv2d_94', 'gradcam').layerChoice.warnings).toEqual([expect.stringMatching(/one branch.*'mixed10'/)]);
  });
});

describe('class selection', () => {
  it('by index, by label (exact, then case-insensitive), by digit string; unknown labels name the nearest', async () => {
    expect((await explain(model, image, { method: 'gradcam', classIndex: 2 })).label).toBe('car');
    expect((await explain(model, image, { method: 'gradcam', classIndex: 'DOG' })).class).toBe(1);
    expect((await explain(model, image, { method: 'gradcam', classIndex: '3' })).label).toBe('tree');
    await expect(explain(model, image, { method: 'gradcam', classIndex: 'doge' })).rejects.toThrow(UnknownClassError);
    await expect(explain(model, image, { method: 'gradcam', classIndex: 'doge' })).rejects.toThrow(/nearest labels: 'dog' \(1\)/);
    await expect(explain(model, image, { method: 'gradcam', classIndex: 4 })).rejects.toThrow(/out of range: the model has classes 0..3/);
  });
});

describe('memory', () => {
  it('100 explanations of the same image (every method in turn) leave live GPU memory unchanged', async () => {
    const run = (i: number) => explain(model, image, { method: METHOD_NAMES[i % METHOD_NAMES.length], ...FAST, layer: i % 2 ? 's' : 'auto' });
    let i = 0;
    await expectSteadyMemory(() => run(i++), { warmup: METHOD_NAMES.length * 2, repeats: 100 });
    // And the caller's input tensor comes back as it went in: usable, not marked for gradients.
    const x: Tensor = tensor(randomArray(H * W * 3, 4), [1, H, W, 3]);
    await computeLowres(model, x, { method: 'saliency' });
    expect(x.requiresGrad).toBe(false);
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });
});
