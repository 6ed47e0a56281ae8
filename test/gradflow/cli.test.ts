// The gradflow verb end to end, as a child process on a shared photograph with the command-line
// tests' small weights file (test/cli/fixture.ts: one residual block s = c1 + relu(c2(c1))).
// Plumbing checks (files, fields, exit codes, streams); the numbers are tested against tfjs in
// gradflow.test.ts. Facts used here are exact: with every shortcut scaled by 0 the shortcut part is 0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/models/builder.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { writeWeightsFile, type NamedTensor } from '../../src/models/weights-file.js';
import { writeFixtureWeights } from '../cli/fixture.js';
import { CHELSEA, entries, lines, pngSize, runCli, tempDir } from '../cli/run-cli.js';
import { randomArray } from '../helpers.js';
import { openInChromium } from '../report/chromium.js';

interface Stats {
  totalNorm: number;
  skipNorm: number;
  branchNorm: number;
  ratio: number | null;
  cosine: number | null;
  branchShare: number | null;
  closure: number;
}

interface Doc {
  model: string;
  class: number;
  label: string;
  logit: number;
  scaledLogit?: number;
  skipScale: number | null;
  passes: number;
  definitions: Record<string, string>;
  blocks: { block: string; blockInput: string; shortcut: string; branchLastConv: string; baseline: Stats; scaled?: Stats }[];
  cams: { block: string; branch: { node: string; lowres: { data: number[] } }; post: { node: string; lowres: { data: number[] } } }[];
  files: { chart: string; cams: string; json: string; html?: string };
}

let dir: string;
let model: string;

beforeAll(() => {
  dir = tempDir('gradflow');
  model = join(dir, 'fixture.safetensors');
  writeFixtureWeights(model);
});

function writePlainWeights(path: string): void {
  const g = new GraphBuilder();
  g.conv2d('c', g.input('x', 16, 16, 3), 4, 3, { activation: 'relu' });
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', 'c'), 2);
  const graph = g.build();
  const params = new Map<string, NamedTensor>(
    parameterSpecs(graph).map((p, i) => [
      p.name,
      {
        shape: p.shape,
        data: randomArray(
          p.shape.reduce((a, b) => a * b, 1),
          i,
          -0.5,
          0.5,
        ),
      },
    ]),
  );
  writeWeightsFile(path, params, {
    architecture: JSON.stringify(graph),
    source: 'test',
    sourceSha256: '',
    preprocessing: 'tf',
    labels: ['a', 'b'],
    licence: 'MIT',
  });
}

describe('gradflow verb', () => {
  it(
    'chart, side-by-side grid, JSON with every number and an HTML page whose two images Chromium ' + 'decodes; --skip-scale 0 zeroes the shortcut part',
    async () => {
      const out = join(dir, 'a');
      const r = await runCli(['gradflow', CHELSEA, '--model', model, '--out', out, '--skip-scale', '0', '--html']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(entries(out)).toEqual(['chelsea.gradflow.cams.png', 'chelsea.gradflow.chart.png', 'chelsea.gradflow.html', 'chelsea.gradflow.json']);
      const doc = JSON.parse(readFileSync(join(out, 'chelsea.gradflow.json'), 'utf8')) as Doc;
      expect([doc.model, doc.class, doc.label, doc.skipScale, doc.passes]).toEqual(['fixture', 0, 'cat', 0, 2]);
      expect(doc.blocks.map((b) => [b.block, b.blockInput, b.shortcut, b.branchLastConv])).toEqual([['s', 'c1', 'identity', 'c2']]);
      const [b] = doc.blocks;
      expect(b.baseline.skipNorm).toBeGreaterThan(0);
      expect(b.baseline.branchNorm).toBeGreaterThan(0);
      expect(b.baseline.closure).toBeLessThan(1e-5);
      expect(b.scaled?.skipNorm).toBe(0);
      expect(b.scaled?.ratio).toBe(0);
      expect(b.scaled?.branchShare).toBe(1);
      expect(b.scaled?.closure).toBeLessThan(1e-5);
      expect(typeof doc.scaledLogit).toBe('number');
      expect(Object.keys(doc.definitions)).toEqual(expect.arrayContaining(['totalNorm', 'skipNorm', 'branchNorm', 'ratio', 'cosine', 'closure']));
      expect(doc.cams.map((c) => [c.block, c.branch.node, c.post.node])).toEqual([['s', 'c2', 's']]);
      expect(doc.cams[0].branch.lowres.data).toHaveLength(144);
      const report = lines(r.stdout);
      expect(report[1]).toContain("gradient flow for class 0 'cat' (top-1)");
      expect(report[1]).toContain('1 residual block;');
      expect(report[3].trim().split(/\s+/)[0]).toBe('s');
      const images = await openInChromium(readFileSync(join(out, 'chelsea.gradflow.html'), 'utf8'), dir, 'gradflow');
      const chart = pngSize(join(out, 'chelsea.gradflow.chart.png'));
      const cams = pngSize(join(out, 'chelsea.gradflow.cams.png'));
      expect(images).toEqual([
        [true, chart.width, chart.height],
        [true, cams.width, cams.height],
      ]);
    },
  );

  it('a model without residual blocks: one line, exit 2, nothing written; a scale outside 0..1 is refused before the GPU starts', async () => {
    const plain = join(dir, 'plain.safetensors');
    writePlainWeights(plain);
    const out = join(dir, 'b');
    const r = await runCli(['gradflow', CHELSEA, '--model', plain, '--out', out]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^error: plain has no residual Add/)]);
    expect(entries(out)).toEqual([]);
    const s = await runCli(['gradflow', CHELSEA, '--model', model, '--skip-scale', '1.5']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("option '--skip-scale <s>' argument '1.5' is invalid");
  });
});
