// The graph ops over the engine's activation and binary tables, run through runGraph: each node's
// output against the float64 references written for the engine ops (test/reference/activations.ts,
// broadcast.ts), rtol 1e-4 + atol 1e-5·max|ref|; shape inference, parameter specs, sign rules,
// guided-backprop behaviour and roles come from the descriptors.
import { describe, expect, it } from 'vitest';
import { Tape, tensor, tidy, withOverrides, type Tensor } from '../../src/tensor/index.js';
import { runGraph } from '../../src/models/execute.js';
import { GraphIndex, type Graph, type GraphNode } from '../../src/models/graph.js';
import { planSteps } from '../../src/models/fuse.js';
import { inferShapes, parameterSpecs } from '../../src/models/shapes.js';
import { negativeValuesPossible } from '../../src/methods/activation-sign.js';
import { keptActivationsNote } from '../../src/methods/guided.js';
import { automaticTarget, inferRoles } from '../../src/models/roles.js';
import { activationRef, erf64 } from '../reference/activations.js';
import { binaryRef } from '../reference/broadcast.js';
import { conv2dRef } from '../reference/conv.js';
import { matmulRef } from '../reference/matmul.js';
import { reduceRef } from '../reference/reduce.js';
import { extremeRef, gatherRef, sliceIndices, transposeRef } from '../reference/strided.js';
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
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    max: Math.max,
    min: Math.min,
    pow: (a, b) => Math.abs(a) ** b,
    add: (a, b) => a + b,
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
    check(
      await run(graph, x, params),
      binaryRef((a, s) => (a > 0 ? a : s * a), x, X, slope, [3]),
      'prelu',
    );
    params.get('y/alpha')?.dispose();
  });

  it('shapes that do not broadcast fail naming the node', () => {
    const graph: Graph = {
      nodes: [input, { name: 'c', op: 'constant', inputs: [], attrs: { shape: [1, 1, 2] } }, { name: 'bad', op: 'mul', inputs: ['x', 'c'], attrs: {} }],
    };
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
      {
        name: 'expand',
        op: 'conv2d',
        inputs: ['stem_relu6'],
        attrs: { filters: 4, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true },
      },
      { name: 'expand_silu', op: 'silu', inputs: ['expand'], attrs: {} },
      { name: 'se_pool', op: 'avgpool', inputs: ['expand_silu'], attrs: { kernel: [3, 5], strides: [1, 1], padding: 'valid', countIncludePad: false } },
      { name: 'se_gate', op: 'hardsigmoid', inputs: ['se_pool'], attrs: { alpha: 1 / 6, beta: 0.5 } },
      { name: 'se_mul', op: 'mul', inputs: ['expand_silu', 'se_gate'], attrs: {} },
      {
        name: 'project',
        op: 'conv2d',
        inputs: ['se_mul'],
        attrs: { filters: 4, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true },
      },
      { name: 'block_add', op: 'add', inputs: ['stem_relu6', 'project'], attrs: {} },
      {
        name: 'head',
        op: 'conv2d',
        inputs: ['block_add'],
        attrs: { filters: 6, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid', useBias: true },
      },
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
      'Guided backprop overrides ReLU and ReLU6 only; 3 other activation node(s) (silu, hardsigmoid, ' +
        "hardswish: 'expand_silu', 'se_gate', 'head_hswish') keep their ordinary backward.",
    );
  });
});

