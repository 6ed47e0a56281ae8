// The summary of an explain run over many images, in --out: summary.jsonl gets one line per image as
// soon as that image is finished (so an interrupted run still says what it did), and summary.csv the
// same rows (without the memory figures) when the run ends or is interrupted.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';

export type ImageStatus = 'explained' | 'skipped' | 'failed';

export interface SummaryRow {
  file: string;
  status: ImageStatus;
  class?: number;
  label?: string;
  probability?: number;
  /** The output files (overlay, heat map, sidecar, gradient picture). */
  files: string[];
  /** Why a failed image failed. */
  error?: string;
  /** After this image: the process's peak resident memory so far, and the GPU bytes still allocated. */
  memory?: { peakRssBytes: number; gpuLiveBytes: number };
}

export const SUMMARY_JSONL = 'summary.jsonl';
export const SUMMARY_CSV = 'summary.csv';
const CSV_COLUMNS = ['file', 'status', 'class', 'label', 'probability', 'files', 'error'] as const;

/** Rows stay on disk, not in memory: a run over a million images keeps only the counts. */
export class RunSummary {
  private readonly counts: Record<ImageStatus, number> = { explained: 0, skipped: 0, failed: 0 };
  private readonly jsonl: string;

  constructor(private readonly outDir: string) {
    this.jsonl = join(outDir, SUMMARY_JSONL);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(this.jsonl, '');
  }

  /** Records a finished image (one short append: a line is either there whole or not at all). */
  add(row: SummaryRow): void {
    appendFileSync(this.jsonl, `${JSON.stringify(row)}\n`);
    this.counts[row.status]++;
  }

  count(status?: ImageStatus): number {
    return status ? this.counts[status] : this.counts.explained + this.counts.skipped + this.counts.failed;
  }

  /** Writes summary.csv (through a temporary file, so it is never half-written). */
  finish(): void {
    const rows = readFileSync(this.jsonl, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as SummaryRow);
    const records = rows.map((r) => [r.file, r.status, r.class ?? '', r.label ?? '', r.probability ?? '', r.files.join(' '), r.error ?? '']);
    const path = join(this.outDir, SUMMARY_CSV);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, stringify(records, { header: true, columns: [...CSV_COLUMNS] }));
    renameSync(temp, path);
  }
}
