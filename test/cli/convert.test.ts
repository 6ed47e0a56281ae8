// `gradscope convert` is the converter's own command (tools/convert-weights/index.ts) inside the main CLI: the same
// options, and its bad inputs end as the CLI's do (one line starting 'error: ', exit 2, nothing written).
// In process (no GPU is started); the installed package runs it in test/package/pack.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, verbNames } from '../../src/cli/program.js';
import { main as converterMain } from '../../tools/convert-weights/index.js';
import { writeTinyOnnxCnn } from '../fixtures/onnx-tiny-cnn.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradscope-convert-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs the main CLI in process; returns its status and what it wrote to stderr and stdout. */
async function cli(args: string[]): Promise<{ status: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  vi.spyOn(console, 'error').mockImplementation((s: unknown) => {
    stderr += `${String(s)}\n`;
  });
  vi.spyOn(console, 'log').mockImplementation((s: unknown) => {
    stdout += `${String(s)}\n`;
  });
  const status = await main(args);
  vi.restoreAllMocks();
  return { status, stderr, stdout };
}

describe('gradscope convert', () => {
  it('is a verb of the main CLI', () => {
    expect(verbNames()).toContain('convert');
  });

  it('converts an ONNX file to the same bytes as the converter run on its own', async () => {
    const onnx = join(dir, 'tiny.onnx');
    writeTinyOnnxCnn(onnx);
    const out = join(dir, 'tiny.safetensors');
    const r = await cli(['convert', onnx, '--out', out, '--preprocess', 'unit']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}: imported graph`);
    const alone = join(dir, 'alone.safetensors');
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await converterMain([onnx, '--out', alone, '--preprocess', 'unit'])).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(alone))).toBe(0);
  });

  it('bad inputs: one line each, exit 2, nothing written', async () => {
    const broken = join(dir, 'broken.onnx');
    writeFileSync(broken, 'not a protobuf');
    const out = join(dir, 'never.safetensors');
    const cases: [string[], RegExp][] = [
      [[broken, '--out', out], new RegExp(`^error: ${broken}: not a valid ONNX model`)],
      [[join(dir, 'missing.onnx'), '--out', out], /^error: .*missing\.onnx/],
      [[broken, '--out', out, '--input-size', '3'], /^error: --input-size must be HEIGHTxWIDTH/],
      [[broken], /^error: required option '--out <file>' not specified/],
    ];
    for (const [args, line] of cases) {
      const r = await cli(['convert', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toEqual([expect.stringMatching(line)]);
      expect(existsSync(out)).toBe(false);
    }
  });
});
