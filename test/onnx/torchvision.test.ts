// torchvision's common CNN architectures (random weights, exported to ONNX at opset 13 by torch 1.13,
// 64×64 input) imported as graphs: logits against onnxruntime-node on the same file and input within
// 1e-4·max|logit|; the automatic Grad-CAM target per net; roles inside inverted-residual, SE and
// ConvNeXt blocks; residual blocks found by gradient flow; input gradients against central
// differences of onnxruntime's logit (directional, 3 directions, 2e-2 relative).
import { describe, expect, it } from 'vitest';
import { automaticTarget } from '../../src/models/roles.js';
import { inferShapes } from '../../src/models/shapes.js';
import { residualBlocks } from '../../src/analyses/gradflow-blocks.js';
import { decodeOnnxModel } from '../../tools/convert-weights/onnx.js';
import { importOnnxGraph, type ImportedOnnxGraph } from '../../tools/convert-weights/onnx-graph.js';
import { importedInputGradient, nhwcToNchw, runImported, runOrt } from '../fixtures/onnx-runtime.js';
import { torchvisionOnnx, ZOO_SIZE } from '../fixtures/torchvision-zoo.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';

const DIMS = [1, 3, ZOO_SIZE, ZOO_SIZE];
const input = randomArray(3 * ZOO_SIZE * ZOO_SIZE, 64, -2, 2);

interface Net {
  name: string;
  /** The automatic target: the last full feature map before pooling. */
  target: string;
  /** Residual blocks gradient flow finds (each Add with its shortcut). */
  blocks: number;
}

const NETS: Net[] = [
  { name: 'mobilenet_v2', target: '/features/features.18/features.18.2/Clip', blocks: 10 },
  { name: 'mobilenet_v3_small', target: '/features/features.12/features.12.2/Mul', blocks: 6 },
  { name: 'efficientnet_b0', target: '/features/features.8/features.8.2/Mul', blocks: 9 },
  { name: 'resnext50_32x4d', target: '/layer4/layer4.2/relu_2/Relu', blocks: 16 },
  { name: 'regnet_y_400mf', target: '/trunk_output/block4/block4-5/activation/Relu', blocks: 16 },
  { name: 'shufflenet_v2_x1_0', target: '/conv5/conv5.2/Relu', blocks: 0 },
  { name: 'convnext_tiny', target: '/features/features.7/features.7.2/Add', blocks: 18 },
  { name: 'densenet121', target: '/Relu', blocks: 0 },
  { name: 'squeezenet1_1', target: '/classifier/classifier.2/Relu', blocks: 0 },
  { name: 'resnet18', target: '/layer4/layer4.1/relu_1/Relu', blocks: 8 },
];

const imports = new Map<string, ImportedOnnxGraph>();
function imported(name: string): ImportedOnnxGraph {
  const cached = imports.get(name);
  if (cached) return cached;
  const g = importOnnxGraph(decodeOnnxModel(torchvisionOnnx(name), `${name}.onnx`));
  imports.set(name, g);
  return g;
}

describe('torchvision nets from ONNX = onnxruntime-node (|Δ| ≤ 1e-4·max|logit|), 64×64, random weights', () => {
  for (const net of NETS) {
    it(`${net.name}: logits; automatic target ${net.target}; ${net.blocks} residual blocks`, async () => {
      const g = imported(net.name);
      const ours = await runImported(g, input, DIMS);
      const ref = (await runOrt(torchvisionOnnx(net.name), { input: { data: input, dims: DIMS } }, ['logits'])).get('logits') as Float32Array;
      expect(ours.output.length).toBe(1000);
      expect(maxAbs(ref)).toBeGreaterThan(0);
      expectClose(ours.output, ref, 0, 1e-4 * maxAbs(ref), `${net.name} logits`);
      const worst = ours.output.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
      console.log(`${net.name}: max|Δ| / max|logit| = ${(worst / maxAbs(ref)).toExponential(1)}`);
      const shapes = inferShapes(g.graph);
      const target = automaticTarget(g.graph, shapes);
      expect(target.node).toBe(net.target);
      expect(target.reason).toMatch(/is the last feature map with spatial size > 1, and it reaches the output only through/);
      expect(residualBlocks(g.graph, shapes)).toHaveLength(net.blocks);
    });
  }
});

