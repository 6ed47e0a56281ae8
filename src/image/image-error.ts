// A file that cannot be turned into pixels (or written): one line naming the file and the problem,
// so the CLI can print it as is.

export class ImageError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${oneLine(problem)}`);
    this.name = 'ImageError';
    this.file = file;
  }
}

/** Library messages sometimes span lines; a one-line error keeps CLI output and logs readable. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function describeError(err: unknown): string {
  return err instanceof Error ? oneLine(err.message) : oneLine(String(err));
}

/** Larger pictures are refused before anything allocates for them (a forged header can claim 4 G pixels). */
export const MAX_PIXELS = 100_000_000;
