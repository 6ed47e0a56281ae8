// `npm run demo`: offline, the bundled scenes-resnet explains the bundled example scenes
// (examples/scenes/*.png) into out/demo/ — overlay, heat map and JSON per picture and method, the
// predicted class against the true one, and a pointing check on the bundled masks (src/cli/demo-run.ts).
// Options: --examples DIR, --out DIR. Like the command line, the work runs in a child process whose
// stderr is filtered, so Dawn's start-up warnings never show (src/cli/respawn.ts).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isCliChild, RAW_STDERR_ENV, runFiltered } from './cli/respawn.js';

const argv = process.argv.slice(2);
if (!isCliChild() && !process.env[RAW_STDERR_ENV]) {
  process.exitCode = await runFiltered(fileURLToPath(import.meta.url), argv);
} else {
  const { errorReport, exitStatusOf } = await import('./cli/errors.js');
  const { markNoAdapter } = await import('./cli/respawn.js');
  const { NoAdapterError } = await import('./tensor/index.js');
  try {
    const { values } = parseArgs({ args: argv, options: { examples: { type: 'string' }, out: { type: 'string' } } });
    const { runDemo } = await import('./cli/demo-run.js');
    process.exitCode = await runDemo({ examples: values.examples, out: values.out });
  } catch (e) {
    if (e instanceof NoAdapterError) markNoAdapter();
    process.stderr.write(`${errorReport(e)}\n`);
    process.exitCode = e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? 2 : exitStatusOf(e);
  }
}