describe('roles inside the blocks of the new architectures (structural, from the imported graph)', () => {
  const blockRoles = (name: string, prefix: string) =>
    imported(name)
      .graph.nodes.filter((n) => n.name.startsWith(prefix) && n.op !== 'constant')
      .map((n) => [n.op, n.role]);

  it('MobileNetV2 inverted residual: expand, depthwise and project convs (and their ReLU6) are residual-branch, the Add a feature map', () => {
    expect(blockRoles('mobilenet_v2', '/features/features.3/')).toEqual([
      ['conv2d', 'residual-branch'],
      ['clip', 'residual-branch'],
      ['conv2d', 'residual-branch'],
      ['clip', 'residual-branch'],
      ['conv2d', 'residual-branch'],
      ['add', 'feature-map'],
    ]);
    expect(imported('mobilenet_v2').graph.nodes.find((n) => n.name === '/features/features.3/conv/conv.1/conv.1.0/Conv')?.attrs).toMatchObject({ groups: 144 });
  });

  it('EfficientNet MBConv: the SE gate (pool, fc, SiLU, sigmoid, mul) and the depthwise and project convs are residual-branch', () => {
    const roles = blockRoles('efficientnet_b0', '/features/features.2/features.2.1/');
    expect(roles.at(-1)).toEqual(['add', 'feature-map']);
    // The SE pool is [N, C] (no role: not a 4-D map); every other node is residual-branch.
    expect(
      roles
        .slice(0, -1)
        .filter(([op]) => op !== 'globalavgpool')
        .every(([, role]) => role === 'residual-branch'),
    ).toBe(true);
    expect(roles.map(([op]) => op)).toContain('sigmoid');
  });

  it('ConvNeXt block: the permutes cost nothing (identity nodes), LayerNorm and the Linear layers run channels-last inside the residual branch', () => {
    const roles = blockRoles('convnext_tiny', '/features/features.1/features.1.1/');
    expect(roles.filter(([op]) => op === 'transpose')).toEqual([]);
    expect(roles.filter(([op]) => op === 'identity')).toHaveLength(2);
    expect(roles.filter(([op]) => op === 'matmul')).toHaveLength(2);
    expect(roles.at(-1)).toEqual(['add', 'feature-map']);
    expect(roles.slice(0, -1).every(([, role]) => role === 'residual-branch')).toBe(true);
  });
});

/**
 * Directions v = g ⊙ r (r uniform in [0, 1], seeded), scaled to max|v| = 1: the derivative along v is
 * then far above float32's resolution of the logit even where random weights make gradients tiny.
 * Tolerance 2e-2·|ref| plus the rounding of the two float32 logits, 8·|logit|·2⁻²⁴/h.
 */
describe('input gradients = central differences of onnxruntime along 3 directions (2e-2 relative)', () => {
  // Smooth nets (SiLU, hard-swish, GELU): central differences converge; ReLU nets with random weights
  // cross kinks within any step large enough to beat float32 rounding (ShuffleNetV2: 6 % at h = 1e-2, 32 % at 0.1;
  // MobileNetV3-small, whose hard-swish and ReLU have kinks too: 1.7–1.9 % at 1e-2): those two are checked
  // against float64 central differences in torchvision-gradients.test.ts.
  const cases = [
    ['efficientnet_b0', 'depthwise convs, SiLU, squeeze-excitation gates'],
    ['convnext_tiny', 'free permutes, decomposed LayerNorm and GELU, matmul on NHWC'],
  ] as const;
  for (const [name, what] of cases) {
    it(`${name}: ${what} (h = 1e-2)`, async () => {
      const h = 1e-2;
      const g = imported(name);
      const pass = await importedInputGradient(name, g, input, DIMS);
      const grad = nhwcToNchw(pass.gradient, pass.feed.shape);
      const bytes = torchvisionOnnx(name);
      const logit = async (data: Float32Array) =>
        ((await runOrt(bytes, { input: { data, dims: DIMS } }, ['logits'])).get('logits') as Float32Array)[pass.classIndex];
      const f0 = await logit(input);
      for (let k = 0; k < 3; k++) {
        const r = randomArray(input.length, 300 + k, 0, 1);
        const scale = 1 / maxAbs(grad.map((gi, i) => gi * r[i]));
        const v = Float32Array.from(r, (ri, i) => ri * grad[i] * scale);
        const plus = Float32Array.from(input, (xi, i) => xi + h * v[i]);
        const minus = Float32Array.from(input, (xi, i) => xi - h * v[i]);
        const fd = ((await logit(plus)) - (await logit(minus))) / (2 * h);
        let ours = 0;
        for (let i = 0; i < v.length; i++) ours += grad[i] * v[i];
        console.log(`${name} direction ${k}: relative error ${(Math.abs(ours - fd) / Math.abs(fd)).toExponential(1)}`);
        expect(Math.abs(ours - fd), `direction ${k}: ours ${ours}, central differences ${fd}`).toBeLessThanOrEqual(
          2e-2 * Math.abs(fd) + (8 * Math.abs(f0) * 2 ** -24) / h,
        );
      }
    });
  }
});
