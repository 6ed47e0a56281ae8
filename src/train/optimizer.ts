// Optimizers that update parameter tensors in place on the GPU: no read-back per step. Each keeps
// its per-parameter state (moments) in GPU tensors of the parameter's shape, created on first use.
import { dispatch, fmt, groupsFor, keep, sameShape, ShapeError, zeros, type Tensor } from '../tensor/index.js';
import { adamwUpdate, sgdMomentumUpdate } from './optimizer-kernels.js';

export interface Optimizer {
  /**
   * Applies one update to every parameter that has a gradient. `grads` maps parameter tensors to
   * their gradients (Tape.backward's result); `lr` is this step's learning rate.
   */
  step(grads: ReadonlyMap<Tensor, Tensor>, lr: number): void;
  /** Steps taken so far. */
  readonly steps: number;
  /** Releases the optimizer state. */
  dispose(): void;
}

export interface ParameterGroup {
  params: readonly Tensor[];
  /** Weight decay for this group (e.g. 0 for biases and batchnorm γ/β). */
  weightDecay: number;
}

function checkGradient(op: string, param: Tensor, grad: Tensor): void {
  if (!sameShape(param.shape, grad.shape)) throw new ShapeError(op, `gradient of shape ${fmt(param.shape)}`, `gradient of shape ${fmt(grad.shape)}`);
}

/** Zero-filled state tensors that outlive the scopes the step runs in. */
function stateFor(param: Tensor): Tensor {
  return keep(zeros(param.shape));
}

abstract class GroupedOptimizer implements Optimizer {
  protected readonly decay = new Map<Tensor, number>();
  protected readonly state = new Map<Tensor, Tensor[]>();
  steps = 0;

  constructor(
    groups: readonly ParameterGroup[],
    private readonly slots: number,
  ) {
    for (const g of groups) for (const p of g.params) this.decay.set(p, g.weightDecay);
  }

  protected slotsOf(param: Tensor): Tensor[] {
    let s = this.state.get(param);
    if (!s) {
      s = Array.from({ length: this.slots }, () => stateFor(param));
      this.state.set(param, s);
    }
    return s;
  }

  step(grads: ReadonlyMap<Tensor, Tensor>, lr: number): void {
    this.steps++;
    for (const [param, wd] of this.decay) {
      const grad = grads.get(param);
      if (!grad) continue;
      checkGradient(this.name, param, grad);
      this.update(param, grad, this.slotsOf(param), lr, wd);
    }
  }

  protected abstract readonly name: string;
  protected abstract update(param: Tensor, grad: Tensor, slots: Tensor[], lr: number, wd: number): void;

  dispose(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
  }
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with decoupled weight decay; wd is multiplied by the learning rate (as in PyTorch's AdamW). */
export class AdamW extends GroupedOptimizer {
  protected readonly name = 'AdamW';
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(groups: readonly ParameterGroup[], o: AdamWOptions = {}) {
    super(groups, 2);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
  }

  protected update(param: Tensor, grad: Tensor, [m, v]: Tensor[], lr: number, wd: number): void {
    const c1 = 1 - this.beta1 ** this.steps;
    const c2 = 1 - this.beta2 ** this.steps;
    dispatch({
      wgsl: adamwUpdate,
      bindings: [param.buffer, grad.buffer, m.buffer, v.buffer],
      ints: [param.size],
      floats: [lr, this.beta1, this.beta2, this.epsilon, wd, 1 / c1, 1 / c2],
      workgroups: groupsFor(param.size, 256),
      flops: 12 * param.size,
    });
  }
}

export interface SgdMomentumOptions {
  momentum?: number;
}

/** SGD with (heavy-ball) momentum and L2 weight decay added to the gradient. */
export class SgdMomentum extends GroupedOptimizer {
  protected readonly name = 'SgdMomentum';
  private readonly momentum: number;

  constructor(groups: readonly ParameterGroup[], o: SgdMomentumOptions = {}) {
    super(groups, 1);
    this.momentum = o.momentum ?? 0.9;
  }

  protected update(param: Tensor, grad: Tensor, [u]: Tensor[], lr: number, wd: number): void {
    dispatch({
      wgsl: sgdMomentumUpdate,
      bindings: [param.buffer, grad.buffer, u.buffer],
      ints: [param.size],
      floats: [lr, this.momentum, wd],
      workgroups: groupsFor(param.size, 256),
      flops: 4 * param.size,
    });
  }
}