describe('layout, reduction, matmul and grouped-conv graph ops = float64 references (rtol 1e-4, atol 1e-5·max|ref|), batch 2, 3×5×3', () => {
  const x = randomArray(90, 21, -2, 2);
  const single = (node: GraphNode): Graph => ({ nodes: [input, node] });

  it('transpose [0, 3, 1, 2] (NHWC → NCHW) = the permuted array', async () => {
    const graph = single({ name: 'y', op: 'transpose', inputs: ['x'], attrs: { perm: [0, 3, 1, 2] } });
    expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual([2, 3, 3, 5]);
    check(await run(graph, x), transposeRef(x, X, [0, 3, 1, 2]), 'transpose');
  });

  it('slice channels 1.. and every second column from the end (negative step)', async () => {
    const graph = single({ name: 'y', op: 'slice', inputs: ['x'], attrs: { starts: [1, -1], ends: [3, -6], axes: [3, 2], steps: [1, -2] } });
    expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual([2, 3, 3, 2]);
    const picks = [[0, 1], [0, 1, 2], sliceIndices(5, -1, -6, -2), sliceIndices(3, 1, 3, 1)];
    check(await run(graph, x), gatherRef(x, X, picks), 'slice');
  });

  for (const [op, kind] of [
    ['reducemean', 'mean'],
    ['reducesum', 'sum'],
  ] as const) {
    it(`${op} over H and W, keepdims (ShuffleNetV2's pooling)`, async () => {
      const graph = single({ name: 'y', op, inputs: ['x'], attrs: { axes: [1, 2], keepdims: true } });
      expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual([2, 1, 1, 3]);
      check(await run(graph, x), reduceRef(x, X, [1, 2], kind), op);
    });
  }

  it('reducemax over channels without keepdims; reducemin over W', async () => {
    const max = single({ name: 'y', op: 'reducemax', inputs: ['x'], attrs: { axes: [-1], keepdims: false } });
    expect(inferShapes(max, { batch: 2 }).get('y')).toEqual([2, 3, 5]);
    check(await run(max, x), extremeRef(Math.max, x, X, [3]), 'reducemax');
    const min = single({ name: 'y', op: 'reducemin', inputs: ['x'], attrs: { axes: [2], keepdims: true } });
    check(await run(min, x), extremeRef(Math.min, x, X, [2]), 'reducemin');
  });

  it('matmul [2, 3, 5, 3] · a constant [3, 4] (a Linear layer on NHWC, as ConvNeXt)', async () => {
    const w = randomArray(12, 22);
    const graph: Graph = {
      nodes: [input, { name: 'w', op: 'constant', inputs: [], attrs: { shape: [3, 4] } }, { name: 'y', op: 'matmul', inputs: ['x', 'w'], attrs: {} }],
    };
    expect(inferShapes(graph, { batch: 2 }).get('y')).toEqual([2, 3, 5, 4]);
    const params = new Map([['w/value', tensor(w, [3, 4])]]);
    check(await run(graph, x, params), matmulRef(x, [30, 3], w, [3, 4]), 'matmul');
    params.get('w/value')?.dispose();
  });

  it('depthwise conv2d (groups = 3 = channels, multiplier 2), stride 2, same padding: kernel [3, 3, 1, 6]', async () => {
    const graph = single({
      name: 'y',
      op: 'conv2d',
      inputs: ['x'],
      attrs: { filters: 6, kernel: [3, 3], strides: [2, 2], dilations: [1, 1], padding: 'same', useBias: false, groups: 3 },
    });
    const shapes = inferShapes(graph, { batch: 2 });
    expect(shapes.get('y')).toEqual([2, 2, 3, 6]);
    expect(parameterSpecs(graph, shapes).map((p) => p.shape)).toEqual([[3, 3, 1, 6]]);
    const w = randomArray(54, 23);
    const params = new Map([['y/kernel', tensor(w, [3, 3, 1, 6])]]);
    const geometry = { strides: [2, 2] as [number, number], dilations: [1, 1] as [number, number], pad: { top: 1, bottom: 1, left: 1, right: 1 } };
    check(await run(graph, x, params), conv2dRef(x, X, w, [3, 3, 1, 6], geometry, undefined, 3), 'depthwise');
    params.get('y/kernel')?.dispose();
  });
});

describe('normalization graph ops = float64 definitions (rtol 1e-4, atol 1e-5·max|ref|)', () => {
  const x = randomArray(90, 31, -2, 2);

  it('layernorm over channels with gamma and beta (epsilon 1e-6, as ConvNeXt)', async () => {
    const graph: Graph = { nodes: [input, { name: 'y', op: 'layernorm', inputs: ['x'], attrs: { epsilon: 1e-6, scale: true, center: true } }] };
    expect(parameterSpecs(graph, inferShapes(graph, { batch: 2 })).map((p) => [p.name, p.shape])).toEqual([
      ['y/gamma', [3]],
      ['y/beta', [3]],
    ]);
    const gamma = Float32Array.of(0.5, 1.5, -1),
      beta = Float32Array.of(0.1, -0.2, 0.3);
    const ref = new Float64Array(90);
    for (let p = 0; p < 30; p++) {
      const v = [0, 1, 2].map((c) => x[p * 3 + c]);
      const mu = (v[0] + v[1] + v[2]) / 3;
      const variance = v.reduce((s, e) => s + (e - mu) ** 2, 0) / 3;
      v.forEach((e, c) => (ref[p * 3 + c] = ((e - mu) / Math.sqrt(variance + 1e-6)) * gamma[c] + beta[c]));
    }
    const params = new Map([
      ['y/gamma', tensor(gamma, [3])],
      ['y/beta', tensor(beta, [3])],
    ]);
    check(await run(graph, x, params), ref, 'layernorm');
    for (const t of params.values()) t.dispose();
  });

  it('lrn across channels, size 3 (ONNX: y = x / (bias + alpha/size · Σ x²)^beta)', async () => {
    const attrs = { size: 3, alpha: 0.2, beta: 0.75, bias: 1.5 };
    const graph: Graph = { nodes: [input, { name: 'y', op: 'lrn', inputs: ['x'], attrs }] };
    const ref = Float64Array.from(x, (v, i) => {
      const c = i % 3,
        base = i - c;
      let s = 0;
      for (let k = Math.max(0, c - 1); k <= Math.min(2, c + 1); k++) s += x[base + k] ** 2;
      return v / (attrs.bias + (attrs.alpha / attrs.size) * s) ** attrs.beta;
    });
    check(await run(graph, x), ref, 'lrn');
  });
});

