// The explain verb end to end, as a child process on the shared photographs with a small weights
// file written here (test/cli/fixture.ts). These are plumbing tests (files, fields, exit codes,
// output streams); the methods' numbers are tested against references in test/methods/. The
// numeric facts used below are analytic: a zero dense column gives a zero gradient (map exactly
// all-zero); an all-negative column over non-negative ReLU activations gives a map ≤ 0 everywhere.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { writeUntrainedScenesResnet } from '../pointing/fixtures.js';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lookupTable } from '../../src/image/colormap.js';
import { FIXTURE_LABELS, writeFixtureWeights } from './fixture.js';
import { ASTRONAUT, CHELSEA, COFFEE, DAWN_WARNING, entries, lines, pngSize, REPO, runCli, sha256, tempDir } from './run-cli.js';

interface Doc {
  model: string;
  weights: { file: string; sha256: string; source: string; sourceSha256: string; licence: string };
  image: { file: string; width: number; height: number };
  node: string;
  nodeRole: string;
  nodeShape: number[];
  layerChoice: { mode: string; reason: string; warnings: string[]; notes: string[] };
  method: string;
  class: number;
  label: string;
  logit: number;
  probability: number;
  topk: { index: number; label: string; probability: number }[];
  lowres: { height: number; width: number; data: number[] };
  min: number;
  max: number;
  status: string;
  statusMessage?: string;
  conventions: Record<string, string | number | boolean>;
  files: { overlay: string; heatmap: string; json: string; gradient?: string };
}

let dir: string;
let model: string;

beforeAll(() => {
  dir = tempDir('explain');
  model = join(dir, 'fixture.safetensors');
  writeFixtureWeights(model);
});

function readDoc(path: string): Doc {
  return JSON.parse(readFileSync(path, 'utf8')) as Doc;
}

function checkDocument(doc: Doc, image: { file: string; width: number; height: number }, topK: number): void {
  expect(doc.model).toBe('fixture');
  expect(doc.weights.file).toBe(model);
  expect(doc.weights.sha256).toBe(sha256(model));
  expect(doc.weights.source).toContain('fixture.ts');
  expect(doc.image).toEqual(image);
  expect(doc.method).toBe('gradcam');
  expect(doc.node).toBe('c3');
  expect(doc.nodeRole).toBe('feature-map');
  expect(doc.nodeShape).toEqual([1, 12, 12, 6]);
  expect(doc.layerChoice.mode).toBe('auto');
  expect(doc.layerChoice.reason).toContain('last feature map');
  // 'cat' has a bias of 5 and positive weights on non-negative pooled activations: always top-1.
  expect(doc.class).toBe(0);
  expect(doc.label).toBe('cat');
  expect(doc.topk).toHaveLength(topK);
  expect(doc.topk[0]).toEqual({ index: doc.class, label: doc.label, probability: doc.probability });
  for (let i = 1; i < doc.topk.length; i++) expect(doc.topk[i].probability).toBeLessThanOrEqual(doc.topk[i - 1].probability);
  for (const c of doc.topk) expect(c.label).toBe(FIXTURE_LABELS[c.index]);
  expect(doc.topk.reduce((s, c) => s + c.probability, 0)).toBeLessThanOrEqual(1 + 1e-12);
  expect(Number.isFinite(doc.logit)).toBe(true);
  // lowres: the node's resolution, after the ReLU (≥ 0), min/max of the same values (sidecar rounds to 7 digits: rtol 1e-6)
  expect([doc.lowres.height, doc.lowres.width]).toEqual([doc.nodeShape[1], doc.nodeShape[2]]);
  expect(doc.lowres.data).toHaveLength(doc.lowres.height * doc.lowres.width);
  expect(Math.min(...doc.lowres.data)).toBeGreaterThanOrEqual(0);
  expect(doc.min).toBeGreaterThanOrEqual(0);
  expect(Math.max(...doc.lowres.data)).toBeCloseTo(doc.max, 6);
  expect(doc.status).toBe('ok');
  expect(doc.conventions).toMatchObject({ method: 'gradcam', colormap: 'jet', overlayAlpha: 0.5 });
}

