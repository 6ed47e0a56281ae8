// One gradient-flow pass: ONE forward (shortcuts optionally scaled) and ONE backward of the class
// logit deliver the gradient at every block input, every Add output and every extra node asked
// for (the Grad-CAM nodes); then each block's input gradient is split into its shortcut and branch
// parts (gradflow-split.ts). Everything is read back to the CPU; no tensor outlives the pass.
import { tensor, Tape, tidy, zeros, type Shape, type Tensor } from '../tensor/index.js';
import type { RunResult } from '../models/execute.js';
import type { Model } from '../models/model.js';
import { argmax } from '../methods/classes.js';
import { assertSingleImage } from '../methods/gradient-cams.js';
import type { ResidualBlock } from './gradflow-blocks.js';
import { splitAtBlockInput } from './gradflow-split.js';

export interface BlockGradients {
  block: ResidualBlock;
  /** ∂y/∂(block input) from the backward through the whole network. */
  total: Float32Array;
  /** The part of it that arrived through the shortcut (scale included). */
  skip: Float32Array;
  /** The part that arrived through the residual branch. */
  branch: Float32Array;
  /** ∂y/∂(Add output). */
  atOutput: Float32Array;
}

export interface NodeTap {
  shape: Shape;
  activation: Float32Array;
  gradient: Float32Array;
}

export interface FlowPass {
  skipScale: number;
  classIndex: number;
  logits: Float32Array;
  blocks: BlockGradients[];
  /** Activations and gradients of the extra nodes, by name. */
  taps: Map<string, NodeTap>;
}

export interface FlowPassOptions {
  /** Default: the top-1 class of this pass's logits. */
  classIndex?: number;
  /** Factor on every shortcut (1: the network as it is). */
  skipScale: number;
  /** Nodes whose activation and gradient to hand back as well. */
  taps?: readonly string[];
}

function disposeRun(run: RunResult, input: Tensor): void {
  run.logits.dispose();
  for (const t of run.activations.values()) if (t !== input) t.dispose();
}

export async function flowPass(model: Model, input: Tensor, blocks: readonly ResidualBlock[], options: FlowPassOptions): Promise<FlowPass> {
  assertSingleImage('gradflow', input);
  const { skipScale } = options;
  if (!(skipScale >= 0 && skipScale <= 1)) throw new RangeError(`gradflow: the shortcut scale must be in [0, 1], given ${skipScale}`);
  const inputScales = skipScale === 1 ? [] : blocks.map((b) => ({ node: b.add, input: b.skipInput, scale: skipScale }));
  const taps = options.taps ?? [];
  const watched = [...new Set([...blocks.flatMap((b) => [b.blockInput, b.add]), ...taps])];
  const inputRequiredGrad = input.requiresGrad;
  const tape = new Tape();
  let run: RunResult | undefined;
  let grads = new Map<string, Tensor>();
  try {
    run = tidy(() => tape.record(() => model.run(input, { watch: watched }, { inputScales })));
    const logits = await run.logits.read();
    const classIndex = options.classIndex ?? argmax(logits);
    const classes = run.logits.shape[1];
    const seed = new Float32Array(classes);
    seed[classIndex] = 1;
    const result = run;
    grads = tidy(() => {
      const byTensor = tape.backward(result.logits, tensor(seed, [1, classes])).grads;
      // A watched tensor the logit does not depend on gets no entry: its gradient is zero.
      return new Map(
        watched.map((name) => {
          const a = result.activations.get(name) as Tensor;
          return [name, byTensor.get(a) ?? zeros(a.shape)];
        }),
      );
    });
    tape.dispose();

    const out: BlockGradients[] = [];
    for (const block of blocks) {
      const x = run.activations.get(block.blockInput) as Tensor;
      const gAdd = grads.get(block.add) as Tensor;
      const parts = splitAtBlockInput(model, block, x, gAdd, skipScale);
      try {
        const [total, skip, branch, atOutput] = await Promise.all([grads.get(block.blockInput) as Tensor, parts.skip, parts.branch, gAdd].map((t) => t.read()));
        out.push({ block, total, skip, branch, atOutput });
      } finally {
        parts.skip.dispose();
        parts.branch.dispose();
      }
    }
    const tapped = new Map<string, NodeTap>();
    for (const name of taps) {
      const a = run.activations.get(name) as Tensor;
      const [activation, gradient] = await Promise.all([a.read(), (grads.get(name) as Tensor).read()]);
      tapped.set(name, { shape: a.shape, activation, gradient });
    }
    return { skipScale, classIndex, logits, blocks: out, taps: tapped };
  } finally {
    tape.dispose();
    for (const g of grads.values()) g.dispose();
    if (run) disposeRun(run, input);
    input.requiresGrad = inputRequiredGrad;
  }
}
