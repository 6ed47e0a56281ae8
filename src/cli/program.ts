// The command line's verbs and how a run ends: exit 0 on success, 2 on bad input (one line on
// stderr), 1 on an internal error (its message).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { packagePath } from '../package-root.js';
import { NoAdapterError } from '../tensor/index.js';
import { convertCommand } from './convert-command.js';
import { EXIT_BAD_INPUT, EXIT_OK, errorReport, exitStatusOf } from './errors.js';
import { evolutionCommand } from './evolution-command.js';
import { explainCommand } from './explain-command.js';
import { gradflowCommand } from './gradflow-command.js';
import { layersCommand } from './layers-command.js';
import { evaluateCommand } from './evaluate-command.js';
import { pointingGameCommand } from './pointing-game-command.js';
import { sanityCommand } from './sanity-command.js';
import { isCliChild, markNoAdapter, RAW_STDERR_ENV } from './respawn.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function program(finished: (status: number) => void): Command {
  const root = new Command('gradscope')
    .description('Explains what a convolutional network looked at: Grad-CAM and relatives on a WebGPU autodiff engine.')
    .version(version(), '-V, --version')
    .addCommand(explainCommand(finished))
    .addCommand(layersCommand())
    .addCommand(evolutionCommand(finished))
    .addCommand(gradflowCommand(finished))
    .addCommand(pointingGameCommand(finished))
    .addCommand(sanityCommand(finished))
    .addCommand(evaluateCommand(finished))
    .addCommand(convertCommand())
    .addHelpText(
      'after',
      [
        '',
        `Run 'gradscope <verb> --help' for a verb's options. Environment: GRADSCOPE_WEIGHTS_DIR (where zoo names`,
        `are looked up, default weights/), ${RAW_STDERR_ENV}=1 (show the GPU driver's own start-up messages),`,
        'GRADSCOPE_DEBUG=1 (stack traces for internal errors).',
      ].join('\n'),
    );
  root.exitOverride();
  for (const command of root.commands) command.exitOverride();
  return root;
}

/** Runs the command line; resolves to the exit status. */
/** The verbs' names, in the order --help lists them. */
export function verbNames(): string[] {
  return program(() => undefined).commands.map((c) => c.name());
}

export async function main(argv: readonly string[]): Promise<number> {
  let status = EXIT_OK;
  const root = program((s) => {
    status = s;
  });
  if (argv.length === 0) {
    root.outputHelp({ error: true });
    return EXIT_BAD_INPUT;
  }
  try {
    await root.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (e) {
    // commander has already printed its one line (or the help / version, exit code 0)
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    if (e instanceof NoAdapterError) markNoAdapter();
    let report = errorReport(e);
    if (e instanceof NoAdapterError && isCliChild()) report += ` (${RAW_STDERR_ENV}=1 shows the driver's own messages)`;
    process.stderr.write(`${report}\n`);
    return exitStatusOf(e);
  }
}
