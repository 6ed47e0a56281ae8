// Where the command line's text goes: the report on stdout, errors and warnings on stderr, and a
// progress bar on stderr only when stderr is a terminal and there are several images. While the
// bar is drawn, lines for the same terminal are printed above it (never through it).
import { isatty, WriteStream } from 'node:tty';
import cliProgress from 'cli-progress';
import { isCliChild, TERMINAL_FD_ENV } from './respawn.js';

/** The user's stderr as a terminal: fd 3 in the filtered child (its own fd 2 is a pipe), else stderr itself. */
function openTerminal(): { stream: NodeJS.WriteStream; owned: boolean } | undefined {
  if (isCliChild()) {
    const fd = Number(process.env[TERMINAL_FD_ENV]);
    if (!Number.isInteger(fd) || fd < 3 || !isatty(fd)) return undefined;
    return { stream: new WriteStream(fd), owned: true };
  }
  return process.stderr.isTTY ? { stream: process.stderr, owned: false } : undefined;
}

export class CliConsole {
  private bars?: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;
  private terminal?: { stream: NodeJS.WriteStream; owned: boolean };

  /** Shows a bar for `total` images when that is more than one and stderr is a terminal. */
  startProgress(total: number, label: string): void {
    if (total < 2) return;
    this.terminal = openTerminal();
    if (!this.terminal) return;
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.terminal.stream,
        format: `${label} {bar} {value}/{total} images | {file}`,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(total, 0, { file: '' });
  }

  /** The image now being worked on (`done` finished so far). */
  progress(done: number, file: string): void {
    this.bar?.update(done, { file });
  }

  /** Report text for stdout. */
  out(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.bars && process.stdout.isTTY) this.bars.log(line);
    else process.stdout.write(line);
  }

  /** An error or warning line for stderr. */
  err(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.bars) this.bars.log(line);
    else process.stderr.write(line);
  }

  stopProgress(): void {
    if (this.bars) {
      this.bars.update(); // prints the lines still waiting above the bar
      this.bars.stop();
    }
    this.bars = undefined;
    this.bar = undefined;
    if (this.terminal?.owned) this.terminal.stream.destroy();
    this.terminal = undefined;
  }
}
