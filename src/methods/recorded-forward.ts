// One forward pass with hooks, recorded for backward when gradients are wanted, and any number of
// backward passes from it (seed = one-hot of the class on the logits, never the softmax). Owns every
// tensor it makes: dispose() releases the tape, the logits and the hooked activations, leaving the
// caller's input as it was given.
import { Tape, tensor, tidy, withOverrides, type Tensor } from '../tensor/index.js';
import type { Model } from '../models/model.js';
import type { RunResult } from '../models/execute.js';

export interface ForwardHooks {
  /** Targets whose activations to hand back. */
  keep?: readonly string[];
  /** Targets whose gradients backward() should deliver (the graph input's name for input gradients). */
  watch?: readonly string[];
}

export interface BackwardOutcome {
  /** Gradient per watched target, owned by the caller. */
  grads: Map<string, Tensor>;
  /** ReLU and ReLU6 backward passes replaced by an override. */
  overriddenRelus: number;
}

export class RecordedForward {
  private disposed = false;

  private constructor(
    private readonly tape: Tape | undefined,
    private readonly result: RunResult,
    private readonly input: Tensor,
    private readonly inputRequiredGrad: boolean,
    private readonly watched: readonly string[],
  ) {}

  /** Runs the model; records a tape only when something is watched (weights never get gradients). */
  static run(model: Model, input: Tensor, hooks: ForwardHooks = {}): RecordedForward {
    const watch = hooks.watch ?? [];
    const inputRequiredGrad = input.requiresGrad;
    const tape = watch.length > 0 ? new Tape() : undefined;
    try {
      const result = tidy(() => {
        const run = () => model.run(input, { keep: hooks.keep, watch });
        return tape ? tape.record(run) : run();
      });
      return new RecordedForward(tape, result, input, inputRequiredGrad, watch);
    } catch (e) {
      tape?.dispose();
      input.requiresGrad = inputRequiredGrad;
      throw e;
    }
  }

  get logits(): Tensor {
    return this.result.logits;
  }

  /** The hooked tensor for a target as written in the hooks. */
  activation(target: string): Tensor {
    const t = this.result.activations.get(target);
    if (!t) throw new Error(`no activation was hooked for '${target}'`);
    return t;
  }

  /**
   * Back-propagates Σ_rows y[row, classOf(row)] (a one-hot seed per row, scaled by rowWeights when
   * given) under the given backward overrides, and returns the gradients at the watched targets.
   */
  backward(classIndex: number, overrides: Record<string, string> = {}, rowWeights?: readonly number[]): BackwardOutcome {
    if (!this.tape) throw new Error('backward() needs a forward run with watched targets');
    const tape = this.tape;
    const [rows, classes] = this.logits.shape;
    const seed = new Float32Array(rows * classes);
    for (let r = 0; r < rows; r++) seed[r * classes + classIndex] = rowWeights?.[r] ?? 1;
    const outcome = tidy(() => {
      const { grads, overridden } = withOverrides(overrides, () => tape.backward(this.logits, tensor(seed, [rows, classes])));
      const byTarget = new Map<string, Tensor>();
      for (const target of this.watched) {
        const g = grads.get(this.activation(target));
        // A watched tensor the class score does not depend on gets no entry: its gradient is zero.
        byTarget.set(target, g ?? tensor(new Float32Array(this.activation(target).size), this.activation(target).shape));
      }
      return { grads: byTarget, overriddenRelus: (overridden.relu ?? 0) + (overridden.relu6 ?? 0) };
    });
    return outcome;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tape?.dispose();
    this.result.logits.dispose();
    for (const t of this.result.activations.values()) if (t !== this.input) t.dispose();
    for (const s of this.result.batchStatistics.values()) {
      s.mean.dispose();
      s.variance.dispose();
    }
    this.input.requiresGrad = this.inputRequiredGrad;
  }
}

/** Reads tensors back and disposes them. */
export async function readAndDispose(...ts: Tensor[]): Promise<Float32Array[]> {
  try {
    return await Promise.all(ts.map((t) => t.read()));
  } finally {
    for (const t of ts) t.dispose();
  }
}
