// Messages between the page and its compute worker. The worker holds the model on its own WebGPU
// device, so the page stays responsive during long work and cancelling is terminating the worker.
import type {
  MemoryStats,
  PreprocessingMode,
  EvolutionMethod,
  EvolutionResult,
  Explanation,
  ExplainOptions,
  GradflowResult,
  RgbImage,
} from '../../src/browser.js';
import type { SummaryRow } from '../../src/models/summary.js';

export type Request =
  | { kind: 'load'; file: string; bytes: Uint8Array; preprocessing: PreprocessingMode; shards?: Record<string, Uint8Array> }
  | { kind: 'explain'; image: RgbImage; options: ExplainOptions }
  | { kind: 'evolution'; image: RgbImage; method: EvolutionMethod; classIndex?: number }
  | { kind: 'gradflow'; image: RgbImage; classIndex?: number }
  | { kind: 'memory' };

export interface ModelInfo {
  name: string;
  file: string;
  labels: string[];
  inputSize: { height: number; width: number };
  rows: SummaryRow[];
  /** The automatic target and why (as `layers` prints it). */
  auto: { node: string; reason: string };
  adapter: string;
  /** The weights' metadata fields a sidecar records. */
  source: string;
  sourceSha256: string;
  licence: string;
  /** Conversion notes (an ONNX model converted in the page). */
  notes: string[];
}

export type Reply =
  | { kind: 'load'; model: ModelInfo }
  | { kind: 'explain'; explanation: Explanation }
  | { kind: 'evolution'; result: EvolutionResult }
  | { kind: 'gradflow'; result: GradflowResult }
  | { kind: 'memory'; stats: MemoryStats }
  | { kind: 'progress'; stage: string /** done / total, when the work counts its steps */; fraction?: number }
  | { kind: 'error'; message: string };

export interface Envelope<T> {
  id: number;
  body: T;
}
