// Initial parameters for training a graph from scratch, deterministic from a seed: He-normal conv
// kernels (fan-in, for ReLU nets), Glorot-uniform dense kernels, zero biases and β, unit γ, and
// running statistics 0 (mean) / 1 (variance) as Keras starts them.
import { Random, hashWords } from '../data/random.js';
import type { Graph } from '../models/graph.js';
import { parameterSpecs } from '../models/shapes.js';

/** Box–Muller standard normal from two uniforms. */
function normal(rng: Random): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function initialParameters(graph: Graph, seed: number): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const ops = new Map(graph.nodes.map((n) => [n.name, n.op]));
  parameterSpecs(graph).forEach((spec, k) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const rng = new Random(hashWords(seed, k));
    if (spec.kind === 'kernel' && ops.get(spec.node) === 'conv2d') {
      const fanIn = spec.shape[0] * spec.shape[1] * spec.shape[2];
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) data[i] = std * normal(rng);
    } else if (spec.kind === 'kernel') {
      const [fanIn, fanOut] = spec.shape;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = rng.range(-limit, limit);
    } else if (spec.kind === 'gamma' || spec.kind === 'moving_variance') {
      data.fill(1);
    }
    out.set(spec.name, { shape: spec.shape, data });
  });
  return out;
}
