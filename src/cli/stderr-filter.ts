// Dawn writes a few warnings to stderr from native code while it creates the device; a JavaScript
// process cannot catch those writes, so the command line runs itself as a child whose stderr goes
// through this filter (see respawn.ts). Only known lines are dropped; everything else is forwarded
// in order. The child marks, in band, the moment the GPU is ready (or missing), so that the
// driver's diagnostics printed while looking for an adapter can be held back and then either
// forwarded (they were unexpected) or dropped (no adapter: the CLI's own one-line error says it all).

/** Written by the child on its stderr, one line each; never shown. */
export const GPU_READY_MARKER = '\u0000gradscope-cli:gpu-ready';
export const NO_ADAPTER_MARKER = '\u0000gradscope-cli:no-adapter';

/** Lines Dawn or the Vulkan loader print on every healthy start. */
const NOISE: readonly RegExp[] = [
  /^Warning: maxDynamic\w+ artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  /XDG_RUNTIME_DIR\b.*\b(?:invalid|not set)\b/,
];

/** Native diagnostics (Dawn / Vulkan loader): "Warning: …" and Dawn's "    at Function (file.cpp:123)" (blank lines between them are held with them). */
const NATIVE_DIAGNOSTIC: readonly RegExp[] = [/^Warning: /, /^\s+at \S+ \(\S+:\d+\)$/];

/** Partial lines that could still turn into one of the lines above are held until their newline. */
const SPECIAL_STARTS = ['\u0000gradscope-cli:', 'Warning: ', ' ', 'error: XDG_RUNTIME_DIR', 'XDG_RUNTIME_DIR'];

export function isDawnNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

type Phase = 'starting' | 'ready' | 'no-adapter';

export class StderrFilter {
  private phase: Phase = 'starting';
  /** Start of the current line, held back because it may still be a line to drop. */
  private pending = '';
  /** The current line was already (partly) forwarded: the rest of it goes straight through. */
  private passing = false;
  /** Native diagnostics seen before the GPU was ready. */
  private held: string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    const pieces = chunk.split('\n');
    pieces.forEach((piece, i) => {
      const complete = i < pieces.length - 1;
      if (this.passing) {
        this.write(complete ? `${piece}\n` : piece);
        if (complete) this.passing = false;
        return;
      }
      const text = this.pending + piece;
      this.pending = '';
      if (complete) this.line(text);
      else if (text.length === 0) return;
      else if (SPECIAL_STARTS.some((s) => s.startsWith(text) || text.startsWith(s))) this.pending = text;
      else {
        this.write(text);
        this.passing = true;
      }
    });
  }

  /** The child's stderr closed: forward whatever is still held (a crash before the GPU was ready must show why). */
  end(): void {
    if (this.phase !== 'no-adapter') this.flushHeld();
    if (this.pending) this.write(this.pending);
    this.pending = '';
  }

  private line(text: string): void {
    if (text === GPU_READY_MARKER) {
      this.phase = 'ready';
      this.flushHeld();
    } else if (text === NO_ADAPTER_MARKER) {
      this.phase = 'no-adapter';
      this.held = [];
    } else if (isDawnNoise(text)) {
      // dropped
    } else if (this.phase === 'starting' && (NATIVE_DIAGNOSTIC.some((re) => re.test(text)) || (text === '' && this.held.length > 0))) {
      this.held.push(text);
    } else {
      this.write(`${text}\n`);
    }
  }

  private flushHeld(): void {
    for (const line of this.held) this.write(`${line}\n`);
    this.held = [];
  }
}
