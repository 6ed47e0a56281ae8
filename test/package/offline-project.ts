// An empty project that installs gradscope from a packed tarball without the network: its lock file is
// the repository's, less the development-only packages, so `npm ci --offline` takes every dependency
// from npm's cache (which installing the repository filled) at exactly the locked versions.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after timeoutMs); npm's and the CLI's own variables do not leak in from the runner. */
export function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Ran {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && !k.startsWith('GRADSCOPE_')));
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/** Writes package.json and package-lock.json of a project depending on `tarball` only, then `npm ci --offline`. */
export function installOffline(repo: string, tarball: string, dir: string): Ran {
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const root = { name: `try-${basename(dir)}`, version: '1.0.0', dependencies: { gradscope: spec } };
  const packages: Record<string, unknown> = {
    '': root,
    'node_modules/gradscope': {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...root, private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: root.name, version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  return run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir, 300_000);
}
