// loadModel: zoo names and paths, and every way a file can be wrong — each a one-line error naming
// the file (or, for a zoo model without weights, the two commands that make them). The positive
// path on real networks is in zoo-*.test.ts and nsfwjs.test.ts; here a tiny imported graph is loaded
// and run against a float64 evaluation of the same graph (tolerance 1e-5 relative + 1e-6 absolute).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '../../src/tensor/index.js';
import { GraphBuilder } from '../../src/models/builder.js';
import { loadModel, MissingWeightsError, resolveWeightsPath, WEIGHTS_DIR } from '../../src/models/load.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { writeSafetensors } from '../../src/models/safetensors-file.js';
import { writeWeightsFile, type WeightsMetadata } from '../../src/models/weights-file.js';
import { expectClose } from '../helpers.js';
import { REPO } from '../fixtures/keras-zoo-check.js';
import { NATIVE_MODELS } from '../../src/models/index.js';

/** The native definitions' names, as messages list them. */
const KNOWN = Object.keys(NATIVE_MODELS).join(', ');

const dir = mkdtempSync(join(tmpdir(), 'gradscope-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** input 2×2×3 → 1×1 conv (3→3, no bias) + ReLU → global average pool → dense 3→2 (+bias). */
function tinyGraph() {
  const g = new GraphBuilder();
  const x = g.input('x', 2, 2, 3);
  const c = g.conv2d('mix', x, 3, 1, { useBias: false, activation: 'relu' });
  g.role = undefined;
  g.dense('out', g.globalAvgPool('gap', c), 2);
  return g.build();
}
const MIX = Float32Array.of(1, 0, -1, 0.5, 1, 0, 0, -0.5, 1);
const KERNEL = Float32Array.of(1, -2, 0.5, 3, -1, 0.25);
const BIAS = Float32Array.of(0.125, -0.5);

function metadata(over: Partial<WeightsMetadata> = {}): WeightsMetadata {
  return {
    architecture: JSON.stringify(tinyGraph()),
    source: 'tiny.h5',
    sourceSha256: '',
    preprocessing: 'unit',
    labels: ['yes', 'no'],
    licence: 'test',
    ...over,
  };
}

function write(
  name: string,
  over: Partial<WeightsMetadata> = {},
  params = new Map([
    ['mix/kernel', { shape: [1, 1, 3, 3], data: MIX }],
    ['out/kernel', { shape: [3, 2], data: KERNEL }],
    ['out/bias', { shape: [2], data: BIAS }],
  ]),
): string {
  const path = join(dir, name);
  writeWeightsFile(path, params, metadata(over));
  return path;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  expect((e as Error).message).not.toContain('\n');
  return e as Error;
}

async function fileFailure(path: string, problem: string | RegExp): Promise<void> {
  const e = await failure(loadModel(path));
  expect(e).toBeInstanceOf(WeightFileError);
  expect(e.message.startsWith(`${path}: `)).toBe(true);
  if (typeof problem === 'string') expect((e as WeightFileError).problem).toBe(problem);
  else expect((e as WeightFileError).problem).toMatch(problem);
}

describe('loadModel', () => {
  it('loads an imported graph by path: name from the file, labels, preprocessing, automatic target; runs (float64 reference)', async () => {
    const model = await loadModel(write('tiny.safetensors'));
    expect(model.name).toBe('tiny');
    expect(model.definition.labels).toEqual(['yes', 'no']);
    expect(model.definition.preprocessing).toBe('unit');
    expect(model.definition.defaultTarget).toBe('mix');
    expect(model.definition.source).toBe('graph imported from tiny.h5');
    const x = Float32Array.of(1, -2, 3, 4, 5, -6, 7, 8, 9, -10, 11, 12);
    const logits = await tidy(() => model.run(tensor(x, [1, 2, 2, 3])).logits).read();
    const mixed = [0, 1, 2, 3].map((p) =>
      [0, 1, 2].map((o) =>
        Math.max(
          0,
          [0, 1, 2].reduce((s, i) => s + x[p * 3 + i] * MIX[i * 3 + o], 0),
        ),
      ),
    );
    const mean = [0, 1, 2].map((c) => mixed.reduce((s, px) => s + px[c], 0) / 4);
    const expected = [0, 1].map((j) => mean.reduce((s, m, c) => s + m * KERNEL[c * 2 + j], BIAS[j]));
    expectClose(logits, expected, 1e-5, 1e-6, 'logits');
    model.dispose();
  });

  it('a zoo name without converted weights says how to fetch or convert them, naming both commands', async () => {
    const e = await failure(loadModel('vgg16', { weightsDir: dir }));
    expect(e).toBeInstanceOf(MissingWeightsError);
    expect(e.message).toBe(
      `no weights for 'vgg16' at ${join(dir, 'vgg16.safetensors')}: in a clone of the repository download and convert them with ` +
        `'npx tsx tools/convert-weights/index.ts fetch vgg16', or convert a file you have with ` +
        `'npx gradscope convert <file> --arch vgg16 --out ${join(dir, 'vgg16.safetensors')}'`,
    );
    const n = await failure(loadModel('nsfwjs-inceptionv3', { weightsDir: dir }));
    expect(n.message).not.toContain(' fetch ');
    expect(n.message).toContain(`npx gradscope convert <file> --arch nsfwjs-inceptionv3 --out ${join(dir, 'nsfwjs-inceptionv3.safetensors')}`);
    if (Object.hasOwn(NATIVE_MODELS, 'scenes-resnet')) {
      expect((await failure(loadModel('scenes-resnet', { weightsDir: dir }))).message).toContain("train them with 'npm run train-demo'");
    }
  });

  it('zoo names resolve to weights/<name>.safetensors at the repository root', () => {
    expect(WEIGHTS_DIR).toBe(join(REPO, 'weights/'));
    const path = join(REPO, 'weights', 'inceptionv3.safetensors');
    if (existsSync(path)) expect(resolveWeightsPath('inceptionv3')).toBe(path);
    else expect(() => resolveWeightsPath('inceptionv3')).toThrow(`no weights for 'inceptionv3' at ${path}`);
  });

  it('a zoo name loads from the weights directory, with the native definition', async () => {
    const graphParams = new Map([['out/kernel', { shape: [3, 2], data: KERNEL }]]);
    const path = join(dir, 'vgg16.safetensors');
    writeWeightsFile(path, graphParams, metadata({ architecture: 'vgg16', labels: Array.from({ length: 1000 }, (_, i) => `c${i}`) }));
    // The native VGG16 has 32 parameters; this file holds one of the wrong size.
    const e = await failure(loadModel('vgg16', { weightsDir: dir }));
    expect(e.message).toBe(`${path}: weights do not match the architecture 'vgg16': block1_conv1/kernel: missing (expected shape [3, 3, 3, 64]) (and 32 more)`);
    // A zoo name must find that architecture in its file.
    writeWeightsFile(join(dir, 'resnet50v2.safetensors'), graphParams, metadata({ architecture: 'vgg16' }));
    const other = await failure(loadModel('resnet50v2', { weightsDir: dir }));
    expect(other.message).toBe(`${join(dir, 'resnet50v2.safetensors')}: holds 'vgg16', not 'resnet50v2': reconvert it, or load it by its path`);
  });

  it('missing, corrupt, truncated and foreign files fail in one line naming the file', async () => {
    await fileFailure(join(dir, 'absent.safetensors'), 'cannot read (ENOENT)');
    const e = await failure(loadModel('resnet51'));
    expect(e.message).toBe(`resnet51: cannot read (ENOENT) (not a zoo name either: ${KNOWN})`);

    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(
      garbage,
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255),
    );
    await fileFailure(garbage, /header length \d+ runs beyond the end of the file \(300 bytes\): truncated or not a safetensors file/);

    const truncated = join(dir, 'truncated.safetensors');
    copyFileSync(write('whole.safetensors'), truncated);
    truncateSync(truncated, readFileSync(truncated).length - 8);
    await fileFailure(truncated, /out of range: the data section has \d+ bytes \(truncated file\?\)|data section has \d+ bytes but the tensors cover \d+/);

    const foreign = join(dir, 'foreign.safetensors');
    writeSafetensors(foreign, new Map([['w', { shape: [2], data: Float32Array.of(1, 2) }]]), { producer: 'someone else' });
    await fileFailure(foreign, "not a gradscope weights file (no format key; expected 'gradscope-weights/1')");
  });

  it('metadata that does not describe a runnable model', async () => {
    await fileFailure(
      write('arch.safetensors', { architecture: 'resnet34' }),
      `metadata 'architecture' is neither a known model (${KNOWN}) nor a graph in JSON`,
    );
    await fileFailure(write('nodes.safetensors', { architecture: '{"layers": []}' }), "metadata 'architecture' is JSON but not a graph (no 'nodes' array)");
    const broken = tinyGraph();
    broken.nodes[3].inputs = ['nowhere'];
    await fileFailure(
      write('graph.safetensors', { architecture: JSON.stringify(broken) }),
      "the graph in its metadata is invalid: node 'out' reads 'nowhere', which is not an earlier node",
    );
    await fileFailure(write('labels.safetensors', { labels: ['a', 'b', 'c'] }), 'metadata has 3 labels but the model has 2 outputs');
    await fileFailure(write('pre.safetensors', { preprocessing: 'imagenet' }), "metadata 'preprocessing' is 'imagenet' (known: tf, caffe, torch, unit)");
  });

  it('weights that do not match the architecture: the first problem with both shapes, and how many more', async () => {
    const path = write(
      'shapes.safetensors',
      {},
      new Map([
        ['mix/kernel', { shape: [1, 1, 3, 3], data: MIX }],
        ['out/kernel', { shape: [2, 3], data: KERNEL }],
        ['extra/bias', { shape: [1], data: Float32Array.of(0) }],
      ]),
    );
    await fileFailure(path, "weights do not match the architecture 'shapes': out/kernel: expected shape [3, 2], given [2, 3] (and 2 more)");
  });
});
