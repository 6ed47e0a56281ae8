#!/usr/bin/env node
// gradscope's command line: `npx gradscope <verb> …` (in the repository also `npx tsx src/cli.ts <verb> …`; see --help).
// Verbs that start the GPU run as a child of this process with stderr filtered, because Dawn
// prints start-up warnings from native code that no JavaScript can intercept (src/cli/respawn.ts).
// The relaying parent loads nothing else: the program is imported only where it runs.
import { fileURLToPath } from 'node:url';
import { isCliChild, RAW_STDERR_ENV, runFiltered, startsGpu } from './cli/respawn.js';

const argv = process.argv.slice(2);
// A closed pipe on stdout (`… | head`) ends the output, not in a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
if (startsGpu(argv) && !isCliChild() && !process.env[RAW_STDERR_ENV]) {
  process.exitCode = await runFiltered(fileURLToPath(import.meta.url), argv);
} else {
  const { main } = await import('./cli/program.js');
  process.exitCode = await main(argv);
}
