// The command line as two processes: the parent the user started only relays, and a child (this
// same script) does the work with its stderr piped through StderrFilter, so Dawn's native start-up
// warnings never reach the user. stdin and stdout are inherited untouched (the JSON output and the
// human report are never delayed or reordered); the parent's real stderr is also handed to the
// child as fd 3 when it is a terminal, so the progress bar can draw on it directly.
import { spawn } from 'node:child_process';
import { GPU_READY_MARKER, NO_ADAPTER_MARKER, StderrFilter } from './stderr-filter.js';

/** Set in the child's environment; the child then does the work itself. */
export const CHILD_ENV = 'GRADSCOPE_CLI_CHILD';
/** Set by the user to skip the filter (to see the driver's own messages). */
export const RAW_STDERR_ENV = 'GRADSCOPE_RAW_STDERR';
/** In the child: the file descriptor of the user's terminal, when stderr is one. */
export const TERMINAL_FD_ENV = 'GRADSCOPE_CLI_TERMINAL_FD';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Verbs that start the GPU (and so run behind the stderr filter). */
const GPU_VERBS = new Set(['explain', 'evolution', 'gradflow', 'pointing-game', 'sanity', 'evaluate']);

/** Whether this argument list will start the GPU (asking for help does not). */
export function startsGpu(argv: readonly string[]): boolean {
  return GPU_VERBS.has(argv[0] ?? '') && !argv.includes('--help') && !argv.includes('-h');
}

export function isCliChild(): boolean {
  return process.env[CHILD_ENV] === '1';
}

/** In the child: the GPU device exists; Dawn's start-up lines are over (see StderrFilter). */
export function markGpuReady(): void {
  if (isCliChild()) process.stderr.write(`${GPU_READY_MARKER}\n`);
}

/** In the child: no adapter was found; the driver's diagnostics are dropped in favour of our one line. */
export function markNoAdapter(): void {
  if (isCliChild()) process.stderr.write(`${NO_ADAPTER_MARKER}\n`);
}

/** Runs `script argv` as a filtered child; resolves to the exit status to give (signals are re-raised). */
export async function runFiltered(script: string, argv: readonly string[]): Promise<number> {
  const terminal = process.stderr.isTTY === true;
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'pipe', terminal ? 2 : 'ignore'],
    env: { ...process.env, [CHILD_ENV]: '1', ...(terminal ? { [TERMINAL_FD_ENV]: '3' } : {}) },
  });
  const filter = new StderrFilter((text) => process.stderr.write(text));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => filter.push(text));

  // A Ctrl-C reaches both processes (same process group); a signal sent to the parent alone is
  // passed on. Either way the parent waits for the child, which cleans up its partial outputs.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s]));
    });
    filter.end();
    if (signal) {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      process.kill(process.pid, signal);
      return 128;
    }
    return code ?? 1;
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}
