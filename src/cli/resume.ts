// --resume: an image is skipped when its outputs exist and its sidecar's `request` equals this run's
// (model, weights hash, method, requested layer and the node it resolved to, class, options, and the
// image's own hash), so a changed setting or a changed picture is explained again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { MethodName, MethodOptions } from '../methods/index.js';
import type { ColormapName } from '../image/index.js';

/** Everything an explanation's files depend on, as recorded in its sidecar. */
export interface ExplainRequest {
  model: string;
  weightsSha256: string;
  method: MethodName;
  layer: string;
  node: string;
  /** The requested class index, or 'top-1'. */
  class: number | 'top-1';
  topK: number;
  colormap: ColormapName;
  alpha: number;
  /** The method options the method reads that were given. */
  options: MethodOptions;
  imageSha256: string;
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** JSON with object keys sorted, so that two equal requests compare equal however they were built. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** The sidecar of an earlier run with the same request, or undefined (the caller checks its other files). */
export function previousResult(sidecar: string, request: ExplainRequest): Record<string, unknown> | undefined {
  if (!existsSync(sidecar)) return undefined;
  let doc: { request?: unknown };
  try {
    doc = JSON.parse(readFileSync(sidecar, 'utf8')) as typeof doc;
  } catch {
    return undefined;
  }
  return canonical(doc.request) === canonical(request) ? (doc as Record<string, unknown>) : undefined;
}
