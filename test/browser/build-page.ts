// Builds the page exactly as `npm run build:web` does, into a temporary folder (the tests never touch dist/).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

const CONFIG = join(import.meta.dirname, '..', '..', 'web', 'vite.config.ts');

export async function buildPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'gradscope-web-'));
  await build({ configFile: CONFIG, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  return outDir;
}
