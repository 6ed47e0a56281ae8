// The package as a user gets it: `npm pack` (which builds dist/), installed offline into an empty project
// from the tarball; then the command (`npx gradscope`, every verb's --help, explain on a bundled scene)
// and the library (examples/api/*.ts typechecked against the shipped declarations, then run); the weight converter
// (`npx gradscope convert` on an ONNX file, then explain with the result).
// References: the scenes are generated with a known shape (examples/scenes/star.png is a star), the
// three ways of loading one file must give bit-identical maps, repeated rounds must leave live GPU
// bytes unchanged (exact), and the installed converter must write the same bytes as the clone's.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verbNames } from '../../src/cli/program.js';
import { main as convertInClone } from '../../tools/convert-weights/index.js';
import { writeTinyOnnxCnn } from '../fixtures/onnx-tiny-cnn.js';
import { installOffline, run } from './offline-project.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(REPO, 'examples', 'api');
const TSX = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');
// every verb the program defines (the packed command must have them all)
const VERBS = verbNames();

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let dir = '';
let project = '';
let star = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradscope-pack-'));
  const packed = run('npm', ['pack', '--pack-destination', dir, '--json'], REPO, 300_000);
  expect(packed.status, packed.stderr).toBe(0);
  const [{ filename }] = JSON.parse(packed.stdout) as { filename: string }[];
  project = join(dir, 'project');
  const installed = installOffline(REPO, join(dir, filename), project);
  expect(installed.status, installed.stderr).toBe(0);
  star = join(project, 'node_modules', 'gradscope', 'examples', 'scenes', 'star.png');
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships compiled JavaScript, declarations, the converter and its ONNX schema, the bundled model, its example scenes and the label files; no sources or tests', () => {
    const pkg = join(project, 'node_modules', 'gradscope');
    const shipped = ['bin/gradscope.mjs', 'dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/models/labels/imagenet.json'];
    shipped.push('dist/tools/convert-weights/index.js', 'vendor/onnx/onnx.proto', 'weights/scenes-resnet.safetensors');
    for (const f of shipped) expect(existsSync(join(pkg, f)), f).toBe(true);
    expect(readdirSync(join(pkg, 'examples', 'scenes'))).toContain('star.png');
    // src/ holds only the label files' licence note
    expect(readdirSync(join(pkg, 'src'), { recursive: true }).filter((f) => String(f).endsWith('.ts'))).toEqual([]);
    expect(readdirSync(join(pkg, 'dist', 'tools'))).toEqual(['convert-weights']);
    expect(existsSync(join(pkg, 'tools'))).toBe(false);
    expect(existsSync(join(pkg, 'test'))).toBe(false);
  });

  it('npx gradscope --help lists every verb, and each verb has its own --help', () => {
    const top = run('npx', ['gradscope', '--help'], project);
    expect(top.status, top.stderr).toBe(0);
    const listed = [...top.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]).filter((v) => v !== 'help');
    expect(VERBS).toContain('explain');
    expect(listed.sort()).toEqual([...VERBS].sort());
    // The installed command itself (what npx runs), without npx's start-up for each verb.
    const bin = join(project, 'node_modules', '.bin', 'gradscope');
    for (const verb of VERBS) {
      const r = run(bin, [verb, '--help'], project);
      expect(r.status, `${verb}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: gradscope ${verb}`);
    }
  }, 120_000);

  it("npx gradscope explain <bundled scene> writes the overlay, heat map and sidecar with Dawn's start-up lines filtered", () => {
    const r = run('npx', ['gradscope', 'explain', star, '--out', 'out'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR|artificially reduced/);
    expect(readdirSync(join(project, 'out')).sort()).toEqual(['star.gradcam.heatmap.png', 'star.gradcam.json', 'star.gradcam.png']);
    const doc = JSON.parse(readFileSync(join(project, 'out', 'star.gradcam.json'), 'utf8')) as { label: string; weights: { file: string } };
    expect(doc.label).toBe('star');
    expect(doc.weights.file).toBe(join(project, 'node_modules', 'gradscope', 'weights', 'scenes-resnet.safetensors'));
  }, 120_000);
});

