// Define-by-run reverse-mode autodiff. While a Tape records, every op whose inputs include a
// tensor that requires a gradient appends an entry (inputs, saved tensors, backward). Ops whose
// inputs need no gradient are not recorded, so backward never goes below the deepest tap.
import { accumulate } from './accumulate.js';
import { fmt, sameShape } from './shape.js';
import { tidy } from './scope.js';
import { type Tensor, tensor } from './tensor.js';

export interface BackwardContext {
  /** needs[i]: whether input i wants a gradient; return null where it does not. */
  needs: readonly boolean[];
  /** The active override for this op kind (e.g. 'guided' for relu), if any. */
  override?: string;
}

export interface OpRecord {
  /** Op kind, the key for backward overrides ('relu', 'conv2d', ...). */
  kind: string;
  inputs: readonly Tensor[];
  output: Tensor;
  /** Tensors the backward reads; the tape holds them until it is disposed. */
  saved?: readonly Tensor[];
  /** Override modes this kind accepts. */
  overrides?: readonly string[];
  backward: (gradOutput: Tensor, ctx: BackwardContext) => (Tensor | null)[];
}

export interface BackwardResult {
  /** Gradient for each watched tensor and each leaf that requires a gradient. */
  grads: Map<Tensor, Tensor>;
  /** How many recorded ops ran an overridden backward, by kind. */
  overridden: Record<string, number>;
}

let activeTape: Tape | undefined;
const overrideStack: Record<string, string>[] = [];

function activeOverride(kind: string): string | undefined {
  for (let i = overrideStack.length - 1; i >= 0; i--) {
    const mode = overrideStack[i][kind];
    if (mode !== undefined) return mode;
  }
  return undefined;
}

/**
 * Runs fn with backward overrides in force, e.g. withOverrides({ relu: 'guided' }, () => tape.backward(y)).
 * Overrides apply when backward runs, so wrap the backward call.
 */
export function withOverrides<T>(overrides: Record<string, string>, fn: () => T): T {
  overrideStack.push(overrides);
  try {
    return fn();
  } finally {
    overrideStack.pop();
  }
}

/** Marks an intermediate (or input) tensor as a tap: backward will deliver dL/d(this). */
export function watch(t: Tensor): Tensor {
  t.requiresGrad = true;
  activeTape?.watched.add(t);
  return t;
}

/** Called by every op after computing its output. */
export function recordOp(op: OpRecord): void {
  const tape = activeTape;
  if (!tape || !op.inputs.some((t) => t.requiresGrad)) return;
  op.output.requiresGrad = true;
  for (const s of op.saved ?? []) s.retain();
  tape.entries.push(op);
}

export class Tape {
  readonly entries: OpRecord[] = [];
  readonly watched = new Set<Tensor>();
  private disposed = false;

  /** Runs fn with this tape recording. */
  record<T>(fn: () => T): T {
    if (this.disposed) throw new Error('tape was disposed');
    const previous = activeTape;
    activeTape = this;
    try {
      return fn();
    } finally {
      activeTape = previous;
    }
  }

  /**
   * Back-propagates seed (default: ones) from root. Returns gradients for the watched tensors and
   * for leaves that require one (inputs, parameters when training). Intermediate gradients are
   * released as soon as they have been used.
   */
  backward(root: Tensor, seed?: Tensor): BackwardResult {
    if (seed && !sameShape(seed.shape, root.shape)) {
      throw new Error(`backward: seed shape ${fmt(seed.shape)} does not match root shape ${fmt(root.shape)}`);
    }
    const overridden: Record<string, number> = {};
    const produced = new Set(this.entries.map((e) => e.output));
    const wanted = (t: Tensor) => this.watched.has(t) || (t.requiresGrad && !produced.has(t));
    const grads = tidy(() => {
      const pending = new Map<Tensor, Tensor>();
      const result = new Map<Tensor, Tensor>();
      pending.set(root, seed ?? tensor(new Float32Array(root.size).fill(1), root.shape));
      for (let i = this.entries.length - 1; i >= 0; i--) {
        const entry = this.entries[i];
        const gy = pending.get(entry.output);
        if (!gy) continue;
        pending.delete(entry.output);
        if (wanted(entry.output)) result.set(entry.output, gy);
        const needs = entry.inputs.map((t) => t.requiresGrad);
        const override = activeOverride(entry.kind);
        if (override !== undefined) {
          if (!entry.overrides?.includes(override)) {
            throw new Error(`backward override '${override}' is not defined for ${entry.kind} (available: ${entry.overrides?.join(', ') || 'none'})`);
          }
          overridden[entry.kind] = (overridden[entry.kind] ?? 0) + 1;
        }
        const gxs = entry.backward(gy, { needs, override });
        // Backward functions may pass gy through unchanged (add), so a gradient is released only
        // once nothing refers to it any more.
        // A gradient already delivered for a watched tensor (a value of result) must survive too.
        const isLive = (t: Tensor) => t === seed || [...result.values()].includes(t) || [...pending.values()].includes(t);
        entry.inputs.forEach((input, k) => {
          const gx = gxs[k];
          if (!gx || !needs[k]) return;
          if (!sameShape(gx.shape, input.shape)) {
            throw new Error(`backward of ${entry.kind}: gradient shape ${fmt(gx.shape)} does not match input ${fmt(input.shape)}`);
          }
          const previous = pending.get(input);
          if (!previous) {
            pending.set(input, gx);
            return;
          }
          pending.set(input, accumulate(previous, gx));
          for (const t of [previous, gx]) if (t !== gy && !isLive(t)) t.dispose();
        });
        if (!isLive(gy)) gy.dispose();
      }
      for (const [t, g] of pending) if (wanted(t)) result.set(t, g);
      return result;
    });
    return { grads, overridden };
  }

  /** Releases every tensor the tape saved for backward. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of this.entries) for (const s of e.saved ?? []) s.release();
    this.entries.length = 0;
    this.watched.clear();
  }
}

export function isRecording(): boolean {
  return activeTape !== undefined;
}
