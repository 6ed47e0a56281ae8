// The JSON document of one explanation as the command line writes it: the library's sidecar plus
// what only the command line knows (the weights file and its hash, the input picture, the files).
import { sidecarJson, type Explanation, type RenderOptions } from '../methods/index.js';
import type { WeightsRecord } from './model-source.js';
import type { WrittenFiles } from './report.js';
import type { ExplainRequest } from './resume.js';

export interface ImageRecord {
  file: string;
  width: number;
  height: number;
}

/** `request`: what the files depend on, which `explain --resume` compares (see resume.ts). */
export function sidecarDocument(
  expl: Explanation,
  rendering: RenderOptions,
  weights: WeightsRecord,
  image: ImageRecord,
  files: WrittenFiles,
  request?: ExplainRequest,
): Record<string, unknown> {
  const base = JSON.parse(sidecarJson(expl, rendering)) as Record<string, unknown>;
  return { model: base.model, weights, image, ...base, files, ...(request ? { request } : {}) };
}

/** A failed image in the --json output, so that entries line up with the images given. */
export function failureDocument(file: string, error: string): Record<string, unknown> {
  return { image: { file }, error };
}
