// Keras 3's keras.ops calls on Keras tensors, as the stock Keras 3 MobileNetV3 writes its hard_sigmoid
// (`layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)`, keras/src/applications/mobilenet_v3.py): operations of module
// keras.src.ops.numpy ('Add', 'Multiply', 'Subtract') whose call records hold a Keras tensor and a number. A block in
// a .keras archive (config.json written here in Keras 3's form): conv → x + 3 → ReLU(6) → × 1/6 → × conv (hard
// swish), 1 − that gate (the constant first), their sum through Activation('hard_sigmoid') (Keras 3's, the archive
// says 3.5.0), GAP, Dense. Reference: float64 code written plainly here. Tolerance: the hard-swish map 1e-6 · max|ref|,
// logits 1e-5 · max|ref|.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/models/load.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { runConverter } from '../fixtures/keras-zoo-check.js';
import { KERAS3_METADATA, keras3Functional, keras3Layer, keras3Tensor, writeKerasArchive } from '../fixtures/keras-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-keras3-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [H, W, C, UNITS] = [4, 5, 3, 2];
const KERNEL = randomArray(C * C, 41, -2, 2);
const BIAS = Float32Array.from([0.5, -1, 2]);
const DENSE = randomArray(C * UNITS, 42, -1, 1);
const DENSE_BIAS = Float32Array.from([0.2, -0.3]);

/** A keras.src.ops.numpy operation as Keras 3 saves it: its arguments, Keras tensors and plain numbers, in order. */
function op(className: string, name: string, args: (string | number)[]) {
  return {
    module: 'keras.src.ops.numpy',
    class_name: className,
    config: { name },
    registered_name: className,
    name,
    inbound_nodes: [{ args: args.map((a) => (typeof a === 'number' ? a : keras3Tensor(a))), kwargs: {} }],
  };
}

const config = keras3Functional(
  'k3_ops',
  [
    keras3Layer('InputLayer', 'image', { batch_shape: [null, H, W, C], dtype: 'float32', sparse: false }),
    keras3Layer('Conv2D', 'conv', { filters: C, kernel_size: [1, 1], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: true }, ['image']),
    op('Add', 'add', ['conv', 3.0]),
    keras3Layer('ReLU', 're_lu', { max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, ['add']),
    op('Multiply', 'multiply', ['re_lu', 1.0 / 6.0]),
    keras3Layer('Multiply', 'gate', {}, ['conv', 'multiply']),
    op('Subtract', 'subtract', [1.0, 'multiply']),
    keras3Layer('Add', 'mix', {}, ['gate', 'subtract']),
    keras3Layer('Activation', 'hs', { activation: 'hard_sigmoid' }, ['mix']),
    keras3Layer('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, ['hs']),
    keras3Layer('Dense', 'out', { units: UNITS, activation: 'linear', use_bias: true }, ['gap']),
  ],
  'image',
  'out',
);

/** The block in float64, NHWC. */
function reference(x: Float32Array, batch: number) {
  const hardSigmoid3 = (v: number) => Math.min(6, Math.max(0, v + 3)) / 6;
  const gate: number[] = [];
  const hs: number[] = [];
  for (let p = 0; p < batch * H * W; p++)
    for (let o = 0; o < C; o++) {
      let conv = BIAS[o];
      for (let i = 0; i < C; i++) conv += x[p * C + i] * KERNEL[i * C + o];
      const sig = Math.min(6, Math.max(0, conv + 3)) * (1 / 6);
      gate.push(conv * sig);
      hs.push(hardSigmoid3(conv * sig + (1 - sig)));
    }
  const logits: number[] = [];
  for (let n = 0; n < batch; n++) {
    const pooled = Array.from({ length: C }, (_, c) => {
      let s = 0;
      for (let p = 0; p < H * W; p++) s += hs[(n * H * W + p) * C + c];
      return s / (H * W);
    });
    for (let j = 0; j < UNITS; j++) logits.push(pooled.reduce((s, v, k) => s + v * DENSE[k * UNITS + j], DENSE_BIAS[j]));
  }
  return { gate, logits };
}

describe('Keras 3 keras.ops arithmetic (keras.src.ops.numpy) in a .keras archive vs float64 (hard-swish 1e-6 · max|ref|, logits 1e-5 · max|ref|)', () => {
  it("x + 3 → ReLU(6) → × 1/6 (MobileNetV3's hard_sigmoid), 1 − gate, Keras 3 hard_sigmoid", async () => {
    const file = join(dir, 'ops.keras');
    const weights = [
      {
        path: 'layers/conv2d',
        vars: [
          { shape: [1, 1, C, C], data: KERNEL },
          { shape: [C], data: BIAS },
        ],
      },
      {
        path: 'layers/dense',
        vars: [
          { shape: [C, UNITS], data: DENSE },
          { shape: [UNITS], data: DENSE_BIAS },
        ],
      },
    ];
    await writeKerasArchive(file, { config, weights, metadata: KERAS3_METADATA });
    const out = join(dir, 'ops.safetensors');
    const cli = runConverter([file, '--out', out, '--preprocess', 'unit']);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const model = await loadModel(out);
    const x = randomArray(2 * H * W * C, 43, -3, 3);
    const r = await tidy(() => {
      const run = model.run(tensor(x, [2, H, W, C]), { keep: ['gate'] });
      return { y: run.logits, gate: run.activations.get('gate') };
    });
    const ref = reference(x, 2);
    expectClose(await r.gate!.read(), ref.gate, 0, 1e-6 * maxAbs(ref.gate), 'hard-swish gate');
    expectClose(await r.y.read(), ref.logits, 0, 1e-5 * maxAbs(ref.logits), 'logits');
    model.dispose();
  });
});
