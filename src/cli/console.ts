// Where the command line's text goes: the report on stdout, errors and warnings on stderr, and a
// progress bar on stderr only when stderr is a terminal and there are several images. While the
// bar is drawn, lines for the same terminal are printed above it (never through it). The bar shows
// images done, the rate since the start and the time left.
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

/** Seconds as m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export class CliConsole {
  private bars?: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;
  private terminal?: { stream: NodeJS.WriteStream; owned: boolean };
  private started = 0;
  private total = 0;

  /** Shows a bar for `total` images when that is more than one and stderr is a terminal. */
  startProgress(total: number, label: string): void {
    if (total < 2) return;
    this.terminal = openTerminal();
    if (!this.terminal) return;
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.terminal.stream,
        format: `${label} {bar} {value}/{total} images | {rate} | {left} | {file}`,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    this.started = performance.now();
    this.total = total;
    this.bar = this.bars.create(total, 0, { file: '', rate: '– images/s', left: 'time left –' });
  }

  /** The image now being worked on (`done` finished so far): the rate and time left are over the whole run so far. */
  progress(done: number, file: string): void {
    if (!this.bar) return;
    const perSecond = done / ((performance.now() - this.started) / 1000);
    const known = done > 0 && Number.isFinite(perSecond) && perSecond > 0;
    const rate = known ? `${perSecond.toFixed(perSecond < 10 ? 2 : 1)} images/s` : '– images/s';
    const left = known ? `time left ${clock((this.total - done) / perSecond)}` : 'time left –';
    this.bar.update(done, { file, rate, left });
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