describe.concurrent('explain', () => {
  it(
    'three images with --json: one parsable array, files at each original size, every sidecar field, no ' + 'progress bar and no Dawn lines off a TTY',
    async () => {
      const out = join(dir, 'three');
      const r = await runCli(['explain', CHELSEA, COFFEE, ASTRONAUT, '--model', model, '--out', out, '--top-k', '3', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const docs = JSON.parse(r.stdout) as Doc[];
      expect(docs).toHaveLength(3);
      const sizes = [
        { file: CHELSEA, width: 451, height: 300 },
        { file: COFFEE, width: 600, height: 400 },
        { file: ASTRONAUT, width: 512, height: 512 },
      ];
      docs.forEach((doc, i) => {
        checkDocument(doc, sizes[i], 3);
        const stem = ['chelsea', 'coffee', 'astronaut'][i];
        expect(doc.files).toEqual({
          overlay: join(out, `${stem}.gradcam.png`),
          heatmap: join(out, `${stem}.gradcam.heatmap.png`),
          json: join(out, `${stem}.gradcam.json`),
        });
        expect(pngSize(doc.files.overlay)).toEqual({ width: sizes[i].width, height: sizes[i].height });
        expect(pngSize(doc.files.heatmap)).toEqual({ width: sizes[i].width, height: sizes[i].height });
        expect(readDoc(doc.files.json)).toEqual(doc);
      });
      // three images' files, and the run's summary (several images)
      expect(entries(out)).toHaveLength(11);
      expect(entries(out)).toContain('summary.jsonl');
    },
  );

  it('human report: top-k, the node and why, the map and the files written; stderr stays empty', async () => {
    const out = join(dir, 'human');
    const r = await runCli(['explain', CHELSEA, '--model', model, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toBe(`model: 'fixture' from ${model}, input 24×24, 4 classes`);
    expect(r.stdout).toContain("gradcam for 'cat' (class 0, top-1)");
    expect(r.stdout).toMatch(/top-4: cat \(0\) [\d.]+, /);
    expect(r.stdout).toContain('node: c3 (feature-map, 12×12×6); automatic choice: c3 (12×12×6) is the last feature map');
    expect(r.stdout).toContain(`wrote ${join(out, 'chelsea.gradcam.png')}, ${join(out, 'chelsea.gradcam.heatmap.png')}, ${join(out, 'chelsea.gradcam.json')}`);
    expect(entries(out)).toEqual(['chelsea.gradcam.heatmap.png', 'chelsea.gradcam.json', 'chelsea.gradcam.png']);
  });

  it(
    'a named residual-branch node warns and names the post-Add node; a zero-weight class is reported ' +
      'all-zero; --alpha 0 leaves the photo exact; --colormap reaches the picture',
    async () => {
      const out = join(dir, 'zero');
      const r = await runCli(['explain', COFFEE, '--model', model, '--out', out, '--layer', 'c2', '--class', 'tree', '--alpha', '0', '--colormap', 'viridis']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("node: c2 (residual-branch, 12×12×8); named: 'c2' was named and is used exactly as named.");
      expect(r.stdout).toMatch(/warning: 'c2' is inside a residual branch.*'s'/);
      expect(r.stdout).toContain("gradcam for 'tree' (class 3, as requested)");
      expect(r.stdout).toContain('map: all-zero: ');
      expect(r.stdout).toContain(`wrote ${join(out, 'coffee.gradcam.json')} (status 'all-zero') and, so that every image has its files, flat pictures`);
      const doc = readDoc(join(out, 'coffee.gradcam.json'));
      expect(doc).toMatchObject({ node: 'c2', nodeRole: 'residual-branch', class: 3, label: 'tree', status: 'all-zero', max: 0 });
      expect(doc.layerChoice.mode).toBe('named');
      expect(doc.layerChoice.warnings.join(' ')).toContain("'s'");
      expect(doc.lowres.data.every((v) => v === 0)).toBe(true);
      expect(doc.conventions).toMatchObject({ colormap: 'viridis', overlayAlpha: 0 });
      // alpha 0: overlay = round(1·photo + 0·heat) = the photo, exactly
      const photo = PNG.sync.read(readFileSync(COFFEE));
      const overlay = PNG.sync.read(readFileSync(doc.files.overlay));
      expect(Buffer.compare(overlay.data, photo.data)).toBe(0);
      // the flat heat map is viridis(0) everywhere
      const heat = PNG.sync.read(readFileSync(doc.files.heatmap));
      const v0 = Array.from(lookupTable('viridis').subarray(0, 3));
      let flat = true;
      for (let p = 0; p < heat.width * heat.height && flat; p++) flat = [0, 1, 2].every((c) => heat.data[p * 4 + c] === v0[c]);
      expect(flat).toBe(true);
    },
  );

  it('an all-negative-weight class (by index) is reported all-negative; an option the method ignores is one warning line', async () => {
    const out = join(dir, 'negative');
    const r = await runCli(['explain', CHELSEA, '--model', model, '--out', out, '--class', '2', '--method', 'hirescam', '--samples', '3', '--json']);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual(['warning: --samples is ignored: only smoothgrad reads it, not hirescam.']);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc).toMatchObject({ method: 'hirescam', class: 2, label: 'car', status: 'all-negative' });
    expect(doc.statusMessage).toContain('negative everywhere');
    expect(entries(out)).toEqual(['chelsea.hirescam.heatmap.png', 'chelsea.hirescam.json', 'chelsea.hirescam.png']);
  });

  it('guided backprop also writes the input-gradient picture at the original size; its map has the input resolution', async () => {
    const out = join(dir, 'guided');
    const r = await runCli(['explain', CHELSEA, '--model', model, '--out', out, '--method', 'guided-backprop', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.nodeRole).toBe('input');
    expect(doc.nodeShape).toEqual([1, 24, 24, 3]);
    expect([doc.lowres.height, doc.lowres.width, doc.lowres.data.length]).toEqual([24, 24, 576]);
    expect(doc.files.gradient).toBe(join(out, 'chelsea.guided-backprop.gradient.png'));
    expect(pngSize(doc.files.gradient as string)).toEqual({ width: 451, height: 300 });
    expect(entries(out)).toHaveLength(4);
  });

  it("with no --model, the bundled default 'scenes-resnet' is used when its weights file exists", async () => {
    const weights = tempDir('weights');
    // The default is the native scenes-resnet: a file of that architecture (untrained is enough here).
    copyFileSync(writeUntrainedScenesResnet(weights), join(weights, 'scenes-resnet.safetensors'));
    const out = join(dir, 'default');
    const r = await runCli(['explain', CHELSEA, '--out', out, '--json'], { GRADSCOPE_WEIGHTS_DIR: weights });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.model).toBe('scenes-resnet');
    expect(doc.weights.file).toBe(join(weights, 'scenes-resnet.safetensors'));
  });

  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasScript)('on a terminal (a pseudo-terminal from script(1)), several images show a progress bar and the report above it', async () => {
    const out = join(dir, 'tty');
    const tsx = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const command = [process.execPath, tsx, join(REPO, 'src', 'cli.ts'), 'explain', CHELSEA, COFFEE, '--model', model, '--out', out]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }, (err, stdout) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, text: stdout });
      });
    });
    expect(r.code).toBe(0);
    expect(r.text).toContain('0/2 images | – images/s | time left – | chelsea.png');
    // after the first image: its rate and the time the second will take at that rate
    expect(r.text).toMatch(/1\/2 images \| \d+\.\d\d images\/s \| time left \d+:\d\d \| coffee\.png/);
    expect(r.text).toContain('2 of 2 images explained');
    expect(r.text).toContain("coffee.png (600×400): gradcam for 'cat'");
    expect(r.text).not.toMatch(DAWN_WARNING);
    expect(existsSync(join(out, 'coffee.gradcam.json'))).toBe(true);
  });
});