describe('fusion of the new nets’ chains: depthwise conv → ReLU6, conv → hard-swish, project conv → residual add', () => {
  // An inverted residual, as MobileNetV2/V3 exports write it (batchnorm folded into the convs).
  const conv = (name: string, x: string, filters: number, kernel: number, groups?: number): GraphNode => ({
    name,
    op: 'conv2d',
    inputs: [x],
    attrs: { filters, kernel: [kernel, kernel], strides: [1, 1], dilations: [1, 1], padding: 'same', useBias: true, ...(groups ? { groups } : {}) },
  });
  const graph: Graph = {
    nodes: [
      input,
      conv('expand', 'x', 8, 1),
      { name: 'expand_hswish', op: 'hardswish', inputs: ['expand'], attrs: {} },
      conv('dw', 'expand_hswish', 8, 3, 8),
      { name: 'dw_relu6', op: 'clip', inputs: ['dw'], attrs: { min: 0, max: 6 } },
      conv('project', 'dw_relu6', 3, 1),
      { name: 'out', op: 'add', inputs: ['x', 'project'], attrs: {} },
    ],
  };
  const specs = parameterSpecs(graph, inferShapes(graph, { batch: 2 }));
  const x = randomArray(90, 41, -2, 2);

  it('plans three fused steps: expand+hard-swish, depthwise+ReLU6, project+add', () => {
    const steps = planSteps(new GraphIndex(graph), { enabled: true, held: new Set(['out']), canFold: () => true });
    expect(steps.map((s) => (s.kind === 'conv' ? `${s.nodes.join('+')}:${s.activation?.kind ?? '-'}` : s.output))).toEqual([
      'expand+expand_hswish:hardSwish',
      'dw+dw_relu6:clip',
      'project+out:-',
    ]);
  });

  it(
    'the fused run equals the unfused one (1e-5 relative; each unfused op is tested against float64 ' + 'above) and guided backprop still counts the ReLU6',
    async () => {
      const params = new Map(
        specs.map((p, i) => [
          p.name,
          tensor(
            randomArray(
              p.shape.reduce((a, b) => a * b, 1),
              50 + i,
              -0.5,
              0.5,
            ),
            p.shape,
          ),
        ]),
      );
      const forward = async (fuse: boolean) => {
        const y = tidy(() => runGraph(graph, params, tensor(x, X), {}, { fuse }).logits);
        const out = await y.read();
        y.dispose();
        return out;
      };
      const fused = await forward(true);
      expectClose(fused, await forward(false), 1e-5, 1e-6 * maxAbs(fused), 'fused vs unfused');
      const guidedCount = (fuse: boolean) => {
        const input = tensor(x, X);
        input.requiresGrad = true;
        const tape = new Tape();
        const r = tape.record(() => tidy(() => runGraph(graph, params, input, {}, { fuse })));
        const { grads, overridden } = withOverrides({ relu: 'guided', relu6: 'guided' }, () =>
          tape.backward(r.logits, tensor(new Float32Array(r.logits.size).fill(1), r.logits.shape)),
        );
        for (const g of grads.values()) g.dispose();
        tape.dispose();
        r.logits.dispose();
        input.dispose();
        return overridden.relu6 ?? 0;
      };
      expect(guidedCount(true)).toBe(1);
      expect(guidedCount(false)).toBe(1);
      for (const t of params.values()) t.dispose();
    },
  );
});
