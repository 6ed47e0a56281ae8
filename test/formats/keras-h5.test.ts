import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKerasH5 } from '../../tools/convert-weights/keras-h5.js';
import { toParameterMap } from '../../tools/convert-weights/layer-weights.js';
import { fixtureValues, writeFullModelH5, writeWeightsOnlyH5, type FixtureLayer } from '../fixtures/keras-h5.js';
import { expectWeightFileError } from './expect-file-error.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-h5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function layer(index: number, name: string, weights: [string, number[]][]): FixtureLayer {
  return {
    name,
    weights: weights.map(([storedName, shape], w) => ({
      storedName,
      shape,
      data: fixtureValues(
        index,
        w,
        shape.reduce((a, b) => a * b, 1),
      ),
    })),
  };
}

/** Expects a one-line WeightFileError that names the file and matches `problem`. */
async function expectFileError(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  const e = expectWeightFileError(error, file, problem);
  expect(e.message).not.toMatch(/HDF5-DIAG|#00\d/);
}

describe('Keras .h5 reader (values must round-trip exactly: they are float32 in and out)', () => {
  it('reads a Keras 2 weights-only file by layer_names / weight_names, skipping weightless layers', async () => {
    const path = join(dir, 'keras2.h5');
    const layers = [
      layer(0, 'input_1', []),
      layer(1, 'block1_conv1', [
        ['block1_conv1/kernel:0', [3, 3, 3, 5]],
        ['block1_conv1/bias:0', [5]],
      ]),
      layer(2, 'batch_normalization_1', [
        ['batch_normalization_1/beta:0', [5]],
        ['batch_normalization_1/moving_mean:0', [5]],
        ['batch_normalization_1/moving_variance:0', [5]],
      ]),
      layer(3, 'flatten', []),
      layer(4, 'predictions', [
        ['predictions/kernel:0', [45, 7]],
        ['predictions/bias:0', [7]],
      ]),
    ];
    await writeWeightsOnlyH5(path, layers);
    const got = await readKerasH5(path);
    expect(got.format).toBe('weights-only');
    expect(got.kerasVersion).toBe('2.2.4');
    expect(got.backend).toBe('tensorflow');
    expect(got.layers.map((l) => l.layer)).toEqual(['block1_conv1', 'batch_normalization_1', 'predictions']);
    expect(got.layers[1].weights.map((w) => w.name)).toEqual(['beta', 'moving_mean', 'moving_variance']);
    const params = toParameterMap(got.layers);
    expect([...params.keys()]).toEqual([
      'block1_conv1/kernel',
      'block1_conv1/bias',
      'batch_normalization_1/beta',
      'batch_normalization_1/moving_mean',
      'batch_normalization_1/moving_variance',
      'predictions/kernel',
      'predictions/bias',
    ]);
    expect(params.get('block1_conv1/kernel')!.shape).toEqual([3, 3, 3, 5]);
    expect(params.get('block1_conv1/kernel')!.data).toEqual(layers[1].weights[0].data);
    expect(params.get('predictions/kernel')!.shape).toEqual([45, 7]);
    expect(params.get('predictions/bias')!.data).toEqual(layers[4].weights[1].data);
  });

  it('maps Keras 1 names (block1_conv1_W_1:0, *_running_std) and unnamed weights by position per layer', async () => {
    const path = join(dir, 'keras1.h5');
    const layers = [
      layer(0, 'block1_conv1', [
        ['block1_conv1_W_1:0', [3, 3, 3, 2]],
        ['block1_conv1_b_1:0', [2]],
      ]),
      layer(1, 'batchnormalization_1', [
        ['batchnormalization_1_gamma:0', [2]],
        ['batchnormalization_1_beta:0', [2]],
        ['batchnormalization_1_running_mean:0', [2]],
        ['batchnormalization_1_running_std:0', [2]],
      ]),
      // Names that say nothing: the count and the BN hint in the layer decide.
      layer(2, 'fc1', [
        ['param_0', [8, 3]],
        ['param_1', [3]],
      ]),
    ];
    await writeWeightsOnlyH5(path, layers);
    const got = await readKerasH5(path);
    expect(got.layers.map((l) => [l.layer, l.weights.map((w) => w.name)])).toEqual([
      ['block1_conv1', ['kernel', 'bias']],
      ['batchnormalization_1', ['gamma', 'beta', 'moving_mean', 'moving_variance']],
      ['fc1', ['kernel', 'bias']],
    ]);
    expect(got.layers[0].weights[0].storedName).toBe('block1_conv1_W_1:0');
    expect(got.layers[1].weights[3].data).toEqual(layers[1].weights[3].data);
  });

  it('reads a full-model file: model_weights + model_config, BN scale=False with opaque names, nested model split by layer', async () => {
    const path = join(dir, 'full.h5');
    const modelConfig = {
      class_name: 'Model',
      config: {
        name: 'outer',
        layers: [
          { class_name: 'InputLayer', name: 'input_1', config: { name: 'input_1' } },
          { class_name: 'Conv2D', name: 'conv2d_1', config: { name: 'conv2d_1', use_bias: false } },
          { class_name: 'BatchNormalization', name: 'batch_normalization_1', config: { name: 'batch_normalization_1', scale: false, center: true } },
          {
            class_name: 'Sequential',
            name: 'head',
            config: {
              name: 'head',
              layers: [
                { class_name: 'Dense', config: { name: 'dense_a' } },
                { class_name: 'Dense', config: { name: 'dense_b' } },
              ],
            },
          },
        ],
      },
    };
    const layers = [
      layer(0, 'input_1', []),
      layer(1, 'conv2d_1', [['conv2d_1/kernel:0', [1, 1, 2, 3]]]),
      layer(2, 'batch_normalization_1', [
        ['v0', [3]],
        ['v1', [3]],
        ['v2', [3]],
      ]),
      layer(3, 'head', [
        ['dense_a/kernel:0', [3, 4]],
        ['dense_a/bias:0', [4]],
        ['dense_b/kernel:0', [4, 2]],
        ['dense_b/bias:0', [2]],
      ]),
    ];
    await writeFullModelH5(path, layers, modelConfig);
    const got = await readKerasH5(path);
    expect(got.format).toBe('full-model');
    expect(got.modelConfig).toEqual(modelConfig);
    expect(got.layers.map((l) => [l.layer, l.className, l.weights.map((w) => w.name)])).toEqual([
      ['conv2d_1', 'Conv2D', ['kernel']],
      ['batch_normalization_1', 'BatchNormalization', ['beta', 'moving_mean', 'moving_variance']],
      ['dense_a', 'Dense', ['kernel', 'bias']],
      ['dense_b', 'Dense', ['kernel', 'bias']],
    ]);
    expect(got.layers[3].weights[0].data).toEqual(layers[3].weights[2].data);
  });

  it('reads a dataset over 32 MiB in row blocks, values exact (3 rows of 11.6 MB: blocks of 2 rows + 1)', async () => {
    const path = join(dir, 'big.h5');
    const big = layer(0, 'fc1', [['fc1/kernel:0', [3, 2_900_000]]]);
    await writeWeightsOnlyH5(path, [big]);
    const got = await readKerasH5(path);
    const w = got.layers[0].weights[0];
    expect(w.shape).toEqual([3, 2_900_000]);
    expect(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(big.weights[0].data.buffer))).toBe(true);
    rmSync(path);
  });

  it('follows layer_names split into layer_names0, layer_names1 (large models)', async () => {
    const path = join(dir, 'split.h5');
    const layers = [0, 1, 2].map((i) =>
      layer(i, `dense_${i}`, [
        [`dense_${i}/kernel:0`, [2, 2]],
        [`dense_${i}/bias:0`, [2]],
      ]),
    );
    await writeWeightsOnlyH5(path, layers, { splitNamesAt: 2 });
    const got = await readKerasH5(path);
    expect(got.layers.map((l) => l.layer)).toEqual(['dense_0', 'dense_1', 'dense_2']);
  });
});

