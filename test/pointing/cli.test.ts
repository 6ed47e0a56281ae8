// The pointing-game verb as a child process (plumbing: the table, the --json document's exact keys,
// exit codes, quiet stderr) with an untrained scenes-resnet; the scoring itself is tested in
// scoring.test.ts and game.test.ts.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { POINTING_FAST_METHODS } from '../../src/metrics/pointing-game.js';
import { writeFixtureWeights } from '../cli/fixture.js';
import { DAWN_WARNING, lines, runCli } from '../cli/run-cli.js';
import { tempDir, writeUntrainedScenesResnet } from './fixtures.js';

let model: string;
let foreign: string;

beforeAll(() => {
  const dir = tempDir('cli');
  model = writeUntrainedScenesResnet(dir);
  foreign = join(dir, 'fixture.safetensors');
  writeFixtureWeights(foreign);
});

/** Rates of n scenes are multiples of 1/n in [0, 1]. */
function expectRates(doc: Record<string, number>, n: number): void {
  for (const [key, rate] of Object.entries(doc)) {
    expect(rate, key).toBeGreaterThanOrEqual(0);
    expect(rate, key).toBeLessThanOrEqual(1);
    expect(Math.abs(rate * n - Math.round(rate * n)), key).toBeLessThan(1e-9);
  }
}

describe('pointing-game verb', () => {
  it('--json prints exactly {method: rate, …, center, random} for the default (fast) methods, in that order', async () => {
    const r = await runCli(['pointing-game', '--model', model, '--n', '3', '--json'], {}, 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(doc)).toEqual([...POINTING_FAST_METHODS, 'center', 'random']);
    expectRates(doc, 3);
  });

  it('--methods names the methods (slow ones included) and the order of the keys', async () => {
    const r = await runCli(['pointing-game', '--model', model, '--n', '2', '--json', '--methods', 'scorecam,gradcam', '--seed', '4'], {}, 120_000);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(doc)).toEqual(['scorecam', 'gradcam', 'center', 'random']);
    expectRates(doc, 2);
  });

  it('prints the rules, a table of method, hits, n, rate with the baselines, and nothing on stderr', async () => {
    const r = await runCli(['pointing-game', '--model', model, '--n', '2', '--methods', 'gradcam,saliency'], {}, 120_000);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(DAWN_WARNING);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain("model: 'scenes-resnet' from");
    expect(out).toContain('pointing game on 2 held-out scenes');
    expect(out).toContain('true class');
    expect(out).toContain('bilinear upsampling (half-pixel centres) to 96×96');
    expect(out).toMatch(/^ {2}method +hits +n +rate$/m);
    for (const name of ['gradcam', 'saliency', 'center', 'random']) expect(out).toMatch(new RegExp(`^ {2}${name} +\\d+ +2 +\\d+\\.\\d %`, 'm'));
    expect(out).toMatch(/model accuracy on these scenes: \d+\.\d %/);
  });

  it.each([
    [['--methods', 'gradcm'], /did you mean 'gradcam'/],
    [['--n', '0'], /positive integer/],
    [['--layer', 'post_reul'], /--layer post_reul: .*post_relu/],
  ])('bad input %j: exit 2 with one line on stderr', async (args, message) => {
    const r = await runCli(['pointing-game', '--model', model, ...args], {}, 120_000);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a model not trained on the scenes is refused: exit 2, naming the classes it needs', async () => {
    const r = await runCli(['pointing-game', '--model', foreign, '--n', '2'], {}, 120_000);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/needs a model of their classes \(circle, square, .*\); 'fixture' has labels cat, dog, car, tree/);
  });
});
