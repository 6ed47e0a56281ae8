// Bad input to the command line: one clear line on stderr, exit status 2, and no output files
// (not even temporary ones) for what failed. Cases that fail before the GPU starts are cheap; the
// rest load the small fixture model.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureWeights } from './fixture.js';
import { CHELSEA, COFFEE, DAWN_WARNING, entries, lines, runCli, tempDir } from './run-cli.js';

let dir: string;
let model: string;
let broken: string;

beforeAll(() => {
  dir = tempDir('bad');
  model = join(dir, 'fixture.safetensors');
  writeFixtureWeights(model);
  broken = join(dir, 'broken.png');
  writeFileSync(broken, readFileSync(CHELSEA).subarray(0, 300));
});

/** Runs explain into a fresh output directory and checks the common contract of a bad input. */
async function expectBadInput(args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = tempDir('out');
  const r = await runCli(['explain', ...args, '--out', out], env);
  expect(r.code, r.stderr).toBe(2);
  // the report may have named the model before the image failed; nothing else reaches stdout
  expect(r.stdout).toMatch(/^(model: .*\n)?$/);
  const errorLines = lines(r.stderr);
  expect(errorLines, r.stderr).toHaveLength(1);
  expect(errorLines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(DAWN_WARNING);
  expect(entries(out)).toEqual([]);
  return errorLines[0];
}

describe.concurrent('explain: bad input', () => {
  it('unknown layer: the nearest node names', async () => {
    const line = await expectBadInput([CHELSEA, '--model', model, '--layer', 'c33']);
    expect(line).toBe("error: --layer c33: no node named 'c33'; nearest names: c3, c1, c2, x, r2");
  });

  it('a layer that is not a 4-D feature map', async () => {
    const line = await expectBadInput([CHELSEA, '--model', model, '--layer', 'gap']);
    expect(line).toMatch(/^error: --layer gap: .*4-D/);
  });

  it('truncated image: one line naming the file', async () => {
    const line = await expectBadInput([broken, '--model', model]);
    expect(line).toBe(`error: ${broken}: truncated PNG data`);
  });

  it('a missing image file fails before the model is loaded (a corrupt weights file is not even read)', async () => {
    const corrupt = join(dir, 'not-read.safetensors');
    writeFileSync(corrupt, Buffer.from('garbage'));
    const line = await expectBadInput([join(dir, 'nope.png'), '--model', corrupt]);
    expect(line).toBe(`error: ${join(dir, 'nope.png')}: no such file`);
  });

  it('unknown method: the valid ones listed', async () => {
    const line = await expectBadInput([CHELSEA, '--model', model, '--method', 'gradcm']);
    expect(line).toContain("did you mean 'gradcam'?");
    expect(line).toContain(
      'Valid: gradcam, gradcam++, hirescam, xgradcam, layercam, eigencam, scorecam, guided-backprop, ' +
        'guided-gradcam, saliency, smoothgrad, integrated-gradients.',
    );
  });

  it('unknown class label: the nearest labels', async () => {
    expect(await expectBadInput([CHELSEA, '--model', model, '--class', 'kat'])).toBe(
      "error: --class kat: no class labelled 'kat'; nearest labels: 'cat' (0), 'car' (2), 'dog' (1), 'tree' (3)",
    );
  });

  it('bad option values: --alpha outside [0, 1], unknown colormap', async () => {
    expect(await expectBadInput([CHELSEA, '--model', model, '--alpha', '1.5'])).toContain('It must be between 0 and 1.');
    expect(await expectBadInput([CHELSEA, '--model', model, '--colormap', 'hot'])).toContain('Valid: jet, magma, viridis, turbo.');
  });

  it('two images that would write the same files', async () => {
    const other = join(dir, 'copy');
    mkdirSync(other, { recursive: true });
    copyFileSync(CHELSEA, join(other, 'chelsea.png'));
    const line = await expectBadInput([CHELSEA, join(other, 'chelsea.png'), '--model', model]);
    expect(line).toContain('would both write chelsea.*');
  });

  it('weights: a corrupt file, zoo weights not converted yet, no default weights, an unknown model name', async () => {
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, Buffer.from('not a safetensors file at all'));
    expect(await expectBadInput([CHELSEA, '--model', corrupt])).toMatch(new RegExp(`^error: ${corrupt}: header length \\d+ runs beyond the end of the file`));
    const empty = tempDir('noweights');
    const env = { GRADSCOPE_WEIGHTS_DIR: empty };
    const vgg = await expectBadInput([CHELSEA, '--model', 'vgg16'], env);
    expect(vgg).toContain("no weights for 'vgg16'");
    expect(vgg).toContain('tools/convert-weights/index.ts fetch vgg16');
    expect(await expectBadInput([CHELSEA], env)).toContain("no --model given and the bundled default 'scenes-resnet' has no weights");
    expect(await expectBadInput([CHELSEA, '--model', 'resnet5'], env)).toContain("unknown model 'resnet5'");
  });

  it('no WebGPU adapter (Vulkan loader pointed at no driver): the NoAdapterError line with the fix, no driver chatter', async () => {
    const line = await expectBadInput([CHELSEA, '--model', model], { VK_ICD_FILENAMES: join(dir, 'no-such-icd.json') });
    expect(line).toMatch(/^error: No WebGPU adapter found .*install a software Vulkan driver/);
  });

  it('several images, one truncated: the others are explained, the broken one has no files, exit 2', async () => {
    const out = tempDir('mixed');
    const r = await runCli(['explain', CHELSEA, broken, COFFEE, '--model', model, '--out', out, '--json']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`error: ${broken}: truncated PNG data (skipped: nothing written for it)`]);
    const docs = JSON.parse(r.stdout) as { image: { file: string }; error?: string; status?: string }[];
    expect(docs.map((d) => d.image.file)).toEqual([CHELSEA, broken, COFFEE]);
    expect(docs[1].error).toBe(`${broken}: truncated PNG data`);
    expect(docs[0].status).toBe('ok');
    expect(entries(out)).toEqual([
      'chelsea.gradcam.heatmap.png',
      'chelsea.gradcam.json',
      'chelsea.gradcam.png',
      'coffee.gradcam.heatmap.png',
      'coffee.gradcam.json',
      'coffee.gradcam.png',
      'summary.csv',
      'summary.jsonl',
    ]);
    const summary = readFileSync(join(out, 'summary.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; status: string; error?: string });
    expect(summary.map((r) => [r.file, r.status])).toEqual([
      [CHELSEA, 'explained'],
      [broken, 'failed'],
      [COFFEE, 'explained'],
    ]);
    expect(summary[1].error).toBe(`${broken}: truncated PNG data`);
  });

  it('--out naming a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['explain', CHELSEA, '--model', model, '--out', file]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`error: --out ${file} is not a directory`]);
  });
});
