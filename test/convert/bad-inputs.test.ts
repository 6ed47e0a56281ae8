// The converter's command line on bad inputs: exit status 2, exactly one line on stderr naming the
// file (or the bad argument), and no output file — not even a temporary one. Also `fetch` without
// network (or with 3 s to get a 528 MB file): one line naming the URL and how to convert instead.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vgg16Graph } from '../../src/models/vgg16.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { KERAS_IMAGENET_WEIGHTS } from '../../tools/convert-weights/fetch.js';
import { writeFullModelH5, writeWeightsOnlyH5, type FixtureLayer } from '../fixtures/keras-h5.js';
import { ensureNsfwjsInception } from '../fixtures/nsfwjs-models.js';
import { runConverter, type CliResult } from '../fixtures/keras-zoo-check.js';
import { converterInProcess } from '../fixtures/converter-main.js';
import { NATIVE_MODELS } from '../../src/models/index.js';

/** The native definitions' names, as messages list them. */
const KNOWN = Object.keys(NATIVE_MODELS).join(', ');

const dir = mkdtempSync(join(tmpdir(), 'gradscope-bad-inputs-'));
const outDir = join(dir, 'out');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command line's main() in this process (a few cases below spawn it to check the real exit status). */
const converter = converterInProcess;

/** Exit 2, one line on stderr matching `message`, and nothing written in the output directory. */
function expectRejected(r: CliResult, message: RegExp | string): void {
  expect(r.status, r.stderr).toBe(2);
  const line = r.stderr.replace(/\n$/, '');
  expect(line).not.toContain('\n');
  if (typeof message === 'string') expect(line).toContain(message);
  else expect(line).toMatch(message);
  expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
}

const out = join(outDir, 'model.safetensors');

/** VGG16's weighted layer names with 1-element weights: right names, wrong shapes, tiny file. */
function vggNamedLayers(skip: readonly string[] = []): FixtureLayer[] {
  const byNode = new Map<string, FixtureLayer>();
  for (const s of parameterSpecs(vgg16Graph())) {
    if (skip.includes(s.node)) continue;
    if (!byNode.has(s.node)) byNode.set(s.node, { name: s.node, weights: [] });
    byNode.get(s.node)?.weights.push({ storedName: `${s.node}/${s.kind}:0`, shape: s.shape.map(() => 1), data: Float32Array.of(0.5) });
  }
  return [...byNode.values()];
}

