// `npm run bench`: our kernels against tfjs-backend-webgpu on the same Dawn adapter, in one run,
// reported side by side as GFLOP/s and as the ratio of times (ours / theirs; below 1 = we are faster).
import { initGpu, releaseGpu, Tape, tensor, tidy, watch } from '../src/tensor/index.js';
import { conv2d } from '../src/ops/conv2d.js';
import { matmul } from '../src/ops/matmul.js';
import { tfjsWebgpu, type Tf } from './peer-tfjs.js';
import { time } from './timing.js';

interface Case {
  name: string;
  flops: number;
  ours: () => Promise<void>;
  theirs: () => Promise<void>;
}

function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

function convCases(tf: Tf): Case[] {
  const shapes: { name: string; h: number; cin: number; cout: number; k: number }[] = [
    { name: 'conv 3×3 56×56×64→64', h: 56, cin: 64, cout: 64, k: 3 },
    { name: 'conv 1×1 14×14×1024→256', h: 14, cin: 1024, cout: 256, k: 1 },
  ];
  const cases: Case[] = [];
  for (const s of shapes) {
    const xData = randomData(s.h * s.h * s.cin, 1);
    const wData = randomData(s.k * s.k * s.cin * s.cout, 2);
    const x = tensor(xData, [1, s.h, s.h, s.cin]);
    const w = tensor(wData, [s.k, s.k, s.cin, s.cout]);
    const tx = tf.tensor4d(xData, [1, s.h, s.h, s.cin]);
    const tw = tf.tensor4d(wData, [s.k, s.k, s.cin, s.cout]);
    const flops = 2 * s.h * s.h * s.cin * s.cout * s.k * s.k;
    cases.push({
      name: `${s.name} forward`,
      flops,
      ours: async () => {
        const y = conv2d(x, w, { padding: 'same' });
        await y.read();
        y.dispose();
      },
      theirs: async () => {
        const y = tf.conv2d(tx, tw, 1, 'same');
        await y.data();
        y.dispose();
      },
    });
    const seedData = randomData(s.h * s.h * s.cout, 3);
    const seed = tensor(seedData, [1, s.h, s.h, s.cout]);
    const tSeed = tf.tensor4d(seedData, [1, s.h, s.h, s.cout]);
    const tfInputGrad = tf.grad((xi) => tf.conv2d(xi as typeof tx, tw, 1, 'same'));
    cases.push({
      name: `${s.name} input gradient`,
      flops,
      ours: async () => {
        const xi = tensor(xData, [1, s.h, s.h, s.cin]);
        watch(xi);
        const tape = new Tape();
        const gx = tidy(() => {
          const y = tape.record(() => conv2d(xi, w, { padding: 'same' }));
          return tape.backward(y, seed).grads.get(xi)!;
        });
        tape.dispose();
        await gx.read();
        gx.dispose();
        xi.dispose();
      },
      theirs: async () => {
        const gx = tfInputGrad(tx, tSeed);
        await gx.data();
        gx.dispose();
      },
    });
  }
  return cases;
}

function matmulCase(tf: Tf): Case {
  const n = 1024;
  const aData = randomData(n * n, 4);
  const bData = randomData(n * n, 5);
  const a = tensor(aData, [n, n]);
  const b = tensor(bData, [n, n]);
  const ta = tf.tensor2d(aData, [n, n]);
  const tb = tf.tensor2d(bData, [n, n]);
  return {
    name: 'matmul 1024³',
    flops: 2 * n * n * n,
    ours: async () => {
      const y = matmul(a, b);
      await y.read();
      y.dispose();
    },
    theirs: async () => {
      const y = tf.matMul(ta, tb);
      await y.data();
      y.dispose();
    },
  };
}

async function main(): Promise<void> {
  const g = await initGpu();
  const tf = await tfjsWebgpu(g.api);
  console.log(`adapter: ${g.adapterDescription} (both sides); median of 5 runs after 2 warm-ups, each including one read-back`);
  const rows: string[][] = [['case', 'ours ms', 'ours GFLOP/s', 'tfjs-webgpu ms', 'tfjs GFLOP/s', 'ours/theirs']];
  for (const c of [...convCases(tf), matmulCase(tf)]) {
    const ours = await time(c.ours);
    const theirs = await time(c.theirs);
    const gflops = (ms: number) => (c.flops / (ms * 1e6)).toFixed(2);
    rows.push([c.name, ours.medianMs.toFixed(1), gflops(ours.medianMs), theirs.medianMs.toFixed(1), gflops(theirs.medianMs), (ours.medianMs / theirs.medianMs).toFixed(2)]);
    console.log(`  measured ${c.name}`);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
  releaseGpu();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
