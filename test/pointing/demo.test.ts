// `npm run demo` (src/demo.ts) as a child process: its one-line refusal without weights or example
// scenes, and a full run with an untrained scenes-resnet on example scenes written here (plumbing:
// files, report lines, exit status, quiet stderr); and the real demo on the committed weights and the
// bundled examples.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHAPE_CLASSES } from '../../src/data/classes.js';
import { renderScene } from '../../src/data/scenes.js';
import { writePng } from '../../src/image/write-png.js';
import { DAWN_WARNING, entries, lines, REPO, type CliResult } from '../cli/run-cli.js';
import { tempDir, writeUntrainedScenesResnet } from './fixtures.js';

const TSX = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function runDemo(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of ['GRADSCOPE_CLI_CHILD', 'GRADSCOPE_CLI_TERMINAL_FD', 'GRADSCOPE_RAW_STDERR', 'GRADSCOPE_WEIGHTS_DIR', 'GRADSCOPE_DEBUG']) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, join(REPO, 'src', 'demo.ts'), ...args], {
      cwd: REPO,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const NAMES = ['circle', 'star', 'heart'];
let dir: string;
let weights: string;
let examples: string;

beforeAll(async () => {
  dir = tempDir('demo');
  weights = join(dir, 'weights');
  mkdirSync(weights);
  copyFileSync(writeUntrainedScenesResnet(dir), join(weights, 'scenes-resnet.safetensors'));
  examples = join(dir, 'examples');
  for (const [k, name] of NAMES.entries()) {
    const s = renderScene(77, k, { label: SHAPE_CLASSES.indexOf(name as (typeof SHAPE_CLASSES)[number]) });
    await writePng(join(examples, `${name}.png`), { width: s.size, height: s.size, data: s.pixels });
    const mask = new Uint8Array(s.size * s.size * 3);
    s.mask.forEach((m, i) => mask.fill(m * 255, 3 * i, 3 * i + 3));
    // Only two of the three pictures get a mask: the pointing check counts those.
    if (name !== 'heart') await writePng(join(examples, `${name}-mask.png`), { width: s.size, height: s.size, data: mask });
  }
});

describe('npm run demo', () => {
  it('without the weights: exit 2 and one line saying to run npm run train-demo', async () => {
    const empty = join(dir, 'no-weights');
    mkdirSync(empty, { recursive: true });
    const r = await runDemo(['--examples', examples, '--out', join(dir, 'unused')], { GRADSCOPE_WEIGHTS_DIR: empty });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/no weights at .*scenes-resnet\.safetensors: train them first with 'npm run train-demo'/);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'unused'))).toBe(false);
  });

  it('without example scenes: exit 2 and one line saying how to write them', async () => {
    const r = await runDemo(['--examples', join(dir, 'nothing-here'), '--out', join(dir, 'unused')], { GRADSCOPE_WEIGHTS_DIR: weights });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/no example scenes in .*nothing-here: write them with 'npx tsx scripts\/train-demo\.ts --examples/);
  });

  it('explains every picture with gradcam and gradcam++: files, true vs predicted, the pointing check on the masked ones; quiet, exit 0', async () => {
    const out = join(dir, 'out');
    const r = await runDemo(['--examples', examples, '--out', out], { GRADSCOPE_WEIGHTS_DIR: weights });
    expect(r.stderr).not.toMatch(DAWN_WARNING);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = NAMES.flatMap((n) => ['gradcam', 'gradcam++'].flatMap((m) => [`${n}.${m}.png`, `${n}.${m}.heatmap.png`, `${n}.${m}.json`])).sort();
    expect(entries(out)).toEqual(expected);
    for (const name of NAMES) {
      const doc = JSON.parse(readFileSync(join(out, `${name}.gradcam.json`), 'utf8')) as {
        method: string;
        node: string;
        label: string;
        image: { file: string };
      };
      expect(doc).toMatchObject({ method: 'gradcam', node: 'post_relu', image: { file: join(examples, `${name}.png`) } });
      const line = r.stdout.split('\n').find((l) => l.includes(`${name}.png:`));
      expect(line, name).toMatch(new RegExp(`true ${name} +predicted ${doc.label} +\\(p [0-9.e-]+\\)  (correct|WRONG)`));
      // heart has no mask: no pointing words on its line
      if (name === 'heart') expect(line).not.toContain('map maximum');
      else expect(line).toMatch(/map maximum on the object: gradcam (on|OFF), gradcam\+\+ (on|OFF)$/);
    }
    expect(r.stdout).toMatch(/^\d of 3 predicted correctly$/m);
    expect(r.stdout).toMatch(/^pointing check \(.*\): gradcam \d of 2, gradcam\+\+ \d of 2$/m);
  });

  it('the real demo (npm run demo) on the bundled weights and the 6 bundled scenes: exit 0, quiet, every scene explained and predicted correctly', async () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toMatch(/tsx src\/demo\.ts$/);
    const out = join(dir, 'real');
    const r = await runDemo(['--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^6 of 6 predicted correctly$/m);
    expect(entries(out).filter((f) => f.endsWith('.gradcam.png'))).toHaveLength(6);
  });
});