describe('the weight converter in the installed package', () => {
  it('npx gradscope convert imports an ONNX model (the same bytes as the clone converter writes); explain runs on it', async () => {
    const onnx = join(project, 'tiny.onnx');
    writeTinyOnnxCnn(onnx);
    const r = run('npx', ['gradscope', 'convert', 'tiny.onnx', '--out', 'tiny.safetensors', '--preprocess', 'unit'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote tiny\.safetensors: imported graph, \d+ nodes/);
    const reference = join(dir, 'clone-tiny.safetensors');
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined); // its report is the same as above
    expect(await convertInClone([onnx, '--out', reference, '--preprocess', 'unit'])).toBe(0);
    quiet.mockRestore();
    expect(sha256(join(project, 'tiny.safetensors'))).toBe(sha256(reference));

    const e = run('npx', ['gradscope', 'explain', star, '--model', 'tiny.safetensors', '--out', 'tiny-out'], project);
    expect(e.status, e.stderr).toBe(0);
    expect(readdirSync(join(project, 'tiny-out')).sort()).toEqual(['star.gradcam.heatmap.png', 'star.gradcam.json', 'star.gradcam.png']);
    const doc = JSON.parse(readFileSync(join(project, 'tiny-out', 'star.gradcam.json'), 'utf8')) as { model: string; weights: { sourceSha256: string } };
    expect(doc.model).toBe('tiny');
    expect(doc.weights.sourceSha256).toBe(sha256(onnx));
  }, 120_000);

  it('a file that is not ONNX: one line naming it, exit 2, nothing written', () => {
    writeFileSync(join(project, 'broken.onnx'), 'not a protobuf');
    const r = run('npx', ['gradscope', 'convert', 'broken.onnx', '--out', 'broken.safetensors'], project);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: broken\.onnx: not a valid ONNX model/)]);
    expect(existsSync(join(project, 'broken.safetensors'))).toBe(false);
  }, 60_000);
});

describe('the library, imported by name from the installed package', () => {
  beforeAll(() => {
    for (const f of readdirSync(EXAMPLES)) if (f.endsWith('.ts')) copyFileSync(join(EXAMPLES, f), join(project, f));
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      // As `tsc --init` writes it: @webgpu/types itself names DOM types a Node project does not load.
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules', '@types')],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2));
  });

  it('the API examples typecheck (strict) against the shipped declarations, and a wrong option does not', () => {
    const ok = run(TSC, ['-p', 'tsconfig.json'], project);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    writeFileSync(
      join(project, 'wrong.ts'),
      "import { explain, loadModel, readImage } from 'gradscope';\n" +
        "await explain(await loadModel('scenes-resnet'), await readImage('x.png'), { method: 'grad-cam' });\n",
    );
    const bad = run(TSC, ['-p', 'tsconfig.json'], project);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS\d+: Type '"grad-cam"' is not assignable/);
  }, 120_000);

  it('load-and-explain.ts: a zoo name, a path and bytes load the same model; Grad-CAM finds the star', () => {
    const r = run(process.execPath, [TSX, 'load-and-explain.ts', star, '.'], project);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { label: string; probability: number; node: string; status: string; maxima: Record<string, number> };
    expect(out).toMatchObject({ label: 'star', node: 'post_relu', status: 'ok' });
    expect(out.probability).toBeGreaterThan(0.5);
    expect(out.maxima.path).toBe(out.maxima.name);
    expect(out.maxima.bytes).toBe(out.maxima.name);
    const overlay = PNG.sync.read(readFileSync(join(project, 'overlay.png')));
    expect([overlay.width, overlay.height]).toEqual([96, 96]);
  }, 120_000);

  it('hooks.ts: a watched input gets a gradient, the guided override changes it, and live GPU bytes stay put', () => {
    const r = run(process.execPath, [TSX, 'hooks.ts', star], project);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { label: string; overriddenRelus: number; differ: number; plainNonZero: boolean; liveBytes: number[] };
    expect(out.label).toBe('star');
    expect(out.plainNonZero).toBe(true);
    expect(out.overriddenRelus).toBeGreaterThan(0);
    expect(out.differ).toBeGreaterThan(0);
    expect(out.liveBytes).toHaveLength(4);
    expect(new Set(out.liveBytes).size).toBe(1);
  }, 120_000);

  it('analyses.ts: evolution at every block output in one backward, and gradient flow that closes', () => {
    const r = run(process.execPath, [TSX, 'analyses.ts', star], project);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { class: number; evolution: { node: string }[]; backwards: number; gradflow: { closure: number }[] };
    expect(out.evolution.map((m) => m.node).at(-1)).toBe('post_relu');
    expect(out.backwards).toBe(1);
    expect(out.gradflow.length).toBeGreaterThan(0);
    // closure is float rounding only in a block whose input feeds nothing else (gradflow.ts)
    for (const b of out.gradflow) expect(b.closure).toBeLessThan(1e-4);
  }, 120_000);
});