describe('Keras .h5 reader: bad files give one-line WeightFileErrors naming the file', () => {
  it('missing file', async () => {
    const path = join(dir, 'nope.h5');
    await expectFileError(readKerasH5(path), path, /cannot read \(ENOENT\)/);
  });

  it('not HDF5 at all', async () => {
    const path = join(dir, 'junk.h5');
    writeFileSync(path, 'this is not an HDF5 file, just text');
    await expectFileError(readKerasH5(path), path, /not an HDF5 file/);
  });

  it('truncated file', async () => {
    const good = join(dir, 'to-truncate.h5');
    await writeWeightsOnlyH5(good, [layer(0, 'd', [['d/kernel:0', [64, 64]]])]);
    const bytes = readFileSync(good);
    const path = join(dir, 'truncated.h5');
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    await expectFileError(readKerasH5(path), path, /truncated: the file has \d+ bytes, its superblock says \d+/);
  });

  it('corrupt bytes inside a valid-looking file', async () => {
    const good = join(dir, 'to-corrupt.h5');
    await writeWeightsOnlyH5(good, [layer(0, 'd', [['d/kernel:0', [4, 4]]])]);
    const bytes = new Uint8Array(readFileSync(good));
    // Keep the signature, scribble over the superblock's addresses and the root object header.
    for (let i = 12; i < Math.min(bytes.length, 1200); i++) bytes[i] = (i * 37) & 0xff;
    const path = join(dir, 'corrupt.h5');
    writeFileSync(path, bytes);
    await expectFileError(readKerasH5(path), path, /./);
  });

  it('an HDF5 file that is not a Keras weights file', async () => {
    const path = join(dir, 'not-keras.h5');
    const { ready, File: H5File } = await import('h5wasm/node');
    await ready;
    const f = new H5File(path, 'w');
    f.create_group('layers');
    f.close();
    await expectFileError(readKerasH5(path), path, /no 'layer_names' attribute.*Keras 3/);
  });
});
