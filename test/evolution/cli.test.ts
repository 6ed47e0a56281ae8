// The evolution verb end to end, as a child process on a shared photograph with the command-line
// tests' small weights file (test/cli/fixture.ts: an imported residual graph, so 'blocks' means every
// feature-map node: c1, s, c3). Plumbing checks (files, fields, exit codes, streams); the maps'
// numbers are tested against tfjs in evolution.test.ts. The HTML page is opened in headless Chromium.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureWeights } from '../cli/fixture.js';
import { CHELSEA, entries, lines, pngSize, runCli, tempDir } from '../cli/run-cli.js';
import { openInChromium } from '../report/chromium.js';

interface MapDoc {
  node: string;
  shape: number[];
  role: string;
  status: string;
  min: number;
  max: number;
  lowres: { height: number; width: number; data: number[] };
}

interface Doc {
  model: string;
  weights: { file: string };
  image: { file: string; width: number; height: number };
  method: string;
  nodes: string | string[];
  class: number;
  label: string;
  sharedScale: boolean;
  forwards: number;
  backwards: number;
  maps: MapDoc[];
  conventions: Record<string, string | number | boolean>;
  files: { grid: string; json: string; html?: string };
}

let dir: string;
let model: string;

beforeAll(() => {
  dir = tempDir('evolution');
  model = join(dir, 'fixture.safetensors');
  writeFixtureWeights(model);
});

describe('evolution verb', () => {
  it('default: a Grad-CAM grid of every feature map, a JSON with every low-res map, an HTML page whose image Chromium decodes', async () => {
    const out = join(dir, 'a');
    const r = await runCli(['evolution', CHELSEA, '--model', model, '--out', out, '--html']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(entries(out)).toEqual(['chelsea.evolution.gradcam.html', 'chelsea.evolution.gradcam.json', 'chelsea.evolution.gradcam.png']);
    const doc = JSON.parse(readFileSync(join(out, 'chelsea.evolution.gradcam.json'), 'utf8')) as Doc;
    expect(doc.model).toBe('fixture');
    expect(doc.image).toEqual({ file: CHELSEA, width: 451, height: 300 });
    expect([doc.method, doc.nodes, doc.sharedScale, doc.forwards, doc.backwards]).toEqual(['gradcam', 'blocks', false, 1, 1]);
    expect(doc.label).toBe('cat');
    expect(doc.maps.map((m) => [m.node, m.shape, m.role])).toEqual([
      ['c1', [1, 12, 12, 8], 'feature-map'],
      ['s', [1, 12, 12, 8], 'feature-map'],
      ['c3', [1, 12, 12, 6], 'feature-map'],
    ]);
    for (const m of doc.maps) {
      expect([m.lowres.height, m.lowres.width]).toEqual([12, 12]);
      expect(m.lowres.data).toHaveLength(144);
      // The sidecar rounds to 7 significant digits.
      expect(Math.max(...m.lowres.data)).toBeCloseTo(m.max, 6);
      expect(m.status).toBe('ok');
    }
    expect(String(doc.conventions.passes)).toContain('one forward and one backward for all 3 nodes');
    expect(String(doc.conventions.normalisation)).toMatch(/^per map/);
    expect(doc.files).toEqual({
      grid: join(out, 'chelsea.evolution.gradcam.png'),
      json: join(out, 'chelsea.evolution.gradcam.json'),
      html: join(out, 'chelsea.evolution.gradcam.html'),
    });
    const report = lines(r.stdout);
    expect(report[0]).toMatch(/^model: 'fixture' from /);
    expect(report[1]).toContain("gradcam at 3 nodes, class 0 'cat' (top-1)");
    expect(report.slice(2, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['c1', 's', 'c3']);
    const grid = pngSize(join(out, 'chelsea.evolution.gradcam.png'));
    const images = await openInChromium(readFileSync(join(out, 'chelsea.evolution.gradcam.html'), 'utf8'), dir, 'evolution');
    expect(images).toEqual([[true, grid.width, grid.height]]);
  });

  it('activation maps at a named list (put in network order) on one shared scale; the grid is a decodable PNG', async () => {
    const out = join(dir, 'b');
    const r = await runCli(['evolution', CHELSEA, '--model', model, '--out', out, '--method', 'activation', '--nodes', 's, c1', '--shared-scale']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'chelsea.evolution.activation.json'), 'utf8')) as Doc;
    expect(doc.maps.map((m) => m.node)).toEqual(['c1', 's']);
    expect([doc.method, doc.nodes, doc.sharedScale, doc.backwards]).toEqual(['activation', ['s', 'c1'], true, 0]);
    expect(String(doc.conventions.normalisation)).toMatch(/^shared/);
    const png = PNG.sync.read(readFileSync(join(out, 'chelsea.evolution.activation.png')));
    expect(png.width).toBeGreaterThan(2 * 200);
  });

  it('bad input: an unknown node is one line naming the nearest, exit 2, nothing written; an unknown method is refused before the GPU starts', async () => {
    const out = join(dir, 'c');
    const r = await runCli(['evolution', CHELSEA, '--model', model, '--out', out, '--nodes', 'c1,sx']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: --nodes c1,sx: no node named 'sx'; nearest names: .*\bs\b/);
    expect(entries(out)).toEqual([]);
    const m = await runCli(['evolution', CHELSEA, '--model', model, '--out', out, '--method', 'saliency']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("option '--method <name>' argument 'saliency' is invalid");
  });
});
