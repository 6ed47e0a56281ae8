// Runs one op forward and backward inside the page, on the browser's WebGPU (bundled for the browser by
// op-kernels.test.ts). Inputs, options and the output seed come in as plain numbers; the output and
// the gradients go back as plain numbers, compared in Node against references computed there.
import { initGpu, Tape, tensor, type Tensor } from '../../src/browser.js';
import { batchNorm, batchNormCoefficients } from '../../src/ops/batchnorm.js';
import { concat } from '../../src/ops/concat.js';
import { conv2d, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { dense } from '../../src/ops/dense.js';
import { avgPool, globalAvgPool, maxPool, type AvgPool2dOptions, type Pool2dOptions } from '../../src/ops/pool.js';
import { sharedRowsAvailable } from '../../src/ops/tiles.js';

export interface Input {
  shape: number[];
  data: number[];
  /** Whether its gradient is asked for. */
  grad: boolean;
}

export interface OpCase {
  op: 'conv2d' | 'conv2d-fused' | 'batchnorm' | 'maxpool' | 'avgpool' | 'globalavgpool' | 'dense' | 'concat';
  inputs: Record<string, Input>;
  options: Record<string, unknown>;
  seed: { shape: number[]; data: number[] };
}

export interface OpResult {
  shape: number[];
  y: number[];
  grads: Record<string, number[]>;
  /** Whether the browser's device ran shared-row GEMM tiles (subgroups of ≥ 8 lanes). */
  sharedRows: boolean;
}

function run(c: OpCase, t: Record<string, Tensor>): Tensor {
  const o = c.options;
  switch (c.op) {
    case 'conv2d':
      return conv2d(t.x, t.w, { ...(o as Conv2dOptions), bias: t.b });
    case 'conv2d-fused': {
      // The coefficients take no gradient; they join the inputs so that they are disposed with them.
      const affine = batchNormCoefficients({ mean: t.mean, variance: t.variance, gamma: t.gamma, beta: t.beta, epsilon: o.epsilon as number });
      t.affine = affine;
      return conv2d(t.x, t.w, { ...(o as Conv2dOptions), bias: t.b, epilogue: { affine, residual: t.residual, relu: true } });
    }
    case 'batchnorm':
      return batchNorm(t.x, { mean: t.mean, variance: t.variance, gamma: t.gamma, beta: t.beta, epsilon: o.epsilon as number });
    case 'maxpool':
      return maxPool(t.x, o as unknown as Pool2dOptions);
    case 'avgpool':
      return avgPool(t.x, o as unknown as AvgPool2dOptions);
    case 'globalavgpool':
      return globalAvgPool(t.x);
    case 'dense':
      return dense(t.x, t.w, t.b);
    case 'concat':
      return concat([t.a, t.b, t.c], o.axis as number);
  }
}

async function runOpCase(c: OpCase): Promise<OpResult> {
  await initGpu();
  const tensors: Record<string, Tensor> = {};
  for (const [name, input] of Object.entries(c.inputs)) {
    const t = tensor(new Float32Array(input.data), input.shape);
    t.requiresGrad = input.grad;
    tensors[name] = t;
  }
  const tape = new Tape();
  try {
    const y = tape.record(() => run(c, tensors));
    const { grads } = tape.backward(y, tensor(new Float32Array(c.seed.data), c.seed.shape));
    const out: OpResult = { shape: [...y.shape], y: Array.from(await y.read()), grads: {}, sharedRows: sharedRowsAvailable() };
    for (const [name, input] of Object.entries(c.inputs)) {
      if (!input.grad) continue;
      const g = grads.get(tensors[name]);
      if (!g) throw new Error(`no gradient for '${name}'`);
      out.grads[name] = Array.from(await g.read());
    }
    return out;
  } finally {
    tape.dispose();
    for (const t of Object.values(tensors)) t.dispose();
  }
}

(globalThis as { runOpCase?: typeof runOpCase }).runOpCase = runOpCase;