describe('converter: bad inputs exit 2 with one line and write nothing', () => {
  const vggNames = join(dir, 'vgg-names.h5');
  const notop = join(dir, 'vgg-notop.h5');
  beforeAll(async () => {
    await writeWeightsOnlyH5(vggNames, vggNamedLayers());
    await writeWeightsOnlyH5(notop, vggNamedLayers(['fc1', 'fc2', 'predictions']));
  });

  it("another architecture's file: names the missing and unexpected layers and the architecture it looks like", () => {
    // VGG16 and ResNet50V2 share one layer name, 'predictions' (whose shapes differ, checked later).
    // This and a few other cases spawn the real command line; the rest call its main() in-process.
    expectRejected(
      runConverter([vggNames, '--arch', 'resnet50v2', '--out', out]),
      new RegExp(
        `^${vggNames}: does not hold resnet50v2 weights: 102 layer\\(s\\) missing \\(conv1_conv, ` +
          `conv2_block1_preact_bn, conv2_block1_0_conv, … \\(102 in all\\)\\), 15 unexpected layer\\(s\\) ` +
          `\\(block1_conv1, block1_conv2, block2_conv1, … \\(15 in all\\)\\); the file looks like vgg16 ` +
          `weights \\(use --arch vgg16\\)$`,
      ),
    );
  });

  it('the right layers with the wrong shapes: names the layer, the weight and both shapes', async () => {
    expectRejected(
      await converter([vggNames, '--arch', 'vgg16', '--out', out]),
      `${vggNames}: weights do not fit vgg16: layer 'block1_conv1' kernel: expected shape [3, 3, 3, 64], the file has [1, 1, 1, 1] (and 31 more problem(s))`,
    );
  });

  it('a file without the classifier head says so', async () => {
    expectRejected(
      await converter([notop, '--arch', 'vgg16', '--out', out]),
      /3 layer\(s\) missing \(fc1, fc2, predictions\); the file has no classifier head \(include_top=False "notop" weights\?\)$/,
    );
  });

  it('a weights-only file without --arch: no topology to import, and which architecture it looks like', async () => {
    expectRejected(
      await converter([vggNames, '--out', out]),
      `${vggNames}: a weights-only Keras file holds no topology: pass --arch (${KNOWN}); the file looks like vgg16 weights (use --arch vgg16)`,
    );
  });

  it('wrong --arch and --preprocess values, missing arguments', async () => {
    expectRejected(await converter([vggNames, '--arch', 'resnet50', '--out', out]), `unknown --arch 'resnet50' (known: ${KNOWN})`);
    expectRejected(
      await converter([vggNames, '--arch', 'vgg16', '--preprocess', 'imagenet', '--out', out]),
      "unknown --preprocess 'imagenet' (known: tf, caffe, torch, unit)",
    );
    expectRejected(await converter([vggNames]), "required option '--out <file>' not specified");
    expectRejected(runConverter(['--out', out]), "missing required argument 'input'");
  });

  it('truncated and corrupt .h5 files, unknown and missing files', async () => {
    const truncated = join(dir, 'truncated.h5');
    copyFileSync(vggNames, truncated);
    truncateSync(truncated, Math.floor(readFileSync(vggNames).length / 2));
    expectRejected(runConverter([truncated, '--arch', 'vgg16', '--out', out]), new RegExp(`^${truncated}: truncated`));
    const garbage = join(dir, 'garbage.h5');
    writeFileSync(
      garbage,
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 73) & 255),
    );
    expectRejected(await converter([garbage, '--arch', 'vgg16', '--out', out]), `${garbage}: not an HDF5 file`);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'these are not weights');
    expectRejected(await converter([notes, '--out', out]), `${notes}: unrecognised weight file`);
    const absent = join(dir, 'absent.h5');
    expectRejected(await converter([absent, '--arch', 'vgg16', '--out', out]), `${absent}: cannot read (ENOENT)`);
  });

  it('TF.js models: corrupt model.json, a missing shard, a truncated shard', async () => {
    const source = ensureNsfwjsInception();
    const broken = join(dir, 'broken-json');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": {');
    expectRejected(await converter([join(broken, 'model.json'), '--out', out]), new RegExp(`^${join(broken, 'model.json')}: not valid JSON`));

    const noShards = join(dir, 'no-shards');
    mkdirSync(noShards);
    copyFileSync(source, join(noShards, 'model.json'));
    expectRejected(
      runConverter([noShards, '--out', out]),
      `${join(noShards, 'group1-shard1of6.bin')}: missing weight shard listed in ${join(noShards, 'model.json')} (group 1, shard 1 of 6)`,
    );

    const short = join(dir, 'short-shard');
    mkdirSync(short);
    const sourceDir = join(source, '..');
    for (const f of readdirSync(sourceDir)) copyFileSync(join(sourceDir, f), join(short, f));
    truncateSync(join(short, 'group1-shard6of6.bin'), 1000);
    expectRejected(
      await converter([short, '--out', out]),
      /model\.json: weights of group 1 need \d+ bytes but its 6 shard\(s\) hold \d+ \(truncated shard\?\)$/,
    );
  });

  it('an imported topology needs --preprocess unless its source is known; labels must match the outputs', async () => {
    const full = join(dir, 'full.h5');
    const config = {
      class_name: 'Model',
      config: {
        name: 'tiny',
        layers: [
          { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 4, 4, 3] }, inbound_nodes: [] },
          { name: 'gap', class_name: 'GlobalAveragePooling2D', config: { name: 'gap' }, inbound_nodes: [[['x', 0, 0, {}]]] },
          { name: 'out', class_name: 'Dense', config: { name: 'out', units: 2, activation: 'softmax' }, inbound_nodes: [[['gap', 0, 0, {}]]] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['out', 0, 0]],
      },
    };
    await writeFullModelH5(
      full,
      [
        {
          name: 'out',
          weights: [
            { storedName: 'out/kernel:0', shape: [3, 2], data: new Float32Array(6) },
            { storedName: 'out/bias:0', shape: [2], data: new Float32Array(2) },
          ],
        },
      ],
      config,
    );
    expectRejected(
      await converter([full, '--out', out]),
      `${full}: the file does not say how its inputs were scaled: pass --preprocess (tf, caffe, torch, unit)`,
    );
    const labels = join(dir, 'three.txt');
    writeFileSync(labels, 'cat\ndog\nbird\n');
    expectRejected(await converter([full, '--preprocess', 'tf', '--labels', labels, '--out', out]), `${labels}: has 3 labels but the model has 2 outputs`);
    const bad = join(dir, 'bad-shape.h5');
    await writeFullModelH5(
      bad,
      [
        {
          name: 'out',
          weights: [
            { storedName: 'out/kernel:0', shape: [4, 2], data: new Float32Array(8) },
            { storedName: 'out/bias:0', shape: [2], data: new Float32Array(2) },
          ],
        },
      ],
      config,
    );
    expectRejected(
      await converter([bad, '--preprocess', 'tf', '--out', out]),
      `${bad}: weights do not fit the imported topology: layer 'out' kernel: expected shape [3, 2], the file has [4, 2]`,
    );
    // And the same file converts once the arguments are right.
    const ok = await converter([full, '--preprocess', 'tf', '--out', join(dir, 'ok', 'tiny.safetensors')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("dropped the final softmax of 'out'");
  });
});

describe('converter fetch without the network', () => {
  it('fails in one line naming the URL and the conversion command, leaving nothing behind', () => {
    const fetchDir = join(dir, 'fetch');
    const r = runConverter(['fetch', 'vgg16', '--dir', fetchDir, '--timeout', '3']);
    expect(r.status).toBe(2);
    const line = r.stderr.replace(/\n$/, '');
    expect(line).not.toContain('\n');
    expect(line).toContain(`Could not download ${KERAS_IMAGENET_WEIGHTS.vgg16.url}: `);
    expect(line).toContain('convert it with: npx gradscope convert <file.h5> --arch vgg16 --out weights/vgg16.safetensors');
    expect(existsSync(fetchDir) ? readdirSync(fetchDir) : []).toEqual([]);
  }, 120_000);

  it('refuses names it cannot fetch', async () => {
    const r = await converter(['fetch', 'nsfwjs-inceptionv3']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("fetch knows resnet50v2, vgg16, inceptionv3; given 'nsfwjs-inceptionv3'");
  });
});
