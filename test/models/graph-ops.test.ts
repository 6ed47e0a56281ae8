// The graph ops over the engine's activation and binary tables, run through runGraph: each node's
// output against the float64 references written for the engine ops (test/reference/activations.ts,
// broadcast.ts), rtol 1e-4 + atol 1e-5·max|ref|; shape inference, parameter specs, sign rules,
// guided-backprop behaviour and roles come from the descriptors.
import { describe, expect, it } from 'vitest';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { runGraph } from '../../src/models/execute.js';
import type { Graph, GraphNode } from '../../src/models/graph.js';
import { inferShapes, parameterSpecs } from '../../src/models/shapes.js';
import { negativeValuesPossible } from '../../src/methods/activation-sign.js';
import { keptActivationsNote } from '../../src/methods/guided.js';
import { automaticTarget, inferRoles } from '../../src/models/roles.js';
import { activationRef, erf64 } from '../reference/activations.js';
import { binaryRef } from '../reference/broadcast.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

const X = [2, 3, 5, 3];
const input: GraphNode = { name: 'x', op: 'input', inputs: [], attrs: { height: 3, width: 5, channels: 3 } };

async function run(graph: Graph, x: Float32Array, params = new Map<string, Tensor>()): Promise<Float32Array> {
  const y = tidy(() => runGraph(graph, params, tensor(x, X)).logits);
  const out = await y.read();
  y.dispose();
  return out;
}

function check(ours: Float32Array, ref: Float64Array, what: string): void {
  expectClose(ours, ref, 1e-4, 1e-5 * Math.max(1, maxAbs(ref)), what);
}

describe('activation graph ops = float64 definitions (rtol 1e-4, atol 1e-5·max|ref|), batch 2, 3×5×3', () => {
  const x = randomArray(90, 7, -3, 3);
  const positive = randomArray(90, 8, 0.1, 3);
  const cases: [GraphNode['op'], Record<string, unknown>, (v: number) => number, Float32Array?][] = [
    ['sigmoid', {}, (v) => activationRef.sigmoid(v, 0, 0)],
    ['tanh', {}, Math.tanh],
    ['silu', {}, (v) => activationRef.silu(v, 0, 0)],
    ['hardswish', {}, (v) => activationRef.hardSwish(v, 1 / 6, 0.5)],
    ['hardsigmoid', { alpha: 0.2, beta: 0.5 }, (v) => activationRef.hardSigmoid(v, 0.2, 0.5)],
    ['clip', { min: 0, max: 6 }, (v) => Math.min(Math.max(v, 0), 6)],
    ['clip', { max: 1 }, (v) => Math.min(v, 1)],
    ['leakyrelu', { alpha: 0.1 }, (v) => (v > 0 ? v : 0.1 * v)],
    ['elu', { alpha: 0.7 }, (v) => (v > 0 ? v : 0.7 * (Math.exp(v) - 1))],
    ['selu', {}, (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1))],
    ['gelu', { approximate: 'none' }, (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2))],
    ['gelu', { approximate: 'tanh' }, (v) => activationRef.geluTanh(v, 0, 0)],
    ['softplus', {}, (v) => Math.log1p(Math.exp(v))],
    ['erf', {}, erf64],
    ['sqrt', {}, Math.sqrt, positive],
    ['exp', {}, Math.exp],
    ['log', {}, Math.log, positive],
    ['abs', {}, Math.abs],
    ['neg', {}, (v) => -v],
    ['reciprocal', {}, (v) => 1 / v, positive],
  ];
  for (const [op, attrs, f, data] of cases) {
    it(`${op} ${JSON.stringify(attrs)}`, async () => {
      const graph = { nodes: [input, { name: 'y', op, inputs: ['x'], attrs } as GraphNode] };
      expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual(X);
      const xs = data ?? x;
      check(await run(graph, xs), Float64Array.from(xs, f), op);
    });
  }
});

