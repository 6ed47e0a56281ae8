// Runs the real command line as a child process, as a user would (`npx tsx src/cli.ts …`; tsx's
// own entry is called directly to skip npx's start-up and its npm warnings on this machine).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { photo } from '../image/photos.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHELSEA = photo('chelsea'); // 451×300
export const COFFEE = photo('coffee'); // 600×400
export const ASTRONAUT = photo('astronaut'); // 512×512
const TSX = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment variables of the CLI that must not leak in from the test runner. */
const CLI_ENV = ['GRADSCOPE_CLI_CHILD', 'GRADSCOPE_CLI_TERMINAL_FD', 'GRADSCOPE_RAW_STDERR', 'GRADSCOPE_WEIGHTS_DIR', 'GRADSCOPE_DEBUG'];

export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of CLI_ENV) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, join(REPO, 'src', 'cli.ts'), ...args], {
      cwd: REPO,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // The process must end by itself (GPU released); a hang fails the test instead of the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gradscope-cli-${prefix}-`));
}

/** Every entry of a directory, dot files (temporary outputs) included; [] when it does not exist. */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export function pngSize(path: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** stderr lines, without the trailing newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
}

export const DAWN_WARNING = /artificially reduced|XDG_RUNTIME_DIR/;
