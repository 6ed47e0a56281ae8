// Random weights for timing the full-size networks without downloading anything. Scaled so that
// activations neither vanish nor blow up through 50 layers (He-uniform kernels, batchnorm near the
// identity), because denormals or infinities could change how fast a CPU-emulated GPU runs.
import { tensor, type Tensor } from '../src/tensor/index.js';
import { Model, nativeModel, parameterSpecs } from '../src/models/index.js';

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return a;
}

export function randomNativeModel(name: string): Model {
  const definition = nativeModel(name);
  const weights = new Map<string, Tensor>();
  parameterSpecs(definition.graph).forEach((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const seed = 7919 * (i + 1);
    const fanIn = n / p.shape[p.shape.length - 1];
    const limit = Math.sqrt(6 / fanIn);
    const data =
      p.kind === 'kernel'
        ? uniform(n, seed, -limit, limit)
        : p.kind === 'gamma' || p.kind === 'moving_variance'
          ? uniform(n, seed, 0.8, 1.2)
          : uniform(n, seed, -0.1, 0.1);
    weights.set(p.name, tensor(data, p.shape));
  });
  return new Model(definition, weights);
}
