// Training a graph with gradscope's own autodiff: forward in training mode (batchnorm on batch
// statistics) under a Tape, softmax cross-entropy, backward to every trainable parameter, an
// in-place optimizer update and the running-statistics update, all recorded into one submission.
// Nothing is read back except the loss and the logits of the step, after the GPU has the work.
import { flush, keep, synchronize, Tape, tensor, tidy, type Tensor } from '../tensor/index.js';
import { updateRunningStatistics } from '../ops/batchnorm.js';
import { softmaxCrossEntropy } from '../ops/loss.js';
import { runGraph } from '../models/execute.js';
import type { Graph } from '../models/graph.js';
import { inputShape, parameterSpecs } from '../models/shapes.js';
import type { NamedTensor } from '../models/safetensors.js';
import { AdamW, SgdMomentum, type Optimizer, type ParameterGroup } from './optimizer.js';

export interface TrainerOptions {
  optimizer: 'adamw' | 'sgd-momentum';
  /** Applied to conv and dense kernels only (not to biases, γ or β). */
  weightDecay: number;
  /** Keras' batchnorm momentum: running = running·m + batch·(1 − m). */
  batchNormMomentum: number;
}

export interface StepOutcome {
  loss: number;
  /** Examples of the batch whose largest logit is the label. */
  correct: number;
}

/** A step whose work is submitted; read() waits for it. */
export interface PendingStep {
  read(): Promise<StepOutcome>;
}

const isRunningStatistic = (kind: string) => kind === 'moving_mean' || kind === 'moving_variance';

/** Index of the largest value in each row of a [rows, classes] array. */
export function argmaxRows(values: Float32Array, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[r * classes + c] > values[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

export class Trainer {
  /** Current parameters by name (running statistics are replaced after every step). */
  readonly params = new Map<string, Tensor>();
  private readonly optimizer: Optimizer;
  private readonly classes: number;

  constructor(
    readonly graph: Graph,
    initial: ReadonlyMap<string, NamedTensor>,
    private readonly options: TrainerOptions,
  ) {
    const decayed: Tensor[] = [];
    const plain: Tensor[] = [];
    for (const spec of parameterSpecs(graph)) {
      const values = initial.get(spec.name);
      if (!values) throw new Error(`Trainer: no initial value for parameter '${spec.name}'`);
      const t = keep(tensor(values.data, spec.shape));
      if (!isRunningStatistic(spec.kind)) {
        t.requiresGrad = true;
        (spec.kind === 'kernel' ? decayed : plain).push(t);
      }
      this.params.set(spec.name, t);
    }
    const groups: ParameterGroup[] = [
      { params: decayed, weightDecay: options.weightDecay },
      { params: plain, weightDecay: 0 },
    ];
    this.optimizer = options.optimizer === 'adamw' ? new AdamW(groups) : new SgdMomentum(groups);
    const output = graph.nodes[graph.nodes.length - 1];
    this.classes = output.op === 'dense' ? output.attrs.units : 0;
    if (this.classes === 0) throw new Error('Trainer: the graph must end in a dense layer of logits');
  }

  private inputTensor(inputs: Float32Array, batch: number): Tensor {
    const [, h, w, c] = inputShape(this.graph);
    return tensor(inputs, [batch, h, w, c]);
  }

  /** Replaces a batchnorm node's running statistics by their blend with this batch's. */
  private updateRunning(node: string, batch: { mean: Tensor; variance: Tensor }, momentum: number): void {
    const meanName = `${node}/moving_mean`,
      varianceName = `${node}/moving_variance`;
    const running = { mean: this.params.get(meanName) as Tensor, variance: this.params.get(varianceName) as Tensor };
    const next = updateRunningStatistics(running, { batchMean: batch.mean, batchVariance: batch.variance }, momentum);
    this.params.set(meanName, keep(next.mean));
    this.params.set(varianceName, keep(next.variance));
    running.mean.dispose();
    running.variance.dispose();
  }

  /**
   * One optimisation step on a batch: inputs NHWC (already preprocessed), one-hot (or soft)
   * targets [batch, classes]. The work is submitted before this returns.
   */
  step(inputs: Float32Array, targets: Float32Array, labels: ArrayLike<number>, batch: number, lr: number): PendingStep {
    const { loss, logits } = tidy(() => {
      const x = this.inputTensor(inputs, batch);
      const y = tensor(targets, [batch, this.classes]);
      const tape = new Tape();
      const forward = tape.record(() => {
        const r = runGraph(this.graph, this.params, x, {}, { training: true });
        return { r, loss: softmaxCrossEntropy(r.logits, y) };
      });
      const { grads } = tape.backward(forward.loss);
      tape.dispose();
      this.optimizer.step(grads, lr);
      for (const [node, stats] of forward.r.batchStatistics) this.updateRunning(node, stats, this.options.batchNormMomentum);
      return { loss: forward.loss, logits: forward.r.logits };
    });
    flush();
    const expected = Array.from(labels);
    return {
      read: async () => {
        try {
          const [l, z] = [await loss.read(), await logits.read()];
          const predicted = argmaxRows(z, this.classes);
          return { loss: l[0], correct: predicted.filter((p, i) => p === expected[i]).length };
        } finally {
          loss.dispose();
          logits.dispose();
        }
      },
    };
  }

  /** Inference-mode logits (running statistics), [batch, classes]. */
  async predict(inputs: Float32Array, batch: number): Promise<Float32Array> {
    const logits = tidy(() => runGraph(this.graph, this.params, this.inputTensor(inputs, batch)).logits);
    try {
      return await logits.read();
    } finally {
      logits.dispose();
    }
  }

  /**
   * Re-estimates every running statistic as the plain average of the batch statistics over the
   * given batches with the final weights (the moving average also remembers earlier weights).
   */
  async recalibrateBatchNorm(batches: Iterable<{ inputs: Float32Array; batch: number }>): Promise<void> {
    let k = 0;
    for (const b of batches) {
      k++;
      tidy(() => {
        const r = runGraph(this.graph, this.params, this.inputTensor(b.inputs, b.batch), {}, { training: true });
        // momentum (k−1)/k keeps the running value equal to the mean of the k batches seen.
        for (const [node, stats] of r.batchStatistics) this.updateRunning(node, stats, (k - 1) / k);
      });
      // One batch at a time, so queued uploads and statistics never pile up.
      await synchronize();
    }
  }

  /** Parameters as host arrays, in the graph's parameter order. */
  async exportParameters(): Promise<Map<string, NamedTensor>> {
    const out = new Map<string, NamedTensor>();
    for (const spec of parameterSpecs(this.graph)) {
      const t = this.params.get(spec.name) as Tensor;
      out.set(spec.name, { shape: spec.shape, data: await t.read() });
    }
    return out;
  }

  get steps(): number {
    return this.optimizer.steps;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}
