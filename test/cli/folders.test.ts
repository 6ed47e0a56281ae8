// explain over folders and globs: recursive walk by content, the tree mirrored under --out, --resume
// keyed on the sidecar's request, summary.jsonl / summary.csv, Ctrl-C leaving only complete outputs,
// and memory over 1,000 images (the bundled scenes-resnet on 48×48 generated scenes).
// References: the set of files written is checked against the set of images (exact); GPU live bytes
// must be exactly equal from image 100 to 1,000; peak RSS may rise by the allocator's warm-up only
// (measured +25–30 MiB here, plateauing near 250 MiB over 3,000 images): at most 48 MiB, which a leak
// of ≥ 55 KiB per image would exceed.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSceneFolder } from './scene-folder.js';
import { lines, REPO, runCli, tempDir, type CliResult } from './run-cli.js';

interface Row {
  file: string;
  status: 'explained' | 'skipped' | 'failed';
  class?: number;
  label?: string;
  probability?: number;
  files: string[];
  memory: { peakRssBytes: number; gpuLiveBytes: number };
}

const STAR = join(REPO, 'examples', 'scenes', 'star.png');
const RING = join(REPO, 'examples', 'scenes', 'ring.png');

function summary(out: string): Row[] {
  return readFileSync(join(out, 'summary.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

function csvRows(out: string): string[] {
  return readFileSync(join(out, 'summary.csv'), 'utf8').trimEnd().split('\n');
}

/** Every file below dir, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

const OUTPUTS = ['.gradcam.png', '.gradcam.heatmap.png', '.gradcam.json'];

function outputsOf(out: string, key: string): string[] {
  return OUTPUTS.map((suffix) => join(out, `${key}${suffix}`));
}

describe('explain: directories and globs', { timeout: 300_000 }, () => {
  it('walks a folder recursively by content (a PNG named .dat is in, a text file named .png is out), mirrors its tree, writes both summaries', async () => {
    const dir = tempDir('walk');
    mkdirSync(join(dir, 'in', 'sub', 'deeper'), { recursive: true });
    copyFileSync(STAR, join(dir, 'in', 'star.png'));
    copyFileSync(RING, join(dir, 'in', 'sub', 'deeper', 'ring.dat'));
    writeFileSync(join(dir, 'in', 'sub', 'notes.png'), 'not a picture\n');
    const out = join(dir, 'in', 'maps'); // inside the folder: never walked as input
    const r = await runCli(['explain', join(dir, 'in'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(tree(out)).toEqual([
      'star.gradcam.heatmap.png',
      'star.gradcam.json',
      'star.gradcam.png',
      'sub/deeper/ring.gradcam.heatmap.png',
      'sub/deeper/ring.gradcam.json',
      'sub/deeper/ring.gradcam.png',
      'summary.csv',
      'summary.jsonl',
    ]);
    const rows = summary(out);
    expect(rows.map((x) => [relative(dir, x.file), x.status, x.label])).toEqual([
      ['in/star.png', 'explained', 'star'],
      ['in/sub/deeper/ring.dat', 'explained', 'ring'],
    ]);
    expect(rows[0].files).toEqual(outputsOf(out, 'star').sort((a, b) => OUTPUTS.findIndex((s) => a.endsWith(s)) - OUTPUTS.findIndex((s) => b.endsWith(s))));
    expect(csvRows(out)[0]).toBe('file,status,class,label,probability,files,error');
    expect(csvRows(out)[1]).toMatch(new RegExp(`^${join(dir, 'in', 'star.png')},explained,3,star,0\\.99\\d*,`));
    expect(r.stdout).toContain(`2 of 2 images explained; outputs in ${out}; summary in ${join(out, 'summary.jsonl')} and summary.csv`);

    // A glob (quoted: expanded by gradscope) keys its matches below the pattern's fixed part.
    const globbed = join(dir, 'glob-out');
    const g = await runCli(['explain', `${join(dir, 'in')}/**/*.dat`, '--out', globbed]);
    expect(g.code, g.stderr).toBe(0);
    expect(tree(globbed).filter((f) => f.endsWith('.json'))).toEqual(['sub/deeper/ring.gradcam.json']);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const e = await runCli(['explain', empty, '--out', join(dir, 'e-out')]);
    expect(e.code).toBe(2);
    expect(lines(e.stderr)).toEqual([`error: ${empty}: no PNG or JPEG files in this directory or below it`]);

    // a bad --layer is found before any image: one line, exit 2, --out not even created
    const untouched = join(dir, 'bad-layer-out');
    const b = await runCli(['explain', join(dir, 'in'), '--layer', 'nope', '--out', untouched]);
    expect(b.code).toBe(2);
    expect(lines(b.stderr)).toHaveLength(1);
    expect(existsSync(untouched)).toBe(false);
  });

  it('--resume skips an image only when its request is the same: a changed option or a changed picture is explained again', async () => {
    const dir = tempDir('resume');
    mkdirSync(join(dir, 'in'));
    copyFileSync(STAR, join(dir, 'in', 'a.png'));
    copyFileSync(RING, join(dir, 'in', 'b.png'));
    const out = join(dir, 'out');
    const first = await runCli(['explain', join(dir, 'in'), '--out', out, '--resume']);
    expect(first.code, first.stderr).toBe(0);
    expect(summary(out).map((x) => x.status)).toEqual(['explained', 'explained']);
    const stamp = statSync(join(out, 'a.gradcam.json')).mtimeMs;

    copyFileSync(STAR, join(dir, 'in', 'b.png')); // b changes: same name, other picture
    const second = await runCli(['explain', join(dir, 'in'), '--out', out, '--resume']);
    expect(second.code, second.stderr).toBe(0);
    expect(summary(out).map((x) => [x.status, x.label])).toEqual([
      ['skipped', 'star'],
      ['explained', 'star'],
    ]);
    expect(statSync(join(out, 'a.gradcam.json')).mtimeMs).toBe(stamp);
    expect(second.stdout).toContain('1 of 2 images explained; 1 skipped (--resume: done before with the same settings)');

    const third = await runCli(['explain', join(dir, 'in'), '--out', out, '--resume', '--alpha', '0.3']);
    expect(third.code, third.stderr).toBe(0);
    expect(summary(out).map((x) => x.status)).toEqual(['explained', 'explained']);
  });
});

/** Starts the CLI in its own process group, as a terminal runs a job, so that a Ctrl-C can be sent to all of it. */
function startCli(args: readonly string[]): { done: Promise<CliResult>; interrupt: () => void } {
  const child = spawn(process.execPath, [join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO, 'src', 'cli.ts'), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { done, interrupt: () => process.kill(-(child.pid as number), 'SIGINT') };
}

function lineCount(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

describe('explain: a folder of 1,000 images', () => {
  it('explains all with flat GPU memory and RSS; Ctrl-C at a random point leaves complete outputs and a summary; --resume does the rest once', async () => {
    const dir = tempDir('thousand');
    const images = writeSceneFolder(join(dir, 'in'), 1000);
    const keys = images.map((f) => relative(join(dir, 'in'), f).replace(/\.png$/, ''));

    const full = join(dir, 'full');
    const run = await runCli(['explain', join(dir, 'in'), '--out', full], {}, 900_000);
    expect(run.code, run.stderr).toBe(0);
    const rows = summary(full);
    expect(rows.map((x) => x.file)).toEqual(images);
    expect(rows.every((x) => x.status === 'explained')).toBe(true);
    expect(csvRows(full)).toHaveLength(1001);
    for (const key of keys) for (const f of outputsOf(full, key)) expect(existsSync(f), f).toBe(true);
    const at = (n: number) => rows[n - 1].memory;
    expect(at(1000).gpuLiveBytes).toBe(at(100).gpuLiveBytes);
    const rssGrowth = at(1000).peakRssBytes - at(100).peakRssBytes;
    expect(rssGrowth, `peak RSS ${at(100).peakRssBytes} at image 100, ${at(1000).peakRssBytes} at 1000`).toBeLessThan(48 * 2 ** 20);

    // Interrupt after a random number of images (printed on failure), as Ctrl-C in a terminal does.
    const out = join(dir, 'out');
    const stopAfter = 50 + Math.floor(Math.random() * 850);
    const job = startCli(['explain', join(dir, 'in'), '--out', out]);
    const jsonl = join(out, 'summary.jsonl');
    const poll = setInterval(() => {
      if (lineCount(jsonl) >= stopAfter) {
        clearInterval(poll);
        job.interrupt();
      }
    }, 20);
    const stopped = await job.done;
    clearInterval(poll);
    const why = `interrupted after ${stopAfter} images: ${stopped.stderr}`;
    expect(stopped.code, why).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted \(SIGINT\): nothing was written for the image in progress; \d+ of 1000 images done; summary in /);
    expect(
      tree(out).filter((f) => f.endsWith('.tmp')),
      why,
    ).toEqual([]);
    const doneRows = summary(out);
    const done = new Set(doneRows.map((x) => x.file));
    expect(done.size, why).toBeGreaterThanOrEqual(stopAfter);
    expect(done.size, why).toBeLessThan(1000);
    expect(csvRows(out)).toHaveLength(done.size + 1);
    const stamps = new Map<string, number>();
    images.forEach((file, i) => {
      const present = outputsOf(out, keys[i]).map((f) => existsSync(f));
      // all of an image's files or none, and exactly the images the summary lists
      expect(
        present.every((p) => p === done.has(file)),
        `${file} ${present}`,
      ).toBe(true);
      if (done.has(file)) stamps.set(file, statSync(outputsOf(out, keys[i])[2]).mtimeMs);
    });

    const resumed = await runCli(['explain', join(dir, 'in'), '--out', out, '--resume'], {}, 900_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = summary(out);
    expect(after.map((x) => x.file)).toEqual(images);
    for (const x of after) expect(x.status, x.file).toBe(done.has(x.file) ? 'skipped' : 'explained');
    images.forEach((file, i) => {
      for (const f of outputsOf(out, keys[i])) expect(existsSync(f), f).toBe(true);
      if (done.has(file)) expect(statSync(outputsOf(out, keys[i])[2]).mtimeMs, `${file} was explained twice`).toBe(stamps.get(file));
    });
  }, 1_800_000);
});
