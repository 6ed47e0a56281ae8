// The sanity and evaluate verbs' bad input: one line on stderr, exit 2, nothing written — found before
// the GPU starts (a missing image, an argument mix-up, an unknown method). One child at a time, each
// with 100 s: on this shared machine a CLI start alone takes 5–30 s.
import { describe, expect, it } from 'vitest';
import { entries, lines, runCli, tempDir, type CliResult } from './run-cli.js';

const SLOW_START_MS = 100_000;

function expectOneLine(r: CliResult): string {
  expect(r.code, r.stderr).toBe(2);
  const all = lines(r.stderr);
  expect(all, r.stderr).toHaveLength(1);
  return all[0];
}

describe('sanity and evaluate: bad input', () => {
  it('sanity: a missing image, an unknown method — one line each, exit 2, nothing written', async () => {
    const out = tempDir('trust');
    expect(expectOneLine(await runCli(['sanity', 'no-such.png', '--out', out], {}, SLOW_START_MS))).toBe('error: no-such.png: no such file');
    expect(expectOneLine(await runCli(['sanity', 'examples/scenes/star.png', '--methods', 'gradcam,gradcm', '--out', out], {}, SLOW_START_MS))).toContain(
      "did you mean 'gradcam'?",
    );
    expect(entries(out)).toEqual([]);
  }, 240_000);

  it('evaluate: images and --scenes together, or neither — one line, exit 2, nothing written', async () => {
    const out = tempDir('trust');
    const both = await runCli(['evaluate', 'examples/scenes/star.png', '--scenes', '3', '--out', out], {}, SLOW_START_MS);
    expect(expectOneLine(both)).toBe('error: evaluate: give image files or --scenes N, not both and not neither');
    expectOneLine(await runCli(['evaluate', '--out', out], {}, SLOW_START_MS));
    expect(entries(out)).toEqual([]);
  }, 240_000);
});
