#!/usr/bin/env node
// What `npx gradscope` runs. In an installed package: the compiled command line, dist/src/cli.js. In a clone (the
// sources are there, dist/ may be missing or stale): src/cli.ts through tsx, a devDependency, in a child process
// that shares this terminal. So `npx gradscope convert …` and the other verbs work the same in both places.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function tsxCli() {
  try {
    return createRequire(import.meta.url).resolve('tsx/cli');
  } catch {
    return undefined;
  }
}

const tsx = existsSync(source) ? tsxCli() : undefined;
if (tsx) {
  const child = spawn(process.execPath, [tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal too: it decides how to stop (explain keeps what it finished), and this
  // process waits for it. A SIGTERM sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
  });
} else if (existsSync(fileURLToPath(new URL('../dist/src/cli.js', import.meta.url)))) {
  await import('../dist/src/cli.js');
} else {
  // A clone without its devDependencies and never built.
  process.stderr.write(`gradscope: neither tsx nor dist/ in ${fileURLToPath(new URL('..', import.meta.url))}: run 'npm ci' there first\n`);
  process.exitCode = 2;
}
