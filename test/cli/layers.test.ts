// The layers verb and every verb's --help, as child processes (no GPU is started for these).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureWeights } from './fixture.js';
import { lines, runCli, tempDir } from './run-cli.js';

let dir: string;
let model: string;

beforeAll(() => {
  dir = tempDir('layers');
  model = join(dir, 'fixture.safetensors');
  writeFixtureWeights(model);
});

interface LayersDoc {
  model: string;
  target: { node: string; reason: string };
  parameters: number;
  nodes: { node: string; op: string; outputShape: number[]; params: number; role?: string; target: boolean }[];
}

describe.concurrent('layers', () => {
  it('lists every node with op, output shape, parameters and role, and marks the automatic target with its reason', async () => {
    const r = await runCli(['layers', '--model', model]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = lines(r.stdout);
    for (const node of ['x', 'c1', 'c2', 'r2', 's', 'c3', 'gap', 'logits']) expect(rows.some((l) => l.trim().split(/\s+/).includes(node))).toBe(true);
    expect(rows.find((l) => l.startsWith('*'))?.split(/\s+/)).toEqual(['*', 'c3', 'conv2d+relu', '12×12×6', '54', 'feature-map']);
    expect(
      rows
        .find((l) => / c2 /.test(l))
        ?.trim()
        .split(/\s+/),
    ).toEqual(['c2', 'conv2d', '12×12×8', '584', 'residual-branch']);
    expect(r.stdout).toContain('* automatic target (explain --layer auto): c3, c3 (12×12×6) is the last feature map with spatial size > 1');
    expect(r.stdout).toContain('890 parameters, 8 nodes');
  });

  it('--filter keeps the matching nodes; --json gives the same listing as one document', async () => {
    const r = await runCli(['layers', '--model', model, '--filter', 'CONV', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as LayersDoc;
    expect(doc.nodes.map((n) => n.node)).toEqual(['c1', 'c2', 'c3']);
    expect(doc.nodes.filter((n) => n.target).map((n) => n.node)).toEqual(['c3']);
    expect(doc.target.node).toBe('c3');
    expect(doc.parameters).toBe(890);
    const none = await runCli(['layers', '--model', model, '--filter', 'zzz']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("no node name, op or role contains 'zzz'");
  });

  it('a zoo name is looked up as <weights dir>/<name>.safetensors', async () => {
    const weights = tempDir('zoo');
    copyFileSync(model, join(weights, 'tiny.safetensors'));
    const r = await runCli(['layers', '--model', 'tiny', '--json'], { GRADSCOPE_WEIGHTS_DIR: weights });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as LayersDoc).model).toBe('tiny');
  });

  it('weights problems are one line and exit 2', async () => {
    const r = await runCli(['layers', '--model', join(dir, 'missing.safetensors')]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`error: ${join(dir, 'missing.safetensors')}: cannot read (ENOENT)`]);
  });

  it('--help for the program and each verb; --version; no verb is a usage error', async () => {
    const [root, explain, layers, version, none] = await Promise.all([
      runCli(['--help']),
      runCli(['explain', '--help']),
      runCli(['layers', '--help']),
      runCli(['--version']),
      runCli([]),
    ]);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/Usage: gradscope .*explain.*layers/s);
    expect(explain.code).toBe(0);
    for (const flag of [
      '--model',
      '--layer',
      '--method',
      '--class',
      '--top-k',
      '--out',
      '--colormap',
      '--alpha',
      '--json',
      '--max-channels',
      '--samples',
      '--noise',
      '--steps',
    ]) {
      expect(explain.stdout).toContain(flag);
    }
    expect(explain.stdout).toContain('Exit status: 0 done, 2 bad input');
    expect(layers.code).toBe(0);
    expect(layers.stdout).toMatch(/--model.*--filter/s);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: gradscope');
  });
});
