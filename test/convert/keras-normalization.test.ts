// Keras' Normalization layer, imported from a full-model .h5 and from a TF.js layers model.json (both written
// here, laid out as Keras 2 and tensorflowjs_converter write them). tfjs-layers has no Normalization layer, so
// the reference is float64 code written plainly below from keras/layers/preprocessing/normalization.py:
// (x − mean) / max(sqrt(variance), backend.epsilon() = 1e-7) per channel. One model holds the adapted form
// (weights mean, variance, count — count int64 in the .h5, int32 in the TF.js manifest; one variance 0, so
// the epsilon floor divides) and the form with mean/variance in the config (one variance below ε²).
// Tolerance: each normalized channel 1e-5 · max|ref| of that channel (float32 storage of the statistics and
// of 1/σ ≈ 1e7), logits 1e-4 · max|ref|.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { importKerasTopology } from '../../tools/convert-weights/keras-topology.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { writeFullModelH5, type FixtureLayer } from '../fixtures/keras-h5.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras-normalization-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [H, W, C, UNITS] = [7, 5, 3, 2];
const ADAPTED = { mean: [0.45, 0.5, 0.55], variance: [0.06, 0.09, 0] };
const GIVEN = { mean: [0.4, -0.1, 0.6], variance: [0.25, 4, 1e-16] };
const KERNEL = randomArray(2 * C * UNITS, 5, -0.5, 0.5);
const BIAS = [0.1, -0.2];

const layer = (name: string, className: string, config: Record<string, unknown>, inputs: string[] = []) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: inputs.length > 0 ? [[...inputs.map((i) => [i, 0, 0, {}])]] : [],
});

function modelConfig(normalization: Record<string, unknown> = {}) {
  return {
    class_name: 'Functional',
    config: {
      name: 'normalized',
      layers: [
        layer('image', 'InputLayer', { batch_input_shape: [null, H, W, C] }),
        layer('rescale', 'Rescaling', { scale: 1 / 255, offset: 0 }, ['image']),
        layer('norm', 'Normalization', { axis: [-1], mean: null, variance: null, ...normalization }, ['rescale']),
        layer('norm_given', 'Normalization', { axis: -1, ...GIVEN }, ['rescale']),
        layer('cat', 'Concatenate', { axis: -1 }, ['norm', 'norm_given']),
        layer('gap', 'GlobalAveragePooling2D', {}, ['cat']),
        layer('out', 'Dense', { units: UNITS, activation: 'linear' }, ['gap']),
      ],
      input_layers: [['image', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
  };
}

/** Keras' formula in float64, NHWC. */
function normalize(x: ArrayLike<number>, { mean, variance }: { mean: number[]; variance: number[] }): number[] {
  return Array.from(x, (v, i) => (v / 255 - mean[i % C]) / Math.max(Math.sqrt(variance[i % C]), 1e-7));
}

function logits(a: number[], b: number[], batch: number): number[] {
  const out: number[] = [];
  const cells = H * W;
  for (let n = 0; n < batch; n++) {
    const pooled = [a, b].flatMap((t) => Array.from({ length: C }, (_, c) => t.slice(n * cells * C, (n + 1) * cells * C).filter((_, i) => i % C === c)));
    const mean = pooled.map((vs) => vs.reduce((s, v) => s + v, 0) / cells);
    for (let j = 0; j < UNITS; j++) out.push(mean.reduce((s, v, k) => s + v * KERNEL[k * UNITS + j], BIAS[j]));
  }
  return out;
}

function expectPerChannel(actual: ArrayLike<number>, expected: number[], what: string): void {
  for (let c = 0; c < C; c++) {
    const ref = expected.filter((_, i) => i % C === c);
    expectClose(
      Array.from(actual).filter((_, i) => i % C === c),
      ref,
      0,
      1e-5 * maxAbs(ref),
      `${what} channel ${c}`,
    );
  }
}

async function checkConverted(file: string): Promise<void> {
  const out = `${file}.safetensors`;
  const cli = runConverter([file, '--out', out, '--preprocess', 'unit']);
  expect(cli.stderr).toBe('');
  expect(cli.status).toBe(0);
  const model = await loadModel(out);
  const x = randomArray(2 * H * W * C, 11, 0, 255);
  const { y, norm, given } = await tidy(() => {
    const r = model.run(tensor(x, [2, H, W, C]), { keep: ['norm', 'norm_given'] });
    return { y: r.logits, norm: r.activations.get('norm'), given: r.activations.get('norm_given') };
  });
  const refNorm = normalize(x, ADAPTED),
    refGiven = normalize(x, GIVEN);
  expectPerChannel(await norm!.read(), refNorm, 'adapted Normalization');
  expectPerChannel(await given!.read(), refGiven, 'Normalization from the config');
  const refLogits = logits(refNorm, refGiven, 2);
  expectClose(await y.read(), refLogits, 0, 1e-4 * maxAbs(refLogits), 'logits');
  model.dispose();
}

const f32 = (v: number[]) => Float32Array.from(v);

describe('Keras Normalization vs float64 (x − mean) / max(sqrt(var), 1e-7): per channel 1e-5 · max|ref|, logits 1e-4 · max|ref|', () => {
  it('from a full-model .h5 (weights mean, variance, int64 count)', async () => {
    const file = join(dir, 'normalized.h5');
    const layers: FixtureLayer[] = [
      {
        name: 'norm',
        weights: [
          { storedName: 'norm/mean:0', shape: [C], data: f32(ADAPTED.mean) },
          { storedName: 'norm/variance:0', shape: [C], data: f32(ADAPTED.variance) },
          { storedName: 'norm/count:0', shape: [], data: BigInt64Array.of(1000n) },
        ],
      },
      {
        name: 'out',
        weights: [
          { storedName: 'out/kernel:0', shape: [2 * C, UNITS], data: KERNEL },
          { storedName: 'out/bias:0', shape: [UNITS], data: f32(BIAS) },
        ],
      },
    ];
    await writeFullModelH5(file, layers, modelConfig());
    await checkConverted(file);
  });

  it('from a TF.js layers model.json (int32 count, as tensorflowjs_converter writes int64)', async () => {
    const into = join(dir, 'tfjs');
    mkdirSync(into);
    const weights: [string, number[], 'float32' | 'int32', ArrayLike<number>][] = [
      ['norm/mean', [C], 'float32', ADAPTED.mean],
      ['norm/variance', [C], 'float32', ADAPTED.variance],
      ['norm/count', [], 'int32', [1000]],
      ['out/kernel', [2 * C, UNITS], 'float32', KERNEL],
      ['out/bias', [UNITS], 'float32', BIAS],
    ];
    const bytes = weights.map(([, , dtype, v]) => new Uint8Array((dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v)).buffer));
    writeFileSync(join(into, 'group1-shard1of1.bin'), Buffer.concat(bytes));
    const manifest = [{ paths: ['group1-shard1of1.bin'], weights: weights.map(([name, shape, dtype]) => ({ name, shape, dtype })) }];
    const topology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: modelConfig() };
    writeFileSync(join(into, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: manifest }));
    await checkConverted(join(into, 'model.json'));
  });

  it('refuses invert=True and adapted statistics on other axes, one line naming the layer (no GPU)', () => {
    expect(() => importKerasTopology(modelConfig({ invert: true }))).toThrow('unsupported Keras layers: Normalization with invert=true (norm)');
    expect(() => importKerasTopology(modelConfig({ axis: [1, 2, 3] }))).toThrow(
      'unsupported Keras layers: Normalization with axis=[1,2,3] (adapted statistics are supported on the channel axis, -1) (norm)',
    );
  });
});