describe('binary graph ops with broadcasting = float64 NumPy reference (rtol 1e-4, atol 1e-5·max|ref|)', () => {
  const x = randomArray(90, 11, -2, 2);
  const gate = randomArray(6, 12, 0.2, 1.5);
  const refs: Record<string, (a: number, b: number) => number> = {
    sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, max: Math.max, min: Math.min, pow: (a, b) => Math.pow(Math.abs(a), b), add: (a, b) => a + b,
  };
  for (const op of Object.keys(refs)) {
    it(`${op}: [2, 3, 5, 3] ∘ a [2, 1, 1, 3] gate computed by a global pool (the squeeze-excitation shape)`, async () => {
      // The gate is a constant [2, 1, 1, 3] node: an SE gate's shape, broadcast over H and W.
      const graph: Graph = {
        nodes: [
          input,
          { name: 'base', op: 'abs', inputs: ['x'], attrs: {} },
          { name: 'g', op: 'constant', inputs: [], attrs: { shape: [2, 1, 1, 3] } },
          { name: 'y', op, inputs: [op === 'pow' ? 'base' : 'x', 'g'], attrs: {} } as GraphNode,
        ],
      };
      expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual(X);
      const params = new Map([['g/value', tensor(gate, [2, 1, 1, 3])]]);
      const a = op === 'pow' ? Float32Array.from(x, Math.abs) : x;
      check(await run(graph, x, params), binaryRef(refs[op], a, X, gate, [2, 1, 1, 3]), op);
      params.get('g/value')?.dispose();
    });
  }

  it('prelu: a per-channel slope parameter <node>/alpha of shape [C]', async () => {
    const graph: Graph = { nodes: [input, { name: 'y', op: 'prelu', inputs: ['x'], attrs: { slope: [3] } }] };
    expect(parameterSpecs(graph, inferShapes(graph, { batch: 2 }))).toEqual([{ name: 'y/alpha', node: 'y', kind: 'alpha', shape: [3] }]);
    const slope = Float32Array.of(0.1, -0.5, 2);
    const params = new Map([['y/alpha', tensor(slope, [3])]]);
    check(await run(graph, x, params), binaryRef((a, s) => (a > 0 ? a : s * a), x, X, slope, [3]), 'prelu');
    params.get('y/alpha')?.dispose();
  });

  it('shapes that do not broadcast fail naming the node', () => {
    const graph: Graph = { nodes: [input, { name: 'c', op: 'constant', inputs: [], attrs: { shape: [1, 1, 2] } }, { name: 'bad', op: 'mul', inputs: ['x', 'c'], attrs: {} }] };
    expect(() => inferShapes(graph)).toThrow("mul 'bad': expected inputs that broadcast (NumPy rules), given [1, 3, 5, 3] and [1, 1, 2]");
  });
});

describe('descriptors: signs, guided backprop and roles of the new ops', () => {
  // A MobileNetV2-like tail: conv → clip(0, 6) (ReLU6) → inverted residual with an SE gate → hard-swish → pool → dense.
  const graph: Graph = {
    nodes: [
      input,
      { name: 'stem', op: 'conv2d', inputs: ['x'], attrs: { filters: 4, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padding: 'same', useBias: true } },
      { name: 'stem_relu6', op: 'clip', inputs: ['stem'], attrs: { min: 0, max: 6 } },
      { name: 'expand', op: 'conv2d', inputs: ['stem_relu6'], attrs: { filters: 4, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true } },
      { name: 'expand_silu', op: 'silu', inputs: ['expand'], attrs: {} },
      { name: 'se_pool', op: 'avgpool', inputs: ['expand_silu'], attrs: { kernel: [3, 5], strides: [1, 1], padding: 'valid', countIncludePad: false } },
      { name: 'se_gate', op: 'hardsigmoid', inputs: ['se_pool'], attrs: { alpha: 1 / 6, beta: 0.5 } },
      { name: 'se_mul', op: 'mul', inputs: ['expand_silu', 'se_gate'], attrs: {} },
      { name: 'project', op: 'conv2d', inputs: ['se_mul'], attrs: { filters: 4, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true } },
      { name: 'block_add', op: 'add', inputs: ['stem_relu6', 'project'], attrs: {} },
      { name: 'head', op: 'conv2d', inputs: ['block_add'], attrs: { filters: 6, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true } },
      { name: 'head_hswish', op: 'hardswish', inputs: ['head'], attrs: {} },
      { name: 'pool', op: 'globalavgpool', inputs: ['head_hswish'], attrs: {} },
      { name: 'logits', op: 'dense', inputs: ['pool'], attrs: { units: 3, useBias: true } },
    ],
  };

  it('ReLU6 and the hard-sigmoid gate cannot be negative; SiLU, the pool of it, hard-swish and the gated product can', () => {
    const neg = negativeValuesPossible(graph, 'unit');
    expect([...neg].filter(([, v]) => !v).map(([k]) => k)).toEqual(['x', 'stem_relu6', 'se_gate']);
  });

  it('the SE gate, depthwise-like and project nodes inside the residual are residual-branch; the target is the last hard-swish map', () => {
    const roles = inferRoles(graph);
    for (const n of ['expand', 'expand_silu', 'se_pool', 'se_gate', 'se_mul', 'project']) expect(roles.get(n), n).toBe('residual-branch');
    expect(roles.get('block_add')).toBe('feature-map');
    expect(automaticTarget(graph).node).toBe('head_hswish');
  });

  it('guided backprop names the activations it leaves unchanged (ReLU6 is overridden, not named)', () => {
    expect(keptActivationsNote(graph)).toBe(
      "Guided backprop overrides ReLU and ReLU6 only; 3 other activation node(s) (silu, hardsigmoid, hardswish: 'expand_silu', 'se_gate', 'head_hswish') keep their ordinary backward.",
    );
  });
});
