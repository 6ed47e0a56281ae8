// Exit statuses and the one-line messages of the command line. A bad input (a file that is not an
// image, an unknown layer, missing weights, no GPU adapter…) is the user's to fix: one line, exit 2.
// Anything else is a bug or an environment failure we did not foresee: exit 1, with its message.
import { ImageError, oneLine } from '../image/image-error.js';
import { UnknownClassError, UnknownNodeError } from '../methods/index.js';
import { MissingWeightsError } from '../models/load.js';
import { WeightFileError } from '../models/safetensors.js';
import { NoAdapterError } from '../tensor/index.js';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

/** A bad argument or option, found by the command line itself. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An output file that could not be written (full disk, permissions): the run stops, exit 2. */
export class OutputError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`cannot write ${file}: ${problem}`);
    this.name = 'OutputError';
  }
}

const BAD_INPUT = [UsageError, OutputError, ImageError, WeightFileError, MissingWeightsError, UnknownNodeError, UnknownClassError, NoAdapterError];

export function isBadInput(err: unknown): boolean {
  return BAD_INPUT.some((kind) => err instanceof kind);
}

export function messageOf(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}

export function exitStatusOf(err: unknown): number {
  return isBadInput(err) ? EXIT_BAD_INPUT : EXIT_INTERNAL;
}

/** The line printed for an error that ends the run (stack only with GRADSCOPE_DEBUG=1, for bug reports). */
export function errorReport(err: unknown): string {
  if (isBadInput(err)) return `error: ${messageOf(err)}`;
  const stack = process.env.GRADSCOPE_DEBUG && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  const hint = stack ? '' : ' (set GRADSCOPE_DEBUG=1 for the stack trace)';
  return `internal error: ${messageOf(err)}${hint}${stack}`;
}
