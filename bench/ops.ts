// Kernel rows: convolutions (forward, input gradient alone, and the input gradient against our own
// forward of the same shape: the "input gradient at ≥ 0.9× the forward's GFLOP/s" is a time
// ratio ≤ 1.11) and a square matmul, against tfjs-backend-webgpu on the same adapter.
import { tensor, type Tensor } from '../src/tensor/index.js';
import { conv2d, conv2dInputGradient } from '../src/ops/conv2d.js';
import { matmul } from '../src/ops/matmul.js';
import type { Tf } from './peer-tfjs.js';
import type { BenchRow, Suite } from './rows.js';
import { winogradRows } from './winograd.js';

export function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

interface ConvShape {
  name: string;
  h: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
}

/** ResNet50V2's shapes: a 56×56 3×3, a pointwise at 14×14, the strided 3×3, and the small maps. */
export const CONV_SHAPES: readonly ConvShape[] = [
  { name: 'conv 3×3 56×56×64→64', h: 56, cin: 64, cout: 64, k: 3, stride: 1 },
  { name: 'conv 1×1 14×14×1024→256', h: 14, cin: 1024, cout: 256, k: 1, stride: 1 },
  { name: 'conv 3×3/2 28×28×128→128', h: 28, cin: 128, cout: 128, k: 3, stride: 2 },
  { name: 'conv 3×3 14×14×256→256', h: 14, cin: 256, cout: 256, k: 3, stride: 1 },
  { name: 'conv 3×3 7×7×512→512', h: 7, cin: 512, cout: 512, k: 3, stride: 1 },
];

export async function readAndDispose(t: Tensor): Promise<void> {
  await t.read();
  t.dispose();
}

function convRows(s: ConvShape, tf: Tf | undefined, pairs: number, tensors: { dispose(): void }[]): BenchRow[] {
  const xData = randomData(s.h * s.h * s.cin, 1);
  const wData = randomData(s.k * s.k * s.cin * s.cout, 2);
  const oh = Math.ceil(s.h / s.stride);
  const gyData = randomData(oh * oh * s.cout, 3);
  const xShape = [1, s.h, s.h, s.cin];
  const opts = { padding: 'same' as const, strides: [s.stride, s.stride] as [number, number] };
  const x = tensor(xData, xShape);
  const w = tensor(wData, [s.k, s.k, s.cin, s.cout]);
  const gy = tensor(gyData, [1, oh, oh, s.cout]);
  tensors.push(x, w, gy);
  const forward = () => readAndDispose(conv2d(x, w, opts));
  const inputGradient = () => readAndDispose(conv2dInputGradient(xShape, w, gy, opts));
  const flops = 2 * oh * oh * s.cin * s.cout * s.k * s.k;
  const peer =
    tf &&
    (() => {
      const tx = tf.tensor4d(xData, xShape as [number, number, number, number]);
      const tw = tf.tensor4d(wData, [s.k, s.k, s.cin, s.cout]);
      const tgy = tf.tensor4d(gyData, [1, oh, oh, s.cout]);
      tensors.push(tx, tw, tgy);
      const run = async (t: { data(): Promise<unknown>; dispose(): void }) => {
        await t.data();
        t.dispose();
      };
      return {
        forward: () => run(tf.conv2d(tx, tw, s.stride, 'same')),
        // tf.conv2dTranspose is tfjs' conv2dDerInput: the input gradient alone.
        inputGradient: () => run(tf.conv2dTranspose(tgy, tw, [1, s.h, s.h, s.cin], s.stride, 'same')),
      };
    })();
  return [
    { name: `${s.name} forward`, flops, ours: forward, theirs: peer?.forward, theirsName: peer && 'tfjs-webgpu', pairs, warmup: 2 },
    { name: `${s.name} input gradient`, flops, ours: inputGradient, theirs: peer?.inputGradient, theirsName: peer && 'tfjs conv2dTranspose', pairs, warmup: 2 },
    {
      name: `${s.name} input gradient vs forward`,
      flops,
      ours: inputGradient,
      theirs: forward,
      theirsName: 'ours: forward',
      pairs,
      warmup: 1,
      target: '≤ 1.11',
    },
    ...(s.k === 3 && s.stride === 1
      ? [...winogradRows(`${s.name} forward`, forward, pairs, flops), ...winogradRows(`${s.name} input gradient`, inputGradient, pairs, flops)]
      : []),
  ];
}

function matmulRow(tf: Tf | undefined, pairs: number, tensors: { dispose(): void }[]): BenchRow {
  const n = 1024;
  const aData = randomData(n * n, 4),
    bData = randomData(n * n, 5);
  const a = tensor(aData, [n, n]),
    b = tensor(bData, [n, n]);
  tensors.push(a, b);
  let theirs: (() => Promise<void>) | undefined;
  if (tf) {
    const ta = tf.tensor2d(aData, [n, n]),
      tb = tf.tensor2d(bData, [n, n]);
    tensors.push(ta, tb);
    theirs = async () => {
      const y = tf.matMul(ta, tb);
      await y.data();
      y.dispose();
    };
  }
  return { name: 'matmul 1024³', flops: 2 * n ** 3, ours: () => readAndDispose(matmul(a, b)), theirs, theirsName: theirs && 'tfjs-webgpu', pairs, warmup: 2 };
}

export function opSuites(tf: Tf | undefined, pairs: number): Suite[] {
  const suite = (name: string, make: (tensors: { dispose(): void }[]) => BenchRow[]): Suite => ({
    name,
    build: async () => {
      const tensors: { dispose(): void }[] = [];
      const rows = make(tensors);
      return { rows, dispose: () => tensors.forEach((t) => t.dispose()) };
    },
  });
  return [...CONV_SHAPES.map((s) => suite(s.name, (t) => convRows(s, tf, pairs, t))), suite('matmul', (t) => [matmulRow(tf, pairs, t)])];
}
